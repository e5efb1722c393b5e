// Internal QC input: one control result (grid, CSV, JSON API, seed), targets, rule sets and
// corrective actions. Shared by forms, server actions, the API, the CSV import and the seed.
import { z } from 'zod';
import { minTargetSd, WESTGARD_RULES } from '@/lib/stats';
import { lineText, safeText } from './admin';
import { because } from './errors';
import { controlCharacterReason, startsLikeFormula } from './text';
import { DECIMAL_TEXT } from './decimal';
import { isoDay, optionalDay } from './day';
import { DAY_MS, dayOf, startOfDay } from '@/lib/calendar';

/** Times without an offset are read as China Standard Time: LIS exports and hand-made spreadsheets
 * in the demo regions write local wall-clock time. */
export const IQC_DEFAULT_UTC_OFFSET = '+08:00';

/** The CSV template's columns, in order (`operator` is optional). */
export const IQC_CSV_COLUMNS = ['measured_at', 'analyte_code', 'level', 'lot', 'value', 'instrument'] as const;
/** Optional CSV columns: `operator`, `run` (the LIS's run id), `signal` (S/CO of a categorical reading). */
export const IQC_CSV_OPTIONAL = ['operator', 'run', 'signal'] as const;
export const IQC_CSV_REQUIRED = ['measured_at', 'analyte_code', 'level', 'lot', 'value'] as const;

/** Earliest accepted time (2000-01-01 00:00 in China, as every time written without an offset is
 * read: a measurement, a round's opening) and how far in the future a clock may drift. */
export const EARLIEST = Date.UTC(1999, 11, 31, 16);
const FUTURE_SLACK_MS = 10 * 60 * 1000;

/** The range of real UTC offsets, in minutes (UTC−12:00 to UTC+14:00). */
const MIN_UTC_OFFSET_MIN = -12 * 60;
const MAX_UTC_OFFSET_MIN = 14 * 60;

// ISO 8601 (2026-11-13T08:30), or as Excel shows a time in China (2026/11/13 8:30): the same separator
// twice, month, day and hour in one or two digits
const ISO_TIME = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A measurement time: epoch milliseconds, or `YYYY-MM-DD HH:mm[:ss[.SSS]]` with `T` or a space (also
 * `YYYY/M/D H:mm`, as Excel shows times in China) and an optional offset (`Z`, `+08:00`; −12:00 to +14:00); without an offset, {@link IQC_DEFAULT_UTC_OFFSET}. A date
 * without a time is refused (two runs of one day would merge). Returns NaN when invalid.
 */
export function parseMeasuredAt(v: unknown): number {
  if (typeof v === 'number') return Number.isInteger(v) ? v : NaN;
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string') return NaN;
  const s = v.trim();
  if (/^\d{12,14}$/.test(s)) return Number(s);
  const m = ISO_TIME.exec(s);
  if (!m) return NaN;
  const [, y, , mo, d, h, mi, sec = '0', ms = '0', off] = m;
  let offset = off ?? IQC_DEFAULT_UTC_OFFSET;
  if (/^z$/i.test(offset)) offset = '+00:00';
  const om = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  const offsetMin = (om[1] === '-' ? -1 : 1) * (Number(om[2]) * 60 + Number(om[3]));
  // the offsets clocks use run from −12:00 (Baker Island) to +14:00 (Kiribati); +99:99 would shift
  // the time by four days unseen
  if (Number(om[3]) > 59 || offsetMin < MIN_UTC_OFFSET_MIN || offsetMin > MAX_UTC_OFFSET_MIN) return NaN;
  const [Y, M, D, H, Mi, S] = [y, mo, d, h, mi, sec].map(Number);
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || Mi > 59 || S > 59) return NaN;
  const t = Date.UTC(Y, M - 1, D, H, Mi, S, Number(ms.padEnd(3, '0'))) - offsetMin * 60_000;
  // reject 31 February and the like: the date must survive the round trip
  const check = new Date(t + offsetMin * 60_000);
  if (check.getUTCDate() !== D || check.getUTCMonth() !== M - 1) return NaN;
  return t;
}

