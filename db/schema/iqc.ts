import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { TARGET_SOURCES, RUN_STATUSES, INGEST_SOURCES, CORRECTIVE_ACTION_STATUSES } from '../enums';
import { id, createdAt } from './columns';
import { users } from './access';
import { laboratories, analytes } from './geography';

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
    /** a control of a qualitative, ordinal or nominal item: the category code it must read (a
     * negative control the lowest category, a weak-positive control 'positive', an ordinal control
     * its grade), judged for results measured at or after `expectedFrom`; null for quantitative lots */
    expectedCategory: text('expected_category'),
    expectedFrom: integer('expected_from'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('control_lots_uq').on(t.labId, t.analyteId, t.level, t.lotNumber, t.instrument),
    index('control_lots_lab_analyte_idx').on(t.labId, t.analyteId),
    // whether an item has IQC data (catalogue edits: an item in use keeps its kind and categories)
    index('control_lots_analyte_idx').on(t.analyteId),
  ],
);

/** Target mean/SD of a control lot. Versioned and frozen: a result is judged against the version
 * in force (latest `effectiveFrom` ≤ its time) and a new version never rewrites earlier verdicts. */
export const qcTargets = sqliteTable(
  'qc_targets',
  {
    id: id(),
    /** the lab of the control lot (denormalised: a lab's rows stay together when sharded by lab) */
    labId: integer('lab_id').notNull(),
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
    /** a window run's run window in minutes, as it was formed: after the lab changes its window, a
     * late result leaves runs of another window as they are (lib/services/iqc/runs.ts). NULL: a client
     * run, or a window run formed under the window still in force (stamped when the window changes) */
    windowMinutes: integer('window_minutes'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    // partial: most LIS send no run id, and an index entry per run would cost every ingest
    index('iqc_runs_client_idx').on(t.labId, t.clientRunId).where(sql`${t.clientRunId} IS NOT NULL`),
    index('iqc_runs_lab_analyte_time_idx').on(t.labId, t.analyteId, t.measuredAt),
    // a series' latest runs (dashboard, rule choices): without the instrument, a series of an
    // instrument replaced years ago walked every later run of its analyte on the other instruments
    index('iqc_runs_series_time_idx').on(t.labId, t.analyteId, t.instrument, t.measuredAt),
    index('iqc_runs_lab_time_idx').on(t.labId, t.measuredAt),
    // rejected runs by lab and time (the recognition review's overdue corrective actions): partial,
    // as the client index, so that the runs judged in control (nearly all) cost no entry
    index('iqc_runs_lab_rejected_idx').on(t.labId, t.measuredAt).where(sql`${t.status} = 'rejected'`),
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
    /** the number: the measured value; for a categorical item its signal (S/CO) when the analyser
     * gave one, else the grade of `category` (its position from the lowest category) */
    value: real('value').notNull(),
    /** a categorical item's reading (the catalogue's category code) and the analyser's signal (S/CO,
     * OD) when given; null for quantitative items. z is of the signal against the lot's signal target */
    category: text('category'),
    signal: real('signal'),
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
    // a run's results, with the lab: one index answers both (a run's values are read by run and lab,
    // and with only run_id indexed PostgreSQL, before its statistics, combined the lab's index in)
    index('iqc_results_run_idx').on(t.runId, t.labId),
    index('iqc_results_lot_time_idx').on(t.controlLotId, t.measuredAt),
    index('iqc_results_lab_analyte_time_idx').on(t.labId, t.analyteId, t.measuredAt),
    // the same result sent twice (same lab, analyte, level, lot, time, value) is one result
    uniqueIndex('iqc_results_dedup_uq')
      .on(t.controlLotId, t.measuredAt, t.value)
      .where(sql`current = 1`),
    // a version is corrected once: two corrections of one version would fork the chain into two
    // current versions. The services refuse it under their lock; this holds against any other writer
    uniqueIndex('iqc_results_supersedes_uq')
      .on(t.supersedesId)
      .where(sql`supersedes_id IS NOT NULL`),
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
  // no secondary index: every read is by lab (the key's prefix); one b-tree write per row on ingest
  (t) => [primaryKey({ columns: [t.labId, t.analyteId, t.instrument, t.day] })],
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
  // no secondary index: reads go through the lab's control lots to each lot's days (the key's range)
  (t) => [primaryKey({ columns: [t.controlLotId, t.day] })],
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

export type ControlLot = typeof controlLots.$inferSelect;
export type QcTarget = typeof qcTargets.$inferSelect;
export type IqcRun = typeof iqcRuns.$inferSelect;
export type IqcResult = typeof iqcResults.$inferSelect;
