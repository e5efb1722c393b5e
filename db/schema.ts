// The whole LabQC data model. Conventions:
// - instants are integer epoch milliseconds (UTC) in columns named *At; calendar dates are
//   'YYYY-MM-DD' text in columns named *On / validFrom / validTo (certification is decided per day);
// - nothing with history is deleted: rows are deactivated, superseded by a new version, or closed;
// - JSON columns hold small structured facts (rule lists, criteria) that are read whole, never queried.
import { sql } from 'drizzle-orm';
import {
  sqliteTable,
  integer,
  text,
  real,
  index,
  uniqueIndex,
  primaryKey,
} from 'drizzle-orm/sqlite-core';
import {
  ROLES,
  REGION_LEVELS,
  LAB_LEVELS,
  ANALYTE_CATEGORIES,
  TARGET_SOURCES,
  RUN_STATUSES,
  INGEST_SOURCES,
  CORRECTIVE_ACTION_STATUSES,
  ROUND_STATUSES,
  SIGMA_PT_SOURCES,
  PEER_GROUPINGS,
  LIMIT_FORMS,
  EVALUATION_STATUSES,
  ASSIGNED_VALUE_SOURCES,
  Z_CLASSES,
  ROUND_VERDICTS,
  CERTIFICATION_STATUSES,
  CERTIFICATION_ACTIONS,
  TOKEN_SCOPES,
  CALENDAR_DAY_KINDS,
} from './enums';

const id = () => integer('id').primaryKey({ autoIncrement: true });
const createdAt = () => integer('created_at').notNull();

// ---------------------------------------------------------------------------------------------
// Geography and institutions

/** Administrative regions (GB/T 2260 codes): national > province > city. `path` is the chain of
 * codes from the root, e.g. `/100000/440000/440300/`, so "a region and its sub-regions" is one
 * indexed prefix match. */
export const regions = sqliteTable(
  'regions',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en').notNull(),
    level: text('level', { enum: REGION_LEVELS }).notNull(),
    parentId: integer('parent_id'),
    path: text('path').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('regions_code_uq').on(t.code), index('regions_path_idx').on(t.path), index('regions_parent_idx').on(t.parentId)],
);

export const laboratories = sqliteTable(
  'laboratories',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    level: text('level', { enum: LAB_LEVELS }).notNull(),
    regionId: integer('region_id')
      .notNull()
      .references(() => regions.id),
    address: text('address'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** IQC: results of one analyte × instrument within this many minutes of a run's first result
     * (one per level) form one run (DOMAIN.md §4) */
    runWindowMinutes: integer('run_window_minutes').notNull().default(30),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('labs_code_uq').on(t.code), index('labs_region_idx').on(t.regionId), index('labs_name_idx').on(t.name)],
);

/** The analyte catalogue with its quality specifications. `teaPercent`/`teaAbsolute` form the
 * allowable total error used for EQA grading (allowed = max(absolute, percent·|target|)). */
