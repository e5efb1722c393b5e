import { z } from 'zod';
import { LAB_LEVELS, REGION_LEVELS, ROLES } from '@/db/enums';

export const regionInput = z.object({
  code: z.string().trim().regex(/^\d{6}$/, 'GB/T 2260 codes have 6 digits'),
  name: z.string().trim().min(1).max(100),
  nameEn: z.string().trim().min(1).max(100),
  level: z.enum(REGION_LEVELS),
  parentCode: z.preprocess((v) => (v === '' ? null : v), z.string().trim().regex(/^\d{6}$/).nullable().optional()),
});
export type RegionInput = z.infer<typeof regionInput>;

/** Text that would be read as a formula by a spreadsheet (CSV/formula injection) is refused. */
export const safeText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !/^[=+\-@\t\r]/.test(s), 'Must not start with =, +, -, @ (spreadsheet formula)');

export const labInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$/, 'Letters, digits, - and _ (2 to 40)'),
  name: safeText(200).pipe(z.string().min(1)),
  nameEn: z.preprocess((v) => (v === '' ? null : v), safeText(200).nullable().optional()),
  level: z.enum(LAB_LEVELS),
  regionCode: z.string().trim().regex(/^\d{6}$/, 'GB/T 2260 codes have 6 digits'),
  address: z.preprocess((v) => (v === '' ? null : v), safeText(300).nullable().optional()),
});
export type LabInput = z.infer<typeof labInput>;

export const userInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: safeText(100).pipe(z.string().min(1)),
  role: z.enum(ROLES),
  password: z.string().min(10, 'At least 10 characters').max(200),
  labCode: z.string().trim().optional().nullable(),
  regionCode: z.string().trim().optional().nullable(),
});
export type UserInput = z.infer<typeof userInput>;
