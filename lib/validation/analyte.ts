import { z } from 'zod';
import { limitAllowsError } from './limits';
import { because } from './errors';
import { optionalDecimal } from './decimal';
import { ANALYTE_CATEGORIES, ANALYTE_KINDS, LIMIT_FORMS, type ItemCategory } from '@/db/enums';

const optionalNumber = optionalDecimal(z.number().finite().nonnegative());
/** A limit in percent of the target: no specification allows more than the whole value (the largest
 * in WS/T 403, NCCL and CLIA is 30 %); a typo such as 1e20 would accept every result. */
const optionalPercent = optionalDecimal(z.number().finite().nonnegative().max(100));
const optionalText = z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().trim().max(500).nullable());

/** One result category of a qualitative, ordinal or nominal item (db/enums ItemCategory). */
export const itemCategoryInput = z.object({
  code: z.string().trim().min(1).max(20),
  nameEn: z.string().trim().min(1).max(60),
  nameZh: z.string().trim().min(1).max(60),
  aliases: z.array(z.string().trim().min(1).max(30)).max(12).optional(),
});

/** Categories as the admin form writes them, one per line from the lowest grade:
 * `code | 中文名 | English name | alias, alias` (names default to the code); a JSON array is read as is. */
export function readCategoryLines(text: string): ItemCategory[] | string {
  const t = text.trim();
  if (t === '') return [];
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t) as ItemCategory[];
    } catch {
      return text;
    }
  }
  return t
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [code, nameZh, nameEn, aliases] = line.split('|').map((p) => p.trim());
      const list = (aliases ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean);
      return { code, nameZh: nameZh || code, nameEn: nameEn || code, ...(list.length ? { aliases: list } : {}) };
    });
}

/** The categories as one line each (the admin form's textarea). */
export const categoryLines = (categories: ItemCategory[] | null | undefined): string =>
  (categories ?? []).map((c) => [c.code, c.nameZh, c.nameEn, ...(c.aliases?.length ? [c.aliases.join(', ')] : [])].join(' | ')).join('\n');

const categoriesField = z.preprocess((v) => {
  const read = typeof v === 'string' ? readCategoryLines(v) : v;
  return read === undefined || (Array.isArray(read) && read.length === 0) ? null : read;
}, z.array(itemCategoryInput).max(40).nullable());

