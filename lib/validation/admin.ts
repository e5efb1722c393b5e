import { z } from 'zod';
import { because } from './errors';
import { LAB_LEVELS, REGION_LEVELS, ROLES } from '@/db/enums';
import { tokenExpiryField, tokenScopesField } from './auth';
import { controlCharacterReason, startsLikeFormula } from './text';


/** Text that would be read as a formula by a spreadsheet (CSV/formula injection) is refused. */
export const safeText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !startsLikeFormula(s), because('value.formulaField'));

/** One line of text that names something (a lot, an instrument, a method): {@link safeText} with no
 * control character ({@link controlCharacterReason}), as the IQC results are read. */
export const lineText = (max: number) =>
  safeText(max).superRefine((s, ctx) => {
    const reason = controlCharacterReason(s);
    if (reason) ctx.addIssue({ code: 'custom', ...because(reason) });
  });

/** A new lab's code: registered in capitals, so that `sz-prb1` is no second lab beside `SZ-PRB1` (a
 * code in small letters names the lab in capitals wherever it is looked up: db/queries/public.ts). */
const labCode = z
  .string()
  .trim()
  .refine((s) => /^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$/.test(s), because('value.codeChars'))
  .transform((s) => s.toUpperCase());

export const labInput = z.object({
  code: labCode,
  name: safeText(200).pipe(z.string().min(1)),
  nameEn: z.preprocess((v) => (v === '' ? null : v), safeText(200).nullable().optional()),
  level: z.enum(LAB_LEVELS),
  regionCode: z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')),
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

// ---------------------------------------------------------------------------------------------
// Administrative edits. Every change of state carries a reason, kept with the previous version in
// entity_versions and in the audit log.

const optionalText = (max: number) => z.preprocess((v) => (v === '' || v === undefined ? null : v), safeText(max).nullable().optional());

export const reasonField = z.string().trim().min(3, 'Give a reason (at least 3 characters)').max(500);

const idField = z.coerce.number().int().positive();

/** Regions keep their code, level and place in the tree; only their names change. */
// (after safeText: a new region's names are checked as a renamed one's are)
export const regionInput = z.object({
  code: z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')),
  name: safeText(100).pipe(z.string().min(1)),
  nameEn: safeText(100).pipe(z.string().min(1)),
  level: z.enum(REGION_LEVELS),
  parentCode: z.preprocess((v) => (v === '' ? null : v), z.string().trim().regex(/^\d{6}$/).nullable().optional()),
});
export type RegionInput = z.infer<typeof regionInput>;

export const regionUpdateInput = z.object({
  code: z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')),
  name: safeText(100).pipe(z.string().min(1)),
  nameEn: safeText(100).pipe(z.string().min(1)),
  reason: reasonField,
});
export type RegionUpdateInput = z.infer<typeof regionUpdateInput>;

/** A laboratory's code is its public identifier (verification links, certificates): it never changes. */
export const labUpdateInput = z.object({
  code: z.string().trim().min(1).max(40),
  name: safeText(200).pipe(z.string().min(1)),
  nameEn: optionalText(200),
  level: z.enum(LAB_LEVELS),
  regionCode: z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')),
  address: optionalText(300),
  reason: reasonField,
});
export type LabUpdateInput = z.infer<typeof labUpdateInput>;

export const labActiveInput = z.object({
  code: z.string().trim().min(1).max(40),
  active: z.preprocess((v) => v === true || v === 'true' || v === '1' || v === 'on', z.boolean()),
  reason: reasonField,
});

/** Editing an account: name and email; a regulator's region or a lab manager's laboratory. */
export const userUpdateInput = z.object({
  id: idField,
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: safeText(100).pipe(z.string().min(1)),
  labCode: z.preprocess((v) => (v === '' ? null : v), z.string().trim().nullable().optional()),
  regionCode: z.preprocess((v) => (v === '' ? null : v), z.string().trim().nullable().optional()),
  reason: reasonField,
});
export type UserUpdateInput = z.infer<typeof userUpdateInput>;

export const userActiveInput = z.object({
  id: idField,
  active: z.preprocess((v) => v === true || v === 'true' || v === '1' || v === 'on', z.boolean()),
  reason: reasonField,
});

export const userIdInput = z.object({ id: idField });

/** A new account from a form: the password may be left empty, then a temporary one is generated. */
export const newAccountInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: safeText(100).pipe(z.string().min(1)),
  labCode: z.preprocess((v) => (v === '' ? null : v), z.string().trim().nullable().optional()),
  regionCode: z.preprocess((v) => (v === '' ? null : v), z.string().trim().nullable().optional()),
});

/** The accounts an administrator creates without a lab or a region. */
export const CENTRAL_ROLES = ['hospital', 'admin'] as const;

export const centralAccountInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: safeText(100).pipe(z.string().min(1)),
  role: z.enum(CENTRAL_ROLES),
});

export const apiTokenInput = z.object({
  name: safeText(80).pipe(z.string().min(1, 'Give the token a name')),
  scopes: tokenScopesField,
  expiresInDays: tokenExpiryField,
});

export const apiTokenIdInput = z.object({ id: idField });

// ---------------------------------------------------------------------------------------------
// Institution registry CSV (regulator import)

export const REGISTRY_COLUMNS = ['code', 'name', 'name_en', 'level', 'region_code', 'address'] as const;
export const REGISTRY_OPTIONAL_COLUMNS = ['manager_email', 'manager_name'] as const;

/** One registry row after the CSV reader (column names as in the file, values as text). */
export const registryRow = z
  .object({
    code: labInput.shape.code,
    name: z.string().trim().min(1, 'Required').max(200),
    name_en: z.string().trim().max(200),
    level: z.enum(LAB_LEVELS, { error: `One of ${LAB_LEVELS.join(', ')}` }),
    region_code: z.string().trim().refine((s) => /^\d{6}$/.test(s), because('value.regionCode')),
    address: z.string().trim().max(300),
    manager_email: z.string().trim().toLowerCase().max(320).pipe(z.union([z.literal(''), z.email()])),
    manager_name: z.string().trim().max(100),
  })
  .refine((r) => !r.manager_name || r.manager_email, { path: ['manager_email'], ...because('registry.managerEmailRequired') });
export type RegistryRow = z.infer<typeof registryRow>;
