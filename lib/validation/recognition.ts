// Input of the mutual-recognition use cases: policies, decisions, public look-ups.
import { z } from 'zod';
import { because } from './errors';
import { decimal } from './decimal';
import { safeText } from './admin';
import { CALENDAR_DAY_KINDS } from '@/db/enums';
import { isoDay, optionalDay } from './day';
import { MAX_WINDOW_DAYS, parseWindows, type RecognitionWindows } from '@/lib/services/recognition/window';

export { isoDay };

/**
 * The configurable thresholds of a recognition policy (issue 6, "default criteria"). Every field has
 * the issue's default, so `{}` is the default policy.
 */
export const policyCriteria = z.object({
  /** the last N evaluated EQA rounds of the analyte must all be satisfactory */
  eqaSatisfactoryRounds: decimal(z.number().int().min(1).max(10)).default(2),
  /** none of the last M rounds may be unsuccessful (2 consecutive or 2 of 3 unsatisfactory) */
  eqaUnsuccessfulWindow: decimal(z.number().int().min(1).max(10)).default(3),
  /** IQC with at least this many levels on a working day counts as "IQC performed" */
  iqcMinLevels: decimal(z.number().int().min(1).max(5)).default(2),
  /** share of working days (the working calendar: Mon–Fri, holidays and make-up days) with IQC, in percent */
  iqcCoveragePercent: decimal(z.number().min(0).max(100)).default(80),
  /** look-back window for IQC coverage and cumulative CV, in days */
  iqcWindowDays: decimal(z.number().int().min(7).max(366)).default(90),
  /** a rejected run older than this many days must have a resolved corrective action */
  correctiveActionDays: decimal(z.number().int().min(0).max(90)).default(7),
  /** require the cumulative CV to be at or below the analyte's allowable CV */
  requireCv: z.preprocess((v) => (v === 'on' || v === 'true' ? true : v === 'false' || v === '' ? false : v), z.boolean()).default(true),
});
export type PolicyCriteria = z.infer<typeof policyCriteria>;
export const DEFAULT_CRITERIA: PolicyCriteria = policyCriteria.parse({});

const analyteCodeList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,;，、]+/).filter(Boolean) : v),
  z.array(z.string().trim().toUpperCase().refine((s) => /^[A-Z0-9_]{1,20}$/.test(s), because('value.analyteCodes'))).min(1, 'List at least one analyte'),
);

const windowDays = z.union([z.null(), decimal(z.number().int().min(0).max(MAX_WINDOW_DAYS))]);
/** A policy's recognition windows (lib/services/recognition/window.ts): as an object, or as the
 * policy form's text (`K 7` per line, `* 30` for the rest, `none` for no limit). */
const windowsObject = z.object({
  defaultDays: windowDays,
  items: z.record(z.string().trim().toUpperCase().regex(/^[A-Z0-9_]{1,20}$/), windowDays),
});
export const recognitionWindowsInput = z.unknown().transform((v, ctx): RecognitionWindows => {
  if (typeof v === 'string') {
    const { windows, problems } = parseWindows(v);
    for (const p of problems) ctx.addIssue({ code: 'custom', ...because('recognition.windowLine', { line: p.line, text: p.text.slice(0, 40) }) });
    return windows;
  }
  const r = windowsObject.safeParse(v);
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path as PropertyKey[], message: i.message });
  return z.NEVER;
});

/** A new version of a region's policy. */
export const policyInput = z.object({
  /** omitted or blank: the system default (lib/services/recognition/window.ts DEFAULT_WINDOW_DAYS for every item) */
  windows: z.preprocess((v) => (v === '' || v === null ? undefined : v), recognitionWindowsInput.optional()),
  regionCode: z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')),
  effectiveFrom: isoDay,
  criteria: policyCriteria.default(DEFAULT_CRITERIA),
  analyteCodes: analyteCodeList,
  validityMonths: decimal(z.number().int().min(1).max(60)).default(12),
  reason: safeText(500).pipe(z.string().min(3, 'Give a reason (3 characters or more)')),
});
export type PolicyInput = z.infer<typeof policyInput>;

export const DECISION_ACTIONS = ['approve', 'reject', 'suspend', 'reinstate', 'revoke'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

const pair = z.object({ labId: z.coerce.number().int().positive(), analyteId: z.coerce.number().int().positive() });

/** One decision on a lab × analyte pair. */
export const decisionInput = pair.extend({
  action: z.enum(DECISION_ACTIONS),
  reason: safeText(500).pipe(z.string().min(3, 'Give a reason (3 characters or more)')),
  effectiveOn: optionalDay,
});
export type DecisionInput = z.infer<typeof decisionInput>;

/** The same decision on several pairs (`pairs` as "labId:analyteId" strings from a form, or objects). */
export const bulkDecisionInput = z.object({
  action: z.enum(DECISION_ACTIONS),
  reason: safeText(500).pipe(z.string().min(3, 'Give a reason (3 characters or more)')),
  effectiveOn: optionalDay,
  pairs: z.preprocess(
    (v) =>
      (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((p) => {
        if (typeof p !== 'string') return p;
        const [labId, analyteId] = p.split(':');
        return { labId, analyteId };
      }),
    // a refinement, so that the refusal names its reason (a built-in check's keeps only zod's own code)
    z.array(pair).max(1000).refine((pairs) => pairs.length > 0, because('recognition.noPairs')),
  ),
});
export type BulkDecisionInput = z.infer<typeof bulkDecisionInput>;

/** A working-calendar entry (holiday or make-up working day). Without `regionCode` it belongs to the
 * actor's region (an administrator's: the national calendar). */
export const calendarEntryInput = z.object({
  regionCode: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')).optional()),
  day: isoDay,
  kind: z.enum(CALENDAR_DAY_KINDS),
  name: safeText(100).pipe(z.string().min(2, 'Name the day (2 characters or more)')),
});
export type CalendarEntryInput = z.infer<typeof calendarEntryInput>;

/** The longest local code a hospital or regulator may map (lib/services/hospital/local-codes.ts). */
export const LOCAL_CODE_MAX = 64;
/** The longest `analyte` of a check: room for every local code the mapping page accepts, prefixed. */
export const ANALYTE_QUERY_MAX = 'local:'.length + LOCAL_CODE_MAX;

/** Query of the public verification API. */
export const verifyQuery = z.object({
  lab: z.string().trim().min(1).max(40),
  /** a catalogue code (`item:<code>` to insist), `loinc:<code>`, or (batch, signed in) the caller's local code */
  analyte: z.string().trim().min(1).max(ANALYTE_QUERY_MAX),
  date: optionalDay,
});

export const labSearchQuery = z.object({
  q: z.string().trim().max(100).optional(),
  region: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().regex(/^\d{6}$/).optional()),
});
