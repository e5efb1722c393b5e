// EQA input shapes, shared by the regulator's forms, the lab's submission form, CSV and JSON API and
// the demo seed.
import { z } from 'zod';
import { because } from './errors';
import { limitAllowsError } from './limits';
import { LIMIT_FORMS, PEER_GROUPINGS, SIGMA_PT_SOURCES } from '@/db/enums';
import { lineText, reasonField, safeText } from './admin';
import { EARLIEST, parseDayOrInstant } from './iqc';
import { decimal, decimalOrAsIs } from './decimal';
import { DAY_MS } from '@/lib/calendar';

const code = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s), because('value.codeCharsDot'));

const optionalPositive = z.preprocess(
  (v) => (v === '' || v === null || v === undefined ? null : decimalOrAsIs(v)),
  z.number().finite().nonnegative().nullable(),
);

/**
 * A round's opening or closing instant: epoch ms (services, seed), or text (forms, API). Text is an
 * ISO 8601 date and time (`YYYY-MM-DD[T ]HH:mm[:ss[.fraction]]`, optional offset; without one China
 * Standard Time, as in the IQC API and the round form's datetime-local, never the server's own zone:
 * a deadline must not move with TZ), or a date alone. A regulator who writes a date alone means that
 * whole day in China: a round "opening 2026-12-01" opens at its 00:00, and one "closing 2026-12-20"
 * still takes results all that day, so closesAt is the day's last millisecond, 23:59:59.999 (shown
 * as 23:59 on the round's pages, not as the next day's 00:00). Any other text ("Dec 20, 2026") is
 * refused rather than guessed at by Date.parse.
 */
const roundInstant = (dateAlone: 'start' | 'end') =>
  z.preprocess((v, ctx) => {
    if (typeof v !== 'string' || v.trim() === '' || /^\d+$/.test(v.trim())) return v;
    // parseMeasuredAt reads milliseconds at most: finer digits (Python's isoformat) are cut, not refused
    const t = parseDayOrInstant(v.trim().replace(/(\.\d{3})\d+/, '$1'), dateAlone);
    if (!Number.isNaN(t)) return t;
    ctx.addIssue({ code: 'custom', ...because('value.notDateOrDateTime') });
    return z.NEVER;
  }, z.coerce.number().int().positive('A date and time is required'));

/** The API's names of the fields that the services (and the regulator's forms) name longer:
 * `{ apiName: serviceName }`. Each input below takes them; a refusal's field errors are given back
 * under them by the API routes ({@link apiFieldNames}). */
export const SCHEME_API_NAMES = { minGroupSize: 'minPeerGroupSize', region: 'regionCode' } as const;
export const ENROLMENT_API_NAMES = { labs: 'labCodes', scheme: 'schemeCode' } as const;
export const ROUND_API_NAMES = { scheme: 'schemeCode' } as const;
/** a scheme's pass marks per kind: `passPercent: { qualitative, ordinal, nominal }` in the API */
export const PASS_PERCENT_API_NAMES = {
  'passPercent.qualitative': 'passPercentQualitative',
  'passPercent.ordinal': 'passPercentOrdinal',
  'passPercent.nominal': 'passPercentNominal',
} as const;

/** Rename API aliases to the service's field names (the API contract's names are shorter). */
const aliases = (map: Readonly<Record<string, string>>) => (v: unknown) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = { ...(v as Record<string, unknown>) };
  for (const [from, to] of Object.entries(map)) {
    if (o[from] !== undefined && o[to] === undefined) o[to] = o[from];
    delete o[from];
  }
  return o;
};