export const analytes = sqliteTable(
  'analytes',
  {
    id: id(),
    code: text('code').notNull(),
    loinc: text('loinc'),
    nameEn: text('name_en').notNull(),
    nameZh: text('name_zh').notNull(),
    unit: text('unit').notNull(),
    category: text('category', { enum: ANALYTE_CATEGORIES }).notNull(),
    teaPercent: real('tea_percent'),
    teaAbsolute: real('tea_absolute'),
    teaAbsoluteAtOrBelow: real('tea_absolute_at_or_below'),
    /** how teaPercent and teaAbsolute combine: WS/T 'threshold' (absolute at or below
     * teaAbsoluteAtOrBelow, percent above) or CLIA 'greater_of'; null when only one is given */
    teaForm: text('tea_form', { enum: LIMIT_FORMS }),
    teaSource: text('tea_source').notNull(),
    allowableCvPercent: real('allowable_cv_percent'),
    allowableBiasPercent: real('allowable_bias_percent'),
    cvSource: text('cv_source'),
    ncclEqaRange: text('nccl_eqa_range'),
    cliaLimit: text('clia_limit'),
    cliaConfidence: text('clia_confidence'),
    notes: text('notes'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('analytes_code_uq').on(t.code)],
);

/** Concentration-dependent allowable limits of an analyte (WS/T 406-2024 states haematology
 * requirements by range). A range covers from < target ≤ to (null = unbounded); when an analyte has
 * ranges, the one holding the EQA target sets the limit, else the analyte's flat TEa applies. */
export const analyteLimitRanges = sqliteTable(
  'analyte_limit_ranges',
  {
    id: id(),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    fromValue: real('from_value'),
    toValue: real('to_value'),
    percent: real('percent'),
    absolute: real('absolute'),
    form: text('form', { enum: LIMIT_FORMS }),
    threshold: real('threshold'),
    source: text('source').notNull(),
  },
  (t) => [index('analyte_limit_ranges_analyte_idx').on(t.analyteId, t.fromValue)],
);

// ---------------------------------------------------------------------------------------------
// People and access

export const users = sqliteTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    labId: integer('lab_id').references(() => laboratories.id),
    regionId: integer('region_id').references(() => regions.id),
    locale: text('locale'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    deactivatedAt: integer('deactivated_at'),
    /** set for a temporary password (new account, reset): the user must choose their own first */
    mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(false),
    /** raised by every password change or reset; a session signed with an older value has ended */
    sessionVersion: integer('session_version').notNull().default(0),
    passwordChangedAt: integer('password_changed_at'),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email), index('users_lab_idx').on(t.labId), index('users_region_idx').on(t.regionId), index('users_role_name_idx').on(t.role, t.name)],
);

/** Failed sign-ins counted per key (an account, an unknown email's hash, or a client address) in a
 * 15-minute window; ten failures lock the key. Rows are fixed-size and deleted when their window
 * ends (after one aggregated audit row), so an attacker cannot grow the table or the audit log. */
export const signInThrottle = sqliteTable('sign_in_throttle', {
  key: text('key').primaryKey(),
  userId: integer('user_id'),
  windowStart: integer('window_start').notNull(),
  failures: integer('failures').notNull(),
  /** attempts refused while locked (not checked, not counted as failures) */
  refused: integer('refused').notNull().default(0),
  lockedUntil: integer('locked_until'),
  lastAt: integer('last_at').notNull(),
  lastReason: text('last_reason'),
});

/** LIS/middleware tokens of a lab. Only a SHA-256 of the token is stored; `prefix` identifies it in
 * lists. A token acts with the rights of its creator, and stops working when revoked or when the
 * creator is deactivated. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    /** what the token may do; tokens created before scopes existed keep all three (they were used for both) */
    scopes: text('scopes', { mode: 'json' })
      .$type<(typeof TOKEN_SCOPES)[number][]>()
      .notNull()
      .default(sql`'["read","iqc:write","eqa:submit"]'`),
    expiresAt: integer('expires_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash_uq').on(t.tokenHash), index('api_tokens_lab_idx').on(t.labId)],
);

/** Snapshot of an entity before each administrative edit (regions, labs, users, analytes,
 * policies...), so edits keep history without a history table per entity. */
export const entityVersions = sqliteTable(
  'entity_versions',
  {
    id: id(),
    entityType: text('entity_type').notNull(),
    entityId: integer('entity_id').notNull(),
    version: integer('version').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
    reason: text('reason'),
    changedBy: integer('changed_by').references(() => users.id),
    changedAt: integer('changed_at').notNull(),
  },
  (t) => [uniqueIndex('entity_versions_uq').on(t.entityType, t.entityId, t.version)],
);

