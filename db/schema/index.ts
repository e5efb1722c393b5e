// What the queries import their tables from: the tables of the backend chosen once at start-up
// (db/backend.ts), typed as the SQLite tables. The PostgreSQL tables (db/pg/schema, generated) have the
// same table and column names and the same row types (db/pg/schema/row-types.ts), so a query written
// against these runs on either (the approach Homarr uses with drizzle).
// A table added to db/schema/<part>.ts must be listed here too (tsc fails below until it is).
import * as sqlite from './sqlite';
import * as pg from '../pg/schema';
import { BACKEND } from '../backend';

export type * from './sqlite';

const t = (BACKEND === 'pg' ? pg : sqlite) as unknown as typeof sqlite;

export const regions = t.regions;
export const laboratories = t.laboratories;
export const analytes = t.analytes;
export const analyteLimitRanges = t.analyteLimitRanges;
export const users = t.users;
export const signInThrottle = t.signInThrottle;
export const apiTokens = t.apiTokens;
export const entityVersions = t.entityVersions;
export const auditLog = t.auditLog;
export const controlLots = t.controlLots;
export const qcTargets = t.qcTargets;
export const qcRuleConfigs = t.qcRuleConfigs;
export const qcRuleSetVersions = t.qcRuleSetVersions;
export const iqcRuns = t.iqcRuns;
export const iqcResults = t.iqcResults;
export const iqcViolations = t.iqcViolations;
export const iqcDailySeries = t.iqcDailySeries;
export const iqcDailyLots = t.iqcDailyLots;
export const iqcDailyPairs = t.iqcDailyPairs;
export const iqcRegionDays = t.iqcRegionDays;
export const iqcRegionMonths = t.iqcRegionMonths;
export const correctiveActions = t.correctiveActions;
export const eqaSchemes = t.eqaSchemes;
export const eqaSchemeAnalytes = t.eqaSchemeAnalytes;
export const eqaEnrollments = t.eqaEnrollments;
export const eqaRounds = t.eqaRounds;
export const eqaSamples = t.eqaSamples;
export const eqaReferenceValues = t.eqaReferenceValues;
export const eqaSubmissions = t.eqaSubmissions;
export const eqaEvaluations = t.eqaEvaluations;
export const eqaAssignedValues = t.eqaAssignedValues;
export const eqaResultEvaluations = t.eqaResultEvaluations;
export const eqaCategoryTargets = t.eqaCategoryTargets;
export const eqaAnalyteScores = t.eqaAnalyteScores;
export const eqaZBins = t.eqaZBins;
export const recognitionPolicies = t.recognitionPolicies;
export const calendarDays = t.calendarDays;
export const eligibilityResults = t.eligibilityResults;
export const certifications = t.certifications;
export const certificateNumbers = t.certificateNumbers;
export const certificationEvents = t.certificationEvents;
export const analyteLocalCodes = t.analyteLocalCodes;
export const analyteLocalCodeMisses = t.analyteLocalCodeMisses;
export const hospitalWatches = t.hospitalWatches;
export const webhookEndpoints = t.webhookEndpoints;
export const webhookDeliveries = t.webhookDeliveries;
export const webhookAttempts = t.webhookAttempts;
export const rateLimitWindows = t.rateLimitWindows;
export const jobRuns = t.jobRuns;

type Table = { [K in keyof typeof sqlite]: (typeof sqlite)[K] extends import('drizzle-orm/sqlite-core').SQLiteTable ? K : never }[keyof typeof sqlite];
const listed = { regions, laboratories, analytes, analyteLimitRanges, users, signInThrottle, apiTokens, entityVersions, auditLog, controlLots, qcTargets, qcRuleConfigs, qcRuleSetVersions, iqcRuns, iqcResults, iqcViolations, iqcDailySeries, iqcDailyLots, iqcDailyPairs, iqcRegionDays, iqcRegionMonths, correctiveActions, eqaSchemes, eqaSchemeAnalytes, eqaEnrollments, eqaRounds, eqaSamples, eqaReferenceValues, eqaSubmissions, eqaEvaluations, eqaAssignedValues, eqaResultEvaluations, eqaCategoryTargets, eqaAnalyteScores, eqaZBins, recognitionPolicies, calendarDays, eligibilityResults, certifications, certificateNumbers, certificationEvents, analyteLocalCodes, analyteLocalCodeMisses, hospitalWatches, webhookEndpoints, webhookDeliveries, webhookAttempts, rateLimitWindows, jobRuns };
type Unlisted = Exclude<Table, keyof typeof listed>;
/** Every SQLite table is handed out above (a new one that is not makes this fail to compile). */
export const allTablesListed: [Unlisted] extends [never] ? true : Unlisted = true;