export const schemeAnalyteInput = z.preprocess(
  // the API takes an analyte code alone for "the catalogue's limits"
  (v) => (typeof v === 'string' ? { analyte: v } : v),
  z
    .object({
      analyte: z.string().trim().min(1).max(20),
      /** allowable error override in percent of the target; null = catalogue TEa */
      percent: optionalPositive.optional(),
      absolute: optionalPositive.optional(),
      /** how an override with both parts combines them: WS/T 'threshold' or CLIA 'greater_of' (default) */
      form: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.enum(LIMIT_FORMS).optional()),
      /** threshold concentration of the 'threshold' form */
      threshold: optionalPositive.optional(),
      minScore: optionalPositive.pipe(z.number().max(100).nullable()).optional(),
    })
    .refine((a) => a.form !== 'threshold' || (a.percent != null && a.absolute != null && a.threshold != null), {
      ...because('scheme.thresholdNeedsAll'),
      path: ['threshold'],
    })
    .refine(limitAllowsError, { ...because('value.limitNotPositive'), path: ['percent'] }),
);

const percentSetting = (fallback: number) => z.preprocess((v) => (v === '' || v === null ? undefined : v), decimal(z.number().finite().gt(0).max(100)).default(fallback));

/** `passPercent: { qualitative?, ordinal?, nominal? }` (the API) → the flat fields the forms send. */
const flattenPassPercent = (v: unknown) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = { ...(v as Record<string, unknown>) };
  const p = o.passPercent;
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    const kinds = p as Record<string, unknown>;
    for (const [path, field] of Object.entries(PASS_PERCENT_API_NAMES)) {
      const kind = path.slice('passPercent.'.length);
      if (kinds[kind] !== undefined && o[field] === undefined) o[field] = kinds[kind];
    }
    delete o.passPercent;
  }
  return o;
};

export const schemeInput = z.preprocess(
  (v) => flattenPassPercent(aliases(SCHEME_API_NAMES)(v)),
  z.object({
    code: code(40),
    name: safeText(200).pipe(z.string().min(1)),
    nameEn: z.preprocess((v) => (v === '' ? null : v), safeText(200).nullable().optional()),
    /** omitted: the regulator's own region */
    regionCode: z
      .string()
      .trim()
      .refine((s) => /^\d{6}$/.test(s), because('value.regionCode'))
      .optional(),
    minRoundScore: decimal(z.number().min(0).max(100)).default(80),
    sigmaPtSource: z.enum(SIGMA_PT_SOURCES).default('allowable_error'),
    peerGrouping: z.enum(PEER_GROUPINGS).default('method'),
    minPeerGroupSize: decimal(z.number().int().min(3).max(1000)).default(8),
    /** categorical items (DOMAIN §2): consensus share in percent, ordinal tolerance in grades, the
     * negative rule, and the event pass mark per kind (an analyte's minScore still wins) */
    consensusPercent: percentSetting(80),
    ordinalTolerance: z.preprocess((v) => (v === '' || v === null ? undefined : v), decimal(z.number().int().min(0).max(10)).default(1)),
    negativeMustBeNegative: z.preprocess(
      (v) => (v === 'true' || v === 'on' || v === '1' ? true : v === 'false' || v === 'off' || v === '0' ? false : v === '' || v === null ? undefined : v),
      z.boolean().default(true),
    ),
    passPercentQualitative: percentSetting(80),
    passPercentOrdinal: percentSetting(80),
    passPercentNominal: percentSetting(100),
    analytes: z.array(schemeAnalyteInput).min(1, 'Choose at least one analyte').max(200),
  }),
);
export type SchemeInput = z.infer<typeof schemeInput>;

export const enrollInput = z.preprocess(
  aliases(ENROLMENT_API_NAMES),
  z
    .strictObject({
      schemeCode: z.string().trim().min(1),
      /** lab codes */
      labCodes: z.array(z.string().trim().min(1)).min(1, 'At least one laboratory').max(20000).optional(),
      /** every active lab of the scheme's region, instead of `labCodes`: said, never assumed (a body
       * whose list was misnamed enrolled a region whose labs then scored 0 in every round) */
      all: z.literal(true).optional(),
    })
    .refine((e) => (e.labCodes !== undefined) !== (e.all === true), { ...because('scheme.labsOrAll'), path: ['labs'] }),
);