/** One analyte of the catalogue, as the admin form, the catalogue import and the seed give it. */
export const analyteInput = z
  .object({
    code: z
      .string()
      .trim()
      .min(1)
      .max(20)
      .refine((s) => /^[A-Z0-9_]+$/.test(s), because('value.upperCode')),
    loinc: z.preprocess(
      (v) => (v === '' || v === undefined ? null : v),
      z.string().refine((s) => /^\d{1,7}-\d$/.test(s), because('value.loinc')).nullable(),
    ),
    nameEn: z.string().trim().min(1).max(200),
    nameZh: z.string().trim().min(1).max(200),
    /** required for quantitative items; qualitative, ordinal and nominal items have none ('') */
    unit: z.preprocess((v) => (v == null ? '' : v), z.string().trim().max(40)),
    category: z.enum(ANALYTE_CATEGORIES),
    kind: z.preprocess((v) => (v === '' || v == null ? 'quantitative' : v), z.enum(ANALYTE_KINDS)),
    /** result categories, lowest (negative) grade first: at least two distinct codes for a
     * qualitative, ordinal or nominal item, none for a quantitative one */
    categories: categoriesField,
    /** the analyser signal behind a qualitative answer ('S/CO', 'OD', 'COI') and its cut-off */
    signalUnit: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().trim().max(20).nullable()),
    signalCutoff: optionalNumber,
    teaPercent: optionalPercent,
    teaAbsolute: optionalNumber,
    teaAbsoluteAtOrBelow: optionalNumber,
    /** how percent and absolute combine: WS/T 'threshold' or CLIA 'greater_of' (null: greater of) */
    teaForm: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.enum(LIMIT_FORMS).nullable()).optional(),
    teaSource: z.string().trim().min(1).max(200),
    allowableCvPercent: optionalPercent,
    allowableBiasPercent: optionalPercent,
    cvSource: optionalText,
    ncclEqaRange: optionalText,
    cliaLimit: optionalText,
    cliaConfidence: optionalText,
    notes: optionalText,
  })
  .refine((a) => a.kind !== 'quantitative' || a.unit !== '', { ...because('analyte.unitRequired'), path: ['unit'] })
  .refine((a) => a.kind !== 'quantitative' || a.categories == null, { ...because('analyte.categoriesForQuantitative'), path: ['categories'] })
  .refine((a) => a.kind === 'quantitative' || new Set((a.categories ?? []).map((c) => c.code.toLowerCase())).size === (a.categories ?? []).length, {
    ...because('analyte.categoryCodesRepeat'),
    path: ['categories'],
  })
  .refine((a) => a.kind === 'quantitative' || (a.categories ?? []).length >= 2, { ...because('analyte.categoriesNeeded'), path: ['categories'] })
  // a reading is matched to the first category naming it (code or alias, any case): a name given to
  // two categories would read a positive control as negative without a word
  .superRefine((a, ctx) => {
    const owner = new Map<string, string>();
    for (const c of a.kind === 'quantitative' ? [] : (a.categories ?? [])) {
      for (const name of new Set([c.code, ...(c.aliases ?? [])].map((s) => s.toLowerCase()))) {
        const first = owner.get(name);
        if (first !== undefined && first !== c.code) {
          ctx.addIssue({ code: 'custom', path: ['categories'], ...because('analyte.categoryNameTwice', { name, first, second: c.code }) });
          return;
        }
        owner.set(name, c.code);
      }
    }
  })
  // a categorical item is graded by agreement (its teaSource says how), not by an allowable error
  .refine((a) => a.kind !== 'quantitative' || a.teaPercent != null || a.teaAbsolute != null, {
    ...because('analyte.teaNeedsLimit'),
    path: ['teaPercent'],
  })
  .refine((a) => a.teaForm !== 'threshold' || (a.teaAbsoluteAtOrBelow != null && a.teaPercent != null && a.teaAbsolute != null), {
    ...because('analyte.thresholdNeedsAll'),
    path: ['teaAbsoluteAtOrBelow'],
  })
  .refine((a) => a.kind !== 'quantitative' || limitAllowsError({ percent: a.teaPercent, absolute: a.teaAbsolute, form: a.teaForm }), {
    ...because('value.limitNotPositive'),
    path: ['teaPercent'],
  });

export type AnalyteInput = z.infer<typeof analyteInput>;

const bound = optionalDecimal(z.number().finite());

/** One concentration range of an analyte's allowable limit: from < target ≤ to (null = unbounded). */
export const limitRangeInput = z
  .object({
    from: bound,
    to: bound,
    percent: optionalPercent.optional(),
    absolute: optionalNumber.optional(),
    form: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.enum(LIMIT_FORMS).nullable()).optional(),
    threshold: optionalNumber.optional(),
    source: z.string().trim().min(1).max(200),
  })
  .refine((r) => r.percent != null || r.absolute != null, { ...because('analyte.rangeNeedsLimit'), path: ['percent'] })
  .refine((r) => r.from == null || r.to == null || r.from < r.to, { ...because('analyte.rangeOrder'), path: ['to'] })
  .refine((r) => r.form !== 'threshold' || (r.threshold != null && r.percent != null && r.absolute != null), {
    ...because('analyte.rangeThresholdNeedsAll'),
    path: ['threshold'],
  });

/** The ranges of one analyte, lowest first, not overlapping. */
export const limitRangesInput = z.object({
  analyte: z.string().trim().min(1).max(20),
  ranges: z
    .array(limitRangeInput)
    .max(20)
    .refine(
      (rs) => rs.every((r, i) => i === 0 || (rs[i - 1].to != null && r.from != null && r.from >= rs[i - 1].to!)),
      'Ranges must be listed from the lowest and must not overlap',
    ),
  reason: z.string().trim().min(1, 'A reason is required').max(500),
});