/** Append-only: triggers in the migrations refuse UPDATE and DELETE. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: id(),
    at: integer('at').notNull(),
    actorId: integer('actor_id'),
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    labId: integer('lab_id'),
    regionId: integer('region_id'),
    details: text('details', { mode: 'json' }),
    ip: text('ip'),
    /** the previous row's hash (64 zeros for the first row): the rows form a chain (db/queries/audit-chain.ts) */
    prevHash: text('prev_hash'),
    /** SHA-256 (hex) of prevHash and this row's canonical content; set once, in the row's transaction */
    hash: text('hash'),
  },
  (t) => [
    index('audit_at_idx').on(t.at),
    index('audit_entity_idx').on(t.entityType, t.entityId),
    index('audit_lab_idx').on(t.labId, t.at),
    index('audit_action_idx').on(t.action, t.at),
  ],
);

// ---------------------------------------------------------------------------------------------
// Internal quality control

/** A control material lot in use at a lab for one analyte and level (and instrument). */
export const controlLots = sqliteTable(
  'control_lots',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    level: text('level').notNull(),
    lotNumber: text('lot_number').notNull(),
    instrument: text('instrument').notNull().default(''),
    material: text('material'),
    manufacturer: text('manufacturer'),
    expiresOn: text('expires_on'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('control_lots_uq').on(t.labId, t.analyteId, t.level, t.lotNumber, t.instrument),
    index('control_lots_lab_analyte_idx').on(t.labId, t.analyteId),
  ],
);

/** Target mean/SD of a control lot. Versioned and frozen: a result is judged against the version
 * in force (latest `effectiveFrom` ≤ its time) and a new version never rewrites earlier verdicts. */
export const qcTargets = sqliteTable(
  'qc_targets',
  {
    id: id(),
    controlLotId: integer('control_lot_id')
      .notNull()
      .references(() => controlLots.id),
    version: integer('version').notNull(),
    mean: real('mean').notNull(),
    sd: real('sd').notNull(),
    source: text('source', { enum: TARGET_SOURCES }).notNull(),
    basisN: integer('basis_n'),
    effectiveFrom: integer('effective_from').notNull(),
    reason: text('reason'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('qc_targets_uq').on(t.controlLotId, t.version), index('qc_targets_effective_idx').on(t.controlLotId, t.effectiveFrom)],
);

/** Westgard rule set chosen for a lab × analyte; absent means the default (sigma-based when a
 * sigma is known). */
export const qcRuleConfigs = sqliteTable(
  'qc_rule_configs',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    rules: text('rules', { mode: 'json' }).$type<string[]>().notNull(),
    updatedBy: integer('updated_by').references(() => users.id),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('qc_rule_configs_uq').on(t.labId, t.analyteId)],
);

/** Versions of a lab × analyte's rule set, each in force from `effectiveFrom` (a run is judged with
 * the version in force when it was measured). `rules` empty: the automatic choice (Westgard Sigma
 * Rules when the sigma is known, else the default multirule). A change adds a version, never edits
 * one; qc_rule_configs mirrors the latest. */
export const qcRuleSetVersions = sqliteTable(
  'qc_rule_set_versions',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    version: integer('version').notNull(),
    rules: text('rules', { mode: 'json' }).$type<string[]>().notNull(),
    effectiveFrom: integer('effective_from').notNull(),
    reason: text('reason'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('qc_rule_set_versions_uq').on(t.labId, t.analyteId, t.version), index('qc_rule_set_versions_lab_idx').on(t.labId, t.analyteId, t.effectiveFrom)],
);

/** One QC run: the control results of one analyte (all levels) measured together. */
export const iqcRuns = sqliteTable(
  'iqc_runs',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    instrument: text('instrument').notNull().default(''),
    measuredAt: integer('measured_at').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    rules: text('rules', { mode: 'json' }).$type<string[]>().notNull(),
    evaluatedAt: integer('evaluated_at').notNull(),
    source: text('source', { enum: INGEST_SOURCES }).notNull(),
    operator: text('operator'),
    /** the run id the LIS sent with its results (`run`): results sharing it in a series are one run */
    clientRunId: text('client_run_id'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('iqc_runs_client_idx').on(t.labId, t.clientRunId),
    index('iqc_runs_lab_analyte_time_idx').on(t.labId, t.analyteId, t.measuredAt),
    index('iqc_runs_lab_time_idx').on(t.labId, t.measuredAt),
    index('iqc_runs_lab_status_idx').on(t.labId, t.status),
  ],
);

