import { z } from 'zod';
import { because } from './errors';
import { ANALYTE_CATEGORIES, LIMIT_FORMS } from '@/db/enums';

const optionalNumber = z.preprocess(
  (v) => (v === '' || v === null || v === undefined ? null : v),
  z.coerce.number().finite().nonnegative().nullable(),
);
const optionalText = z.preprocess((v) => (v === '' || v === undefined ? null : v), z.string().trim().max(500).nullable());

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
    unit: z.string().trim().min(1).max(40),
    category: z.enum(ANALYTE_CATEGORIES),
    teaPercent: optionalNumber,
    teaAbsolute: optionalNumber,
    teaAbsoluteAtOrBelow: optionalNumber,
    /** how percent and absolute combine: WS/T 'threshold' or CLIA 'greater_of' (null: greater of) */
    teaForm: z.preprocess((v) => (v === '' || v === undefined ? null : v), z.enum(LIMIT_FORMS).nullable()).optional(),
    teaSource: z.string().trim().min(1).max(200),
    allowableCvPercent: optionalNumber,
    allowableBiasPercent: optionalNumber,
    cvSource: optionalText,
    ncclEqaRange: optionalText,
    cliaLimit: optionalText,
    cliaConfidence: optionalText,
    notes: optionalText,
  })
  .refine((a) => a.teaPercent != null || a.teaAbsolute != null, {
    ...because('analyte.teaNeedsLimit'),
    path: ['teaPercent'],
  })
  .refine((a) => a.teaForm !== 'threshold' || (a.teaAbsoluteAtOrBelow != null && a.teaPercent != null && a.teaAbsolute != null), {
    ...because('analyte.thresholdNeedsAll'),
    path: ['teaAbsoluteAtOrBelow'],
  });

export type AnalyteInput = z.infer<typeof analyteInput>;

const bound = z.preprocess((v) => (v === '' || v === undefined ? null : v), z.coerce.number().finite().nullable());

/** One concentration range of an analyte's allowable limit: from < target ≤ to (null = unbounded). */
export const limitRangeInput = z
  .object({
    from: bound,
    to: bound,
    percent: optionalNumber.optional(),
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
