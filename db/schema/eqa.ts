import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { INGEST_SOURCES, ROUND_STATUSES, SIGMA_PT_SOURCES, PEER_GROUPINGS, LIMIT_FORMS, EVALUATION_STATUSES, ASSIGNED_VALUE_SOURCES, Z_CLASSES, ROUND_VERDICTS, TARGET_BASES } from '../enums';
import { id, createdAt } from './columns';
import { users } from './access';
import { regions, laboratories, analytes } from './geography';

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
    /** categorical items (DOMAIN §2): share of participants that makes a consensus, in percent */
    consensusPercent: real('consensus_percent').notNull().default(80),
    /** ordinal items: grades an answer may lie from the target */
    ordinalTolerance: integer('ordinal_tolerance').notNull().default(1),
    /** ordinal items: a negative (lowest-grade) target must be answered negative */
    negativeMustBeNegative: integer('negative_must_be_negative', { mode: 'boolean' }).notNull().default(true),
    /** event pass mark per item kind, in percent (quantitative items use min_round_score) */
    passPercentQualitative: real('pass_percent_qualitative').notNull().default(80),
    passPercentOrdinal: real('pass_percent_ordinal').notNull().default(80),
    passPercentNominal: real('pass_percent_nominal').notNull().default(100),
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
  // one row per period of participation: a lab withdrawn and enrolled again has two, and a round
  // counts it as a participant only when one of them spans it; at most one period is open
  (t) => [
    primaryKey({ columns: [t.schemeId, t.labId, t.enrolledAt] }),
    index('eqa_enrollments_lab_idx').on(t.labId),
    uniqueIndex('eqa_enrollments_open_uq').on(t.schemeId, t.labId).where(sql`withdrawn_at is null`),
  ],
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
  (t) => [uniqueIndex('eqa_rounds_code_uq').on(t.code), index('eqa_rounds_scheme_idx').on(t.schemeId, t.closesAt), index('eqa_rounds_closes_idx').on(t.closesAt), index('eqa_rounds_opens_idx').on(t.opensAt)],
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
    /** quantitative items: the reference value; categorical items: the grade of `category` (0 = lowest) */
    value: real('value').notNull(),
    /** categorical items: the intended result, a catalogue category code */
    category: text('category'),
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
    /** quantitative items: the result; categorical items: the grade of `category` when submitted (0 = lowest) */
    value: real('value').notNull(),
    /** categorical items: the answered category code (canonical catalogue spelling); null for numbers */
    category: text('category'),
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
    /** categorical items: the answered category, the target and where it came from, and the grade distance */
    category: text('category'),
    targetCategory: text('target_category'),
    targetBasis: text('target_basis', { enum: TARGET_BASES }),
    gradeDistance: integer('grade_distance'),
  },
  (t) => [index('eqa_result_evaluations_eval_lab_idx').on(t.evaluationId, t.labId), index('eqa_result_evaluations_eval_sample_idx').on(t.evaluationId, t.sampleId, t.analyteId)],
);

/** Target of a categorical item per sample of an evaluation (DOMAIN §2): the intended result, the
 * participants' consensus or mode; `targetCategory` null = not evaluated (see reason). */
export const eqaCategoryTargets = sqliteTable(
  'eqa_category_targets',
  {
    id: id(),
    evaluationId: integer('evaluation_id')
      .notNull()
      .references(() => eqaEvaluations.id),
    sampleId: integer('sample_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    targetCategory: text('target_category'),
    basis: text('basis', { enum: TARGET_BASES }),
    /** answers counted and how many of them named the target */
    n: integer('n').notNull(),
    agreeing: integer('agreeing').notNull(),
    reason: text('reason'),
  },
  (t) => [uniqueIndex('eqa_category_targets_uq').on(t.evaluationId, t.sampleId, t.analyteId)],
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

/** How many of a lab's z scores of an evaluation fall in each bar of the round's z distribution
 * (zBin: −4 for ≤ −3 … 4 for ≥ 4; only bars it has results in). Written with the graded results,
 * so the regulator's round page sums ~10,000 labs' rows instead of binning 2,000,000 results. */
export const eqaZBins = sqliteTable(
  'eqa_z_bins',
  {
    evaluationId: integer('evaluation_id')
      .notNull()
      .references(() => eqaEvaluations.id),
    labId: integer('lab_id').notNull(),
    bin: integer('bin').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.evaluationId, t.labId, t.bin] })],
);

// ---------------------------------------------------------------------------------------------

export type EqaScheme = typeof eqaSchemes.$inferSelect;
export type EqaRound = typeof eqaRounds.$inferSelect;