/** A control result. Edits add a new version (`supersedesId`, `reason`) and mark the old one
 * `current = false`; only current results count. */
export const iqcResults = sqliteTable(
  'iqc_results',
  {
    id: id(),
    runId: integer('run_id')
      .notNull()
      .references(() => iqcRuns.id),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    controlLotId: integer('control_lot_id')
      .notNull()
      .references(() => controlLots.id),
    level: text('level').notNull(),
    value: real('value').notNull(),
    measuredAt: integer('measured_at').notNull(),
    targetId: integer('target_id').references(() => qcTargets.id),
    z: real('z'),
    version: integer('version').notNull().default(1),
    current: integer('current', { mode: 'boolean' }).notNull().default(true),
    supersedesId: integer('supersedes_id'),
    reason: text('reason'),
    excluded: integer('excluded', { mode: 'boolean' }).notNull().default(false),
    /** why the lab excluded this value from the rules and statistics (audited) */
    excludedReason: text('excluded_reason'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('iqc_results_run_idx').on(t.runId),
    index('iqc_results_lot_time_idx').on(t.controlLotId, t.measuredAt),
    index('iqc_results_lab_analyte_time_idx').on(t.labId, t.analyteId, t.measuredAt),
    // the same result sent twice (same lab, analyte, level, lot, time, value) is one result
    uniqueIndex('iqc_results_dedup_uq')
      .on(t.controlLotId, t.measuredAt, t.value)
      .where(sql`current = 1`),
  ],
);

export const iqcViolations = sqliteTable(
  'iqc_violations',
  {
    id: id(),
    runId: integer('run_id')
      .notNull()
      .references(() => iqcRuns.id),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    rule: text('rule').notNull(),
    levels: text('levels', { mode: 'json' }).$type<string[]>().notNull(),
    measuredAt: integer('measured_at').notNull(),
  },
  (t) => [index('iqc_violations_run_idx').on(t.runId), index('iqc_violations_lab_time_idx').on(t.labId, t.measuredAt)],
);

/** Daily IQC figures of a series (lab × analyte × instrument × day; the day in UTC+8, as
 * lib/calendar): runs started that day, how many were rejected, and the current, not excluded
 * results and their distinct levels. Derived from iqc_runs/iqc_results, never written by hand:
 * lib/services/iqc/daily.ts recomputes the touched days of a series in the same transaction as
 * every ingest, correction, exclusion and re-evaluation. Dashboards and overviews read these. */
export const iqcDailySeries = sqliteTable(
  'iqc_daily_series',
  {
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    instrument: text('instrument').notNull(),
    day: text('day').notNull(),
    runs: integer('runs').notNull(),
    rejectedRuns: integer('rejected_runs').notNull(),
    results: integer('results').notNull(),
    levels: integer('levels').notNull(),
  },
  (t) => [primaryKey({ columns: [t.labId, t.analyteId, t.instrument, t.day] }), index('iqc_daily_series_lab_day_idx').on(t.labId, t.day)],
);

/** Daily figures of a control lot (one instrument × lot number × level): current, not excluded
 * results, and the in-control ones among them (runs not rejected) as n, mean and the sum of squared
 * deviations from that mean, which combine exactly over days into a window's n, mean, SD and CV
 * (lib/stats/moments.ts). Kept with {@link iqcDailySeries}. */
export const iqcDailyLots = sqliteTable(
  'iqc_daily_lots',
  {
    controlLotId: integer('control_lot_id').notNull(),
    day: text('day').notNull(),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    level: text('level').notNull(),
    results: integer('results').notNull(),
    n: integer('n').notNull(),
    mean: real('mean'),
    sumSqDev: real('sum_sq_dev'),
  },
  (t) => [primaryKey({ columns: [t.controlLotId, t.day] }), index('iqc_daily_lots_lab_day_idx').on(t.labId, t.day), index('iqc_daily_lots_lab_analyte_day_idx').on(t.labId, t.analyteId, t.day)],
);

/** Distinct control levels a lab × analyte measured on a day (any instrument; from
 * {@link iqcDailyLots}), the unit of IQC coverage. Kept with the other daily aggregates. */
export const iqcDailyPairs = sqliteTable(
  'iqc_daily_pairs',
  {
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    day: text('day').notNull(),
    levels: integer('levels').notNull(),
  },
  (t) => [primaryKey({ columns: [t.labId, t.analyteId, t.day] })],
);

/** Per region (the lab's own region) and day: lab × analyte pairs with at least 2 levels that day
 * (the regional overview's covered pair-days), kept by delta from {@link iqcDailyPairs}. */
export const iqcRegionDays = sqliteTable(
  'iqc_region_days',
  {
    regionId: integer('region_id').notNull(),
    day: text('day').notNull(),
    coveredPairs: integer('covered_pairs').notNull(),
  },
  (t) => [primaryKey({ columns: [t.regionId, t.day] })],
);

/** Per region and month (YYYY-MM): lab × analyte pairs with any IQC that month (the overview's
 * denominator), kept by delta from {@link iqcDailyPairs}. */
export const iqcRegionMonths = sqliteTable(
  'iqc_region_months',
  {
    regionId: integer('region_id').notNull(),
    month: text('month').notNull(),
    pairs: integer('pairs').notNull(),
  },
  (t) => [primaryKey({ columns: [t.regionId, t.month] })],
);

export const correctiveActions = sqliteTable(
  'corrective_actions',
  {
    id: id(),
    runId: integer('run_id')
      .notNull()
      .references(() => iqcRuns.id),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    status: text('status', { enum: CORRECTIVE_ACTION_STATUSES }).notNull().default('open'),
    openedAt: integer('opened_at').notNull(),
    cause: text('cause'),
    action: text('action'),
    outcome: text('outcome'),
    resolvedBy: integer('resolved_by').references(() => users.id),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [uniqueIndex('corrective_actions_run_uq').on(t.runId), index('corrective_actions_lab_status_idx').on(t.labId, t.status, t.openedAt), index('corrective_actions_lab_opened_idx').on(t.labId, t.openedAt)],
);

// ---------------------------------------------------------------------------------------------
// External quality assessment

export const eqaSchemes = sqliteTable(
  'eqa_schemes',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    nameEn: text('name_en'),
    regionId: integer('region_id')
      .notNull()
      .references(() => regions.id),
    minRoundScore: real('min_round_score').notNull().default(80),
    sigmaPtSource: text('sigma_pt_source', { enum: SIGMA_PT_SOURCES }).notNull().default('allowable_error'),
    peerGrouping: text('peer_grouping', { enum: PEER_GROUPINGS }).notNull().default('method'),
    minPeerGroupSize: integer('min_peer_group_size').notNull().default(8),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('eqa_schemes_code_uq').on(t.code), index('eqa_schemes_region_idx').on(t.regionId)],
);

/** Analytes graded in a scheme; null limits mean "the catalogue's allowable error". */
export const eqaSchemeAnalytes = sqliteTable(
  'eqa_scheme_analytes',
  {
    schemeId: integer('scheme_id')
      .notNull()
      .references(() => eqaSchemes.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    percent: real('percent'),
    absolute: real('absolute'),
    /** how an override with both percent and absolute combines them (null: greater of) */
    limitForm: text('limit_form', { enum: LIMIT_FORMS }),
    threshold: real('threshold'),
    minScore: real('min_score'),
  },
  (t) => [primaryKey({ columns: [t.schemeId, t.analyteId] })],
);

export const eqaEnrollments = sqliteTable(
  'eqa_enrollments',
  {
    schemeId: integer('scheme_id')
      .notNull()
      .references(() => eqaSchemes.id),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    enrolledAt: integer('enrolled_at').notNull(),
    withdrawnAt: integer('withdrawn_at'),
  },
  (t) => [primaryKey({ columns: [t.schemeId, t.labId] }), index('eqa_enrollments_lab_idx').on(t.labId)],
);

export const eqaRounds = sqliteTable(
  'eqa_rounds',
  {
    id: id(),
    schemeId: integer('scheme_id')
      .notNull()
      .references(() => eqaSchemes.id),
    code: text('code').notNull(),
    opensAt: integer('opens_at').notNull(),
    closesAt: integer('closes_at').notNull(),
    status: text('status', { enum: ROUND_STATUSES }).notNull().default('draft'),
    /** analyte codes graded in this round (a subset of the scheme's); null = all of them */
    analytes: text('analytes', { mode: 'json' }).$type<string[]>(),
    publishedAt: integer('published_at'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('eqa_rounds_code_uq').on(t.code), index('eqa_rounds_scheme_idx').on(t.schemeId, t.closesAt), index('eqa_rounds_closes_idx').on(t.closesAt)],
);

export const eqaSamples = sqliteTable(
  'eqa_samples',
  {
    id: id(),
    roundId: integer('round_id')
      .notNull()
      .references(() => eqaRounds.id),
    code: text('code').notNull(),
    ordinal: integer('ordinal').notNull(),
  },
  (t) => [uniqueIndex('eqa_samples_uq').on(t.roundId, t.code)],
);

export const eqaReferenceValues = sqliteTable(
  'eqa_reference_values',
  {
    id: id(),
    sampleId: integer('sample_id')
      .notNull()
      .references(() => eqaSamples.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    value: real('value').notNull(),
    /** standard uncertainty u = U/k */
    uncertainty: real('uncertainty'),
    /** the expanded uncertainty U as given, and its coverage factor k */
    expandedUncertainty: real('expanded_uncertainty'),
    coverageFactor: real('coverage_factor'),
    source: text('source'),
  },
  (t) => [uniqueIndex('eqa_reference_values_uq').on(t.sampleId, t.analyteId)],
);

/** A lab's result for one sample × analyte. Resubmission adds a version; the latest
 * (`current = true`) counts, earlier ones stay. */
export const eqaSubmissions = sqliteTable(
  'eqa_submissions',
  {
    id: id(),
    roundId: integer('round_id')
      .notNull()
      .references(() => eqaRounds.id),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    sampleId: integer('sample_id')
      .notNull()
      .references(() => eqaSamples.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    value: real('value').notNull(),
    method: text('method').notNull().default(''),
    instrument: text('instrument').notNull().default(''),
    version: integer('version').notNull().default(1),
    current: integer('current', { mode: 'boolean' }).notNull().default(true),
    source: text('source', { enum: INGEST_SOURCES }).notNull(),
    submittedBy: integer('submitted_by').references(() => users.id),
    submittedAt: integer('submitted_at').notNull(),
  },
  (t) => [
    index('eqa_submissions_round_lab_idx').on(t.roundId, t.labId, t.analyteId),
    index('eqa_submissions_round_sample_idx').on(t.roundId, t.sampleId, t.analyteId),
    uniqueIndex('eqa_submissions_current_uq')
      .on(t.roundId, t.labId, t.sampleId, t.analyteId)
      .where(sql`current = 1`),
  ],
);

/** One evaluation of a round (re-evaluation adds a new one; publishing freezes the latest). */
export const eqaEvaluations = sqliteTable(
  'eqa_evaluations',
  {
    id: id(),
    roundId: integer('round_id')
      .notNull()
      .references(() => eqaRounds.id),
    version: integer('version').notNull(),
    status: text('status', { enum: EVALUATION_STATUSES }).notNull(),
    algorithmVersion: text('algorithm_version').notNull(),
    parameters: text('parameters', { mode: 'json' }).notNull(),
    inputDigest: text('input_digest'),
    progress: real('progress').notNull().default(0),
    diff: text('diff', { mode: 'json' }),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    evaluatedBy: integer('evaluated_by').references(() => users.id),
  },
  (t) => [uniqueIndex('eqa_evaluations_uq').on(t.roundId, t.version)],
);

/** Assigned value and σpt per sample × analyte × peer group of an evaluation. */
export const eqaAssignedValues = sqliteTable(
  'eqa_assigned_values',
  {
    id: id(),
    evaluationId: integer('evaluation_id')
      .notNull()
      .references(() => eqaEvaluations.id),
    sampleId: integer('sample_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    peerGroup: text('peer_group').notNull(),
    source: text('source', { enum: ASSIGNED_VALUE_SOURCES }).notNull(),
    n: integer('n').notNull(),
    assignedValue: real('assigned_value').notNull(),
    robustSd: real('robust_sd'),
    sigmaPt: real('sigma_pt').notNull(),
    uAssigned: real('u_assigned'),
    uNegligible: integer('u_negligible', { mode: 'boolean' }).notNull(),
    iterations: integer('iterations'),
  },
  (t) => [index('eqa_assigned_values_eval_idx').on(t.evaluationId, t.sampleId, t.analyteId)],
);

export const eqaResultEvaluations = sqliteTable(
  'eqa_result_evaluations',
  {
    id: id(),
    evaluationId: integer('evaluation_id')
      .notNull()
      .references(() => eqaEvaluations.id),
    submissionId: integer('submission_id').references(() => eqaSubmissions.id),
    labId: integer('lab_id').notNull(),
    sampleId: integer('sample_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    assignedValueId: integer('assigned_value_id').references(() => eqaAssignedValues.id),
    value: real('value'),
    deviation: real('deviation'),
    percentDeviation: real('percent_deviation'),
    allowed: real('allowed'),
    z: real('z'),
    scoreType: text('score_type', { enum: ['z', 'z_prime'] }),
    /** the verdict; null = not evaluated (see reason) */
    acceptable: integer('acceptable', { mode: 'boolean' }),
    classification: text('classification', { enum: Z_CLASSES }),
    /** why a result was not evaluated (a code, lib/services/eqa/engine.ts), with the group size */
    reason: text('reason'),
    reasonN: integer('reason_n'),
  },
  (t) => [index('eqa_result_evaluations_eval_lab_idx').on(t.evaluationId, t.labId), index('eqa_result_evaluations_eval_sample_idx').on(t.evaluationId, t.sampleId, t.analyteId)],
);

export const eqaAnalyteScores = sqliteTable(
  'eqa_analyte_scores',
  {
    id: id(),
    evaluationId: integer('evaluation_id')
      .notNull()
      .references(() => eqaEvaluations.id),
    roundId: integer('round_id').notNull(),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    samples: integer('samples').notNull(),
    acceptableCount: integer('acceptable_count').notNull(),
    /** samples of the round that could not be evaluated (not counted in `samples`) */
    notEvaluated: integer('not_evaluated').notNull().default(0),
    score: real('score').notNull(),
    verdict: text('verdict', { enum: ROUND_VERDICTS }).notNull(),
    notSubmitted: integer('not_submitted', { mode: 'boolean' }).notNull(),
    unsuccessful: integer('unsuccessful', { mode: 'boolean' }).notNull(),
  },
  (t) => [
    uniqueIndex('eqa_analyte_scores_uq').on(t.evaluationId, t.labId, t.analyteId),
    index('eqa_analyte_scores_lab_analyte_idx').on(t.labId, t.analyteId, t.roundId),
  ],
);

// ---------------------------------------------------------------------------------------------
// Mutual recognition

/** Recognition policy of a region, versioned by effective date; a city without its own policy
 * inherits its province's. `criteria` holds the configurable thresholds. */
export const recognitionPolicies = sqliteTable(
  'recognition_policies',
  {
    id: id(),
    regionId: integer('region_id')
      .notNull()
      .references(() => regions.id),
    version: integer('version').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    criteria: text('criteria', { mode: 'json' }).notNull(),
    analyteCodes: text('analyte_codes', { mode: 'json' }).$type<string[]>().notNull(),
    validityMonths: integer('validity_months').notNull().default(12),
    reason: text('reason'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('recognition_policies_uq').on(t.regionId, t.version), index('recognition_policies_effective_idx').on(t.regionId, t.effectiveFrom)],
);

/** The working calendar: days that break the Monday–Friday rule (official holidays on weekdays,
 * make-up working days on weekends). `regionId` null is the national calendar (seeded with the State
 * Council's arrangement); a region's entries apply to its labs and override the national entry of
 * the same day. Working days count IQC coverage for recognition and the regional overview. */
export const calendarDays = sqliteTable(
  'calendar_days',
  {
    id: id(),
    regionId: integer('region_id').references(() => regions.id),
    day: text('day').notNull(),
    kind: text('kind', { enum: CALENDAR_DAY_KINDS }).notNull(),
    name: text('name').notNull(),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('calendar_days_uq').on(sql`coalesce(${t.regionId}, 0)`, t.day), index('calendar_days_day_idx').on(t.day)],
);

/** Latest eligibility verdict per lab × analyte, with one line per criterion. */
export const eligibilityResults = sqliteTable(
  'eligibility_results',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    policyId: integer('policy_id').references(() => recognitionPolicies.id),
    eligible: integer('eligible', { mode: 'boolean' }).notNull(),
    criteria: text('criteria', { mode: 'json' }).notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [
    uniqueIndex('eligibility_results_uq').on(t.labId, t.analyteId),
    index('eligibility_results_eligible_idx').on(t.eligible, t.labId),
    // the recognition queue sorted by test, or by when the verdict was computed
    index('eligibility_results_analyte_idx').on(t.analyteId, t.eligible, t.labId),
    index('eligibility_results_computed_idx').on(t.eligible, t.computedAt),
  ],
);

/** A certification of lab × analyte within a region (the scope of its HR mark). Status changes are
 * recorded as events with an effective date, so the status on any past date can be answered. */
export const certifications = sqliteTable(
  'certifications',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    scopeRegionId: integer('scope_region_id')
      .notNull()
      .references(() => regions.id),
    scope: text('scope').notNull(),
    mark: text('mark').notNull(),
    certificateNo: text('certificate_no').notNull(),
    status: text('status', { enum: CERTIFICATION_STATUSES }).notNull(),
    validFrom: text('valid_from').notNull(),
    validTo: text('valid_to').notNull(),
    flagged: integer('flagged', { mode: 'boolean' }).notNull().default(false),
    flagReason: text('flag_reason'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('certifications_no_uq').on(t.certificateNo),
    index('certifications_lab_analyte_idx').on(t.labId, t.analyteId, t.validFrom),
    index('certifications_status_idx').on(t.status, t.flagged),
  ],
);

/** Decision history: every approval, rejection, suspension, reinstatement, revocation, expiry and
 * flag, with who, when, why and the day it takes effect. */
export const certificationEvents = sqliteTable(
  'certification_events',
  {
    id: id(),
    certificationId: integer('certification_id').references(() => certifications.id),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    action: text('action', { enum: CERTIFICATION_ACTIONS }).notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    effectiveOn: text('effective_on').notNull(),
    reason: text('reason').notNull(),
    actorId: integer('actor_id').references(() => users.id),
    at: integer('at').notNull(),
  },
  (t) => [index('certification_events_cert_idx').on(t.certificationId, t.effectiveOn), index('certification_events_lab_idx').on(t.labId, t.analyteId)],
);

export type Region = typeof regions.$inferSelect;
export type Laboratory = typeof laboratories.$inferSelect;
export type Analyte = typeof analytes.$inferSelect;
export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
export type ControlLot = typeof controlLots.$inferSelect;
export type QcTarget = typeof qcTargets.$inferSelect;
export type IqcRun = typeof iqcRuns.$inferSelect;
export type IqcResult = typeof iqcResults.$inferSelect;
export type EqaScheme = typeof eqaSchemes.$inferSelect;
export type EqaRound = typeof eqaRounds.$inferSelect;
export type Certification = typeof certifications.$inferSelect;
export type CertificationEvent = typeof certificationEvents.$inferSelect;
