import { z } from 'zod';
import { because } from './errors';
import { decimalOrAsIs } from './decimal';
import { TOKEN_SCOPES } from '@/db/enums';

/** The shortest password a person may choose (NIST SP 800-63B allows 8; we ask for 12). */
export const MIN_PASSWORD_LENGTH = 12;

/** Passwords nobody should choose: the demo password and the most common ones, lower-cased. */
const REFUSED = new Set(['labqc-demo', 'password1234', '123456789012', 'qwertyuiop12', 'administrator', 'changeme1234']);

export const passwordChangeInput = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password').max(200),
    newPassword: z
      .string()
      // zod's own message, which the forms show in the reader's language
      .min(MIN_PASSWORD_LENGTH)
      .max(200)
      .refine((s) => new Set(s).size >= 5, because('password.fewDistinct'))
      .refine((s) => !REFUSED.has(s.toLowerCase()), because('password.common')),
    confirmPassword: z.string().max(200),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], ...because('password.mismatch') })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ['newPassword'], ...because('password.unchanged') });

/** A token's scopes (one or more, from a form's repeated checkbox or an array) and optional expiry. */
export const tokenScopesField = z.preprocess(
  (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.enum(TOKEN_SCOPES)).min(1, 'Choose at least one scope'),
);

/** Days until the token expires (1 to 730), or empty for a token that does not expire. */
export const tokenExpiryField = z.preprocess(
  (v) => (v === '' || v === undefined || v === null || v === 'never' ? null : decimalOrAsIs(v)),
  z.number().int().min(1).max(730).nullable(),
);