const DATE_ALONE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An instant a person sets (a round's opening or closing, when a target or rule set takes effect):
 * what {@link parseMeasuredAt} reads, or a date alone, which means that whole day in China: its
 * first millisecond (`'start'`) or its last (`'end'`: a deadline "2026-12-20" still takes that day).
 * Returns NaN when invalid (31 February included: the day must survive the round trip).
 */
export function parseDayOrInstant(v: unknown, dateAlone: 'start' | 'end'): number {
  if (typeof v === 'string' && DATE_ALONE.test(v.trim())) {
    const day = v.trim();
    const start = startOfDay(day);
    if (Number.isNaN(start) || dayOf(start) !== day) return NaN;
    return dateAlone === 'start' ? start : start + DAY_MS - 1;
  }
  return parseMeasuredAt(v);
}

/** A field refused: the reasons, added as custom zod issues by the schema (a time before 2000 that
 * is also in the future gives both). */
class Refused {
  constructor(readonly issues: readonly ReturnType<typeof because>[]) {}
}

/** The last measurement time text read and its time (the values of one run share their time text). */
export interface MeasuredAtMemo {
  text: unknown;
  time: number;
}

function readMeasuredAt(v: unknown, now: number, memo: MeasuredAtMemo): number | Refused {
  if (v === undefined || v === null || v === '') return REFUSED_REQUIRED;
  const t = v === memo.text ? memo.time : parseMeasuredAt(v);
  memo.text = v;
  memo.time = t;
  if (Number.isNaN(t)) return new Refused([because('value.notDateTime')]);
  const early = t < EARLIEST;
  const late = t > now + FUTURE_SLACK_MS;
  if (early || late) return new Refused([...(early ? [because('value.before2000')] : []), ...(late ? [because('value.future')] : [])]);
  return t;
}

/** A schema field reading its value with `read`: the value, or its refusal as custom issues. */
function field<T>(read: (v: unknown) => T | Refused) {
  // optional() so that a missing key reaches the transform (which says "Required")
  return z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      const r = read(v);
      if (!(r instanceof Refused)) return r as T;
      for (const issue of r.issues) ctx.addIssue({ code: 'custom', ...issue });
      return z.NEVER;
    });
}

const measuredAtField = (now: number) => {
  const memo: MeasuredAtMemo = { text: undefined, time: NaN };
  return field((v) => readMeasuredAt(v, now, memo));
};

/**
 * The largest magnitude of a measured value, a target's mean or SD, or a signal. No analyser reports
 * more (HBV DNA tops out near 1e9 IU/mL); beyond it the squares that SDs, CVs and the daily
 * aggregates sum overflow (1e200 stored Infinity on SQLite, and PostgreSQL refused the aggregate's
 * update: a 500), and JSON's 1e400 is Infinity already.
 */
export const MAX_MEASURED = 1e15;
const measurable = (n: number) => Number.isFinite(n) && Math.abs(n) <= MAX_MEASURED;

/** A result's `value` as sent: a number (or numeric text) for a quantitative item, else the text of
 * a category code; which one the item takes is the ingest's question (lib/catalogue/kinds.ts). */
function readResultValue(v: unknown): number | string | Refused {
  if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) return REFUSED_REQUIRED;
  if (typeof v === 'number') return measurable(v) ? v : REFUSED_NOT_FINITE;
  if (typeof v !== 'string') return new Refused([because('value.notNumber')]);
  const s = v.trim();
  if (!DECIMAL_TEXT.test(s)) return s;
  const n = Number(s);
  return measurable(n) ? n : REFUSED_NOT_FINITE;
}
const resultValue = field(readResultValue);

