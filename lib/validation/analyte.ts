import { z } from 'zod';
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
      .regex(/^[A-Z0-9_]+$/, 'Use capital letters, digits and _'),
    loinc: z.preprocess(
      (v) => (v === '' || v === undefined ? null : v),
      z.string().regex(/^\d{1,7}-\d$/, 'LOINC codes look like 2823-3').nullable(),
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
    message: 'An allowable total error needs a percent or an absolute limit',
    path: ['teaPercent'],
  })
  .refine((a) => a.teaForm !== 'threshold' || (a.teaAbsoluteAtOrBelow != null && a.teaPercent != null && a.teaAbsolute != null), {
    message: 'A threshold limit needs a percent, an absolute limit and the threshold concentration',
    path: ['teaAbsoluteAtOrBelow'],
  });

export type AnalyteInput = z.infer<typeof analyteInput>;