/** Withdraw laboratories from a scheme: which ones, and why (the audit log keeps it). */
export const withdrawInput = z.preprocess(
  aliases(ENROLMENT_API_NAMES),
  z.strictObject({
    schemeCode: z.string().trim().min(1),
    labCodes: z.array(z.string().trim().min(1)).min(1, 'At least one laboratory').max(20000),
    reason: reasonField,
  }),
);

export const referenceValueInput = z.object({
  sample: z.string().trim().min(1),
  analyte: z.string().trim().min(1),
  /** quantitative items: the reference value */
  value: z.preprocess((v) => (v === '' || v === null ? undefined : decimalOrAsIs(v)), z.number().finite().optional()),
  /** qualitative, ordinal and nominal items: the intended result, a category code (aliases accepted) */
  category: z.preprocess((v) => (v === '' || v === null ? undefined : typeof v === 'number' ? String(v) : v), z.string().trim().min(1).max(40).optional()),
  /** forms: a value or category code in one field, read per item kind (readItemValue) when neither of the above is given */
  result: z.union([z.number(), z.string().trim().max(40)]).optional(),
  /** the expanded uncertainty U of the reference value */
  uncertainty: optionalPositive.optional(),
  /** coverage factor of U (default 2): u = U/k */
  k: z.preprocess((v) => (v === '' || v === null ? undefined : decimalOrAsIs(v)), z.number().finite().positive().max(10).optional()),
  source: z.preprocess((v) => (v === '' ? null : v), safeText(200).nullable().optional()),
});

/** The longest a round may stay open. */
export const MAX_ROUND_DAYS = 366;

export const roundInput = z.preprocess(
  aliases(ROUND_API_NAMES),
  z
    .object({
      schemeCode: z.string().trim().min(1),
      code: code(40),
      opensAt: roundInstant('start'),
      closesAt: roundInstant('end'),
      samples: z
        .array(code(40))
        .min(1, 'At least one sample')
        .max(20)
        .refine((s) => new Set(s).size === s.length, because('round.samplesDiffer')),
      /** analyte codes graded in this round; omitted = every analyte of the scheme */
      analytes: z.array(z.string().trim().min(1).max(20)).min(1).max(200).optional(),
      referenceValues: z.array(referenceValueInput).max(2000).default([]),
    })
    .refine((r) => r.closesAt > r.opensAt, { ...because('round.closesBeforeOpens'), path: ['closesAt'] })
    // a round is a distribution of samples, open for weeks: a year typed 2062 for 2026 would keep it open for decades
    .refine((r) => r.closesAt - r.opensAt <= MAX_ROUND_DAYS * DAY_MS, { ...because('round.openTooLong', { days: MAX_ROUND_DAYS }), path: ['closesAt'] })
    .refine((r) => r.opensAt >= EARLIEST, { ...because('value.before2000'), path: ['opensAt'] }),
);
export type RoundInput = z.infer<typeof roundInput>;

/** One submitted result (a JSON array element or a CSV line). */
export const submissionRow = z.object({
  // NCCL samples are numbered (202611): a JSON number names the sample as its CSV text does
  sample: z.preprocess((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v), z.string({ error: 'Required' }).trim().min(1, 'Required').max(40)),
  analyte: z.string({ error: 'Required' }).trim().min(1, 'Required').max(20),
  /** a number for quantitative items, a category code for the others: read per item by readItemValue
   * (lib/catalogue/kinds.ts) once the analyte is known */
  value: z.union([z.number(), z.string().max(200)], { error: 'A number or a category code is required' }),
  method: z.preprocess((v) => (v == null ? '' : v), lineText(100)).optional(),
  instrument: z.preprocess((v) => (v == null ? '' : v), lineText(100)).optional(),
});
export type SubmissionRow = z.infer<typeof submissionRow>;

export const submissionBody = z.object({ results: z.array(z.unknown()).min(1, 'No results').max(5000) });

export const roundCodeParam = z.string().trim().min(1).max(40);