/** An optional number (the signal of a categorical reading): empty is absent. */
function readOptionalNumber(v: unknown): number | null | Refused {
  if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL_TEXT.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) return new Refused([because('value.notNumber')]);
  return measurable(n) ? n : REFUSED_NOT_FINITE;
}
const optionalNumber = field(readOptionalNumber);

const requiredText = (max: number) => safeText(max).pipe(z.string().min(1, 'Required'));
const optionalText = (max: number) => z.preprocess((v) => (v === undefined || v === null ? '' : v), safeText(max));
// a lot's level, lot number and instrument: as a result names them (readText)
const requiredLine = (max: number) => lineText(max).pipe(z.string().min(1, 'Required'));
const optionalLine = (max: number) => z.preprocess((v) => (v === undefined || v === null ? '' : v), lineText(max));

const FORMULA_ISSUE = because('value.formulaField');
const REQUIRED = because('value.required');
const REFUSED_REQUIRED = new Refused([REQUIRED]);
const REFUSED_FORMULA = new Refused([FORMULA_ISSUE]);
const REFUSED_NUL = new Refused([because('value.nulCharacter')]);
const REFUSED_CONTROL = new Refused([because('value.controlCharacter')]);
const REFUSED_NOT_FINITE = new Refused([because('value.notFinite')]);

/** A text field of a result row (the ingest path validates a million rows a second, so each field
 * is one function): numbers become text, trimmed, length-checked, and text a spreadsheet would run
 * as a formula or holding a control character (a line break, a tab, NUL) is refused. */
function readText(v: unknown, max: number, required: boolean, upper: boolean): string | Refused {
  // an empty optional column (most rows' operator and run) without trimming and testing it
  if (v === '' && !required) return '';
  if (v === undefined || v === null) v = '';
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') return new Refused([because('value.mustBeText')]);
  const s = v.trim();
  if (required && !s) return REFUSED_REQUIRED;
  if (s.length > max) return new Refused([because('value.tooLong', { max })]);
  if (startsLikeFormula(s)) return REFUSED_FORMULA;
  const control = controlCharacterReason(s);
  if (control) return control === 'value.nulCharacter' ? REFUSED_NUL : REFUSED_CONTROL;
  return upper ? s.toUpperCase() : s;
}
const textField = (max: number, required: boolean, upper = false) => field((v) => readText(v, max, required, upper));

/** One control result as every way in gives it (field names of the JSON API). */
export const iqcResultInput = (now: number = Date.now()) =>
  z.object({
    analyte: textField(20, true, true),
    level: textField(20, true),
    lot: textField(40, true),
    /** a number, or a categorical item's category code (checked against the item by the ingest) */
    value: resultValue,
    /** the analyser's signal (S/CO, OD) of a categorical reading; optional */
    signal: optionalNumber,
    measuredAt: measuredAtField(now),
    instrument: textField(60, false),
    operator: textField(100, false),
    /** the client's run id: results of a series sharing it form one run (else the run window groups them) */
    run: textField(60, false),
  });
export type IqcResultInput = z.infer<ReturnType<typeof iqcResultInput>>;

/**
 * One result row read without zod when every field is valid (the ingest's usual case): the same
 * output as `iqcResultInput(now)` parses it to, else null (the caller parses the row with the
 * schema to report its problems). `memo` is the caller's, one per batch; `into`, when given, is
 * filled and returned instead of a new object.
 */
