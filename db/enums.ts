// Every enumerated column takes its values from one tuple here, so the schema, zod validation and UI
// labels can never disagree.

export const ROLES = ['admin', 'regulator', 'lab_manager', 'hospital'] as const;
export type Role = (typeof ROLES)[number];

/** What an API token may do: post IQC results, submit EQA results, read. */
export const TOKEN_SCOPES = ['iqc:write', 'eqa:submit', 'read', 'verify'] as const;
/** The scopes a lab's token may hold; a hospital's (or a regulator platform's) token holds `verify`
 * (batch verification and FHIR $verify-recognition with its local codes) and may hold `read`. */
export const LAB_TOKEN_SCOPES = ['iqc:write', 'eqa:submit', 'read'] as const;
export const HOSPITAL_TOKEN_SCOPES = ['verify', 'read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const REGION_LEVELS = ['national', 'province', 'city'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

export const LAB_LEVELS = ['tertiary', 'secondary', 'primary'] as const;
export type LabLevel = (typeof LAB_LEVELS)[number];

export const ANALYTE_CATEGORIES = [
  'chemistry',
  'lipids',
  'enzymes',
  'proteins',
  'blood_gas',
  'endocrine',
  'tumour_markers',
  'cardiac',
  'haematology',
  'coagulation',
  'urinalysis',
  'serology',
  'immunology',
  'blood_group',
  'vitamins',
  'drugs',
  'molecular',
  'other',
] as const;
export type AnalyteCategory = (typeof ANALYTE_CATEGORIES)[number];

/** How an item's results are expressed (DOMAIN §2): a number, or a category code of the item's
 * ordered categories (qualitative: negative/positive; ordinal: −, ±, 1+ … or titres; nominal: A, B, AB, O). */
export const ANALYTE_KINDS = ['quantitative', 'qualitative', 'ordinal', 'nominal'] as const;
export type AnalyteKind = (typeof ANALYTE_KINDS)[number];
/** One result category of a non-quantitative item: `code` is what clients send as `value`. */
export interface ItemCategory {
  code: string;
  nameEn: string;
  nameZh: string;
  /** other spellings clients send for it ('neg', '-', 'non-reactive', '阴性'); matched case-insensitively */
  aliases?: string[];
}

export const TARGET_SOURCES = ['manufacturer', 'lab_baseline', 'new_lot'] as const;
export type TargetSource = (typeof TARGET_SOURCES)[number];

/** A working-calendar entry: an official holiday (a weekday off) or a make-up working day (a
 * weekend day worked). */
export const CALENDAR_DAY_KINDS = ['holiday', 'workday'] as const;
export type CalendarDayKind = (typeof CALENDAR_DAY_KINDS)[number];

/** `no_target`: a value without a target to judge it against; `excluded`: every value of the run
 * excluded by the lab (it stays stored and shown, and judges nothing) */
export const RUN_STATUSES = ['accepted', 'warning', 'rejected', 'no_target', 'excluded'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const INGEST_SOURCES = ['manual', 'csv', 'api', 'seed'] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

export const CORRECTIVE_ACTION_STATUSES = ['open', 'resolved'] as const;
export type CorrectiveActionStatus = (typeof CORRECTIVE_ACTION_STATUSES)[number];

export const ROUND_STATUSES = ['draft', 'open', 'closed', 'evaluated', 'published'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

export const SIGMA_PT_SOURCES = ['allowable_error', 'robust_sd'] as const;
export type SigmaPtSource = (typeof SIGMA_PT_SOURCES)[number];

export const PEER_GROUPINGS = ['method', 'method_instrument'] as const;

/** How an allowable limit with a percent and an absolute part combines them (lib/stats/allowable.ts). */
export const LIMIT_FORMS = ['threshold', 'greater_of'] as const;
export type LimitForm = (typeof LIMIT_FORMS)[number];
export type PeerGrouping = (typeof PEER_GROUPINGS)[number];

export const EVALUATION_STATUSES = ['running', 'complete', 'failed', 'superseded', 'published'] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/** where an assigned value comes from: the round's reference value, Algorithm A's robust mean of the
 * peer group or of all methods, or their median where Algorithm A cannot run (fewer than 3 results, MAD = 0) */
export const ASSIGNED_VALUE_SOURCES = ['reference', 'peer_robust_mean', 'all_robust_mean', 'peer_median', 'all_median'] as const;
export type AssignedValueSource = (typeof ASSIGNED_VALUE_SOURCES)[number];

/** Where the target category of a categorical EQA sample comes from (DOMAIN §2). */
export const TARGET_BASES = ['intended', 'consensus', 'mode'] as const;
export type TargetBasis = (typeof TARGET_BASES)[number];

export const Z_CLASSES = ['satisfactory', 'questionable', 'unsatisfactory'] as const;
export type ZClass = (typeof Z_CLASSES)[number];

export const ROUND_VERDICTS = ['satisfactory', 'unsatisfactory'] as const;
export type RoundVerdict = (typeof ROUND_VERDICTS)[number];

export const CERTIFICATION_STATUSES = ['active', 'suspended', 'revoked', 'expired'] as const;
export type CertificationStatus = (typeof CERTIFICATION_STATUSES)[number];

export const CERTIFICATION_ACTIONS = ['approve', 'reject', 'suspend', 'reinstate', 'revoke', 'expire', 'flag'] as const;
export type CertificationAction = (typeof CERTIFICATION_ACTIONS)[number];