export function readIqcResult(raw: unknown, now: number, memo: MeasuredAtMemo, into?: IqcResultInput): IqcResultInput | null {
  if (typeof raw !== 'object' || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) return null;
  const r = raw as Record<string, unknown>;
  const analyte = readText(r.analyte, 20, true, true);
  const level = readText(r.level, 20, true, false);
  const lot = readText(r.lot, 40, true, false);
  const value = readResultValue(r.value);
  const signal = readOptionalNumber(r.signal);
  const measuredAt = readMeasuredAt(r.measuredAt, now, memo);
  const instrument = readText(r.instrument, 60, false, false);
  const operator = readText(r.operator, 100, false, false);
  const run = readText(r.run, 60, false, false);
  if (
    analyte instanceof Refused || level instanceof Refused || lot instanceof Refused || value instanceof Refused || signal instanceof Refused ||
    measuredAt instanceof Refused || instrument instanceof Refused || operator instanceof Refused || run instanceof Refused
  ) {
    return null;
  }
  if (!into) return { analyte, level, lot, value, signal, measuredAt, instrument, operator, run };
  // the caller's scratch object (it copies the fields at once): no new object per row
  into.analyte = analyte;
  into.level = level;
  into.lot = lot;
  into.value = value;
  into.signal = signal;
  into.measuredAt = measuredAt;
  into.instrument = instrument;
  into.operator = operator;
  into.run = run;
  return into;
}
/** Only the value and signal of a result row (checked against the item when other fields failed). */
export const iqcValueInput = z.object({ value: resultValue, signal: optionalNumber });

/** The JSON body of POST /api/v1/iqc/results. `lab` (a lab code) is optional: the caller's lab. */
export const iqcResultsBody = z.object({
  lab: z.string().trim().max(40).optional(),
  results: z.array(z.unknown()).min(1, 'No results').max(200_000, 'At most 200,000 results per request'),
});

/** When a target or rule set takes effect: an instant ({@link parseDayOrInstant}; a date alone is
 * that day's 00:00 in China), absent when empty unless `required`. Text that is no date is refused
 * as such (`value.notDateOrDateTime`), never as missing. */
function readEffectiveFrom(v: unknown, required: boolean): number | undefined | Refused {
  if (v === '' || v === undefined || v === null) return required ? REFUSED_REQUIRED : undefined;
  const t = parseDayOrInstant(v, 'start');
  return Number.isNaN(t) ? REFUSED_NOT_DATE : t;
}
const REFUSED_NOT_DATE = new Refused([because('value.notDateOrDateTime')]);
const optionalEffectiveFrom = field((v) => readEffectiveFrom(v, false));
const requiredEffectiveFrom = field((v) => readEffectiveFrom(v, true) as number | Refused);

/** A target's mean or SD: a number, or numeric text (a form's field); null, empty text, a boolean or
 * text such as `0x10` is refused, never read as 0, 1 or 16 as `Number()` would. */
function readTargetNumber(v: unknown): number | Refused {
  if (v === undefined || v === null || (typeof v === 'string' && !v.trim())) return REFUSED_REQUIRED;
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL_TEXT.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n)) return new Refused([because('value.notNumber')]);
  return measurable(n) ? n : REFUSED_NOT_FINITE;
}
const targetNumber = field(readTargetNumber);
/** The same, optional: null or empty text is absent (a categorical control's signal target). */
const optionalTargetNumber = field((v) => (v === undefined || v === null || (typeof v === 'string' && !v.trim()) ? undefined : readTargetNumber(v)));

/** An SD greater than 0 and not too small for its mean ({@link minTargetSd}): below that z
 * overflows, and a single value off the mean would stop its series being judged. */
function checkTargetSd(t: { mean?: number; sd?: number }, ctx: z.RefinementCtx) {
  if (t.sd === undefined || t.mean === undefined) return;
  if (t.sd <= 0) ctx.addIssue({ code: 'custom', path: ['sd'], ...because('value.positive') });
  else if (t.sd < minTargetSd(t.mean)) ctx.addIssue({ code: 'custom', path: ['sd'], ...because('value.sdTooSmall', { min: minTargetSd(t.mean) }) });
}

const targetFields = z.object({
  analyte: z.string().trim().toUpperCase().min(1).max(20),
  level: requiredLine(20),
  lot: requiredLine(40),
  instrument: optionalLine(60),
  mean: targetNumber,
  sd: targetNumber,
  /** When the target takes effect (default: now). Must follow the lot's last judged result. */
  effectiveFrom: optionalEffectiveFrom,
  reason: optionalText(500),
  /** where the mean and SD come from (the automation API may send the lab's own established targets) */
  source: z.enum(['manufacturer', 'lab_baseline']).optional(),
  /** the last day (China) the control material may be used: results measured after it are refused */
  expiresOn: optionalDay,
});
export const targetInput = targetFields.superRefine(checkTargetSd);
export type TargetInput = z.infer<typeof targetInput>;

/** `POST /api/v1/iqc/lots`: a control lot × level with its first targets (effectiveFrom required). */
export const lotCreateInput = targetFields
  .extend({
    effectiveFrom: requiredEffectiveFrom,
  })
  .superRefine(checkTargetSd);

/** A control of a categorical item (the targets page, `POST /api/v1/iqc/lots`): the category its
 * lot must read (`expected`, checked against the item by the service) and, optionally, a target of
 * its signal (mean and SD of S/CO) for the Levey-Jennings chart. */
export const controlExpectationInput = z
  .object({
    analyte: z.string().trim().toUpperCase().min(1).max(20),
    level: requiredLine(20),
    lot: requiredLine(40),
    instrument: optionalLine(60),
    // a category code or alias ('-', '+' are grades here, not spreadsheet formulas): read against the item
    expected: z.string({ message: 'Required' }).trim().min(1, 'Required').max(40),
    mean: optionalTargetNumber,
    sd: optionalTargetNumber,
    effectiveFrom: optionalEffectiveFrom,
    reason: optionalText(500),
    expiresOn: optionalDay,
  })
  .refine((v) => (v.mean === undefined) === (v.sd === undefined), { message: 'Give both the mean and the SD of the signal, or neither', path: ['sd'] })
  .superRefine(checkTargetSd);
export type ControlExpectationInput = z.infer<typeof controlExpectationInput>;

/** The targets page's expiry form: a lot's last day of use, or empty to say it has none. */
export const lotExpiryInput = z.object({
  controlLotId: z.coerce.number().int().positive(),
  expiresOn: z.preprocess((v) => (typeof v === 'string' && !v.trim() ? null : v), isoDay.nullable()),
  reason: optionalText(500),
});

export const baselineInput = z.object({
  controlLotId: z.coerce.number().int().positive(),
  reason: optionalText(500),
});

export const ruleConfigInput = z.object({
  analyte: z.string().trim().toUpperCase().min(1).max(20),
  /** Empty: back to the default (Sigma Rules when a sigma is known, else the classic set). */
  rules: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(WESTGARD_RULES)).max(WESTGARD_RULES.length)),
  /** When the new version takes effect (default: now, after the analyte's last run). */
  effectiveFrom: optionalEffectiveFrom,
  reason: optionalText(500),
});

export const resolveActionInput = z.object({
  id: z.coerce.number().int().positive(),
  cause: requiredText(1000),
  action: requiredText(1000),
  outcome: requiredText(1000),
});

export const correctResultInput = z.object({
  resultId: z.coerce.number().int().positive(),
  /** a number, or a categorical item's category code (checked against the item by the service) */
  value: resultValue,
  /** a categorical reading's signal (S/CO); optional */
  signal: optionalNumber,
  reason: requiredText(500),
});

/** Exclude one control result from the rules and statistics (it stays on the chart), with a reason. */
export const excludeResultInput = z.object({
  resultId: z.coerce.number().int().positive(),
  reason: requiredText(500),
});

/** Take an excluded result back into the rules and statistics (the reason is optional). */
export const includeResultInput = z.object({
  resultId: z.coerce.number().int().positive(),
  reason: optionalText(500),
});

export const monthInput = z.string().refine((s) => /^\d{4}-(0[1-9]|1[0-2])$/.test(s), because('value.month'));
