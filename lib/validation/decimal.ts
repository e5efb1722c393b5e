// How LabQC reads a number someone typed or sent: decimal text, the way people write measurements
// and settings. Results, targets, reference values, scheme limits, catalogue limits and policy
// criteria all read through here, so '0x10' is refused everywhere rather than taken as 16 in some.
import { z } from 'zod';
import { because } from './errors';

/** '4.1', '-.5', '+1.2e3'. Not '0x10', '0b11', '0o7', 'Infinity' or '': Number() reads those as
 * 16, 3, 7, Infinity and 0, none of them a number a person wrote. */
export const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** The number a text writes in decimal, or NaN. */
export function decimalNumber(text: string): number {
  return DECIMAL_TEXT.test(text) ? Number(text) : NaN;
}

/** Decimal text (trimmed) as its number; anything else as it is, for the schema after it to judge. */
export const decimalOrAsIs = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const n = decimalNumber(v.trim());
  return Number.isFinite(n) ? n : v;
};

/**
 * `schema` (a z.number() chain) fed from a form field or a JSON body: a number, or decimal text.
 * Not z.coerce.number(), which reads '0x10' as 16, true as 1 and an emptied field as 0 (a policy's
 * corrective-action days, or its IQC coverage, silently zero). Undefined passes through, so the
 * schema's own default applies to an omitted field; empty text is a missing value the form must fill.
 */
export function decimal<T extends z.ZodType>(schema: T) {
  return z.preprocess((v, ctx) => {
    if (typeof v === 'string' && v.trim() === '') {
      ctx.addIssue({ code: 'custom', ...because('value.required') });
      return z.NEVER;
    }
    const n = decimalOrAsIs(v);
    if (typeof n === 'number' || v === undefined || v === null) return n;
    ctx.addIssue({ code: 'custom', ...because('value.notNumber') });
    return z.NEVER;
  }, schema);
}

/**
 * {@link decimal} for a field that may stay empty: empty text, null or an omitted field is null; text
 * that is no decimal number (`0x10`, `abc`) is "Not a number", not a missing value.
 */
export function optionalDecimal<T extends z.ZodType>(schema: T) {
  return z.preprocess((v, ctx) => {
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return null;
    const n = decimalOrAsIs(v);
    if (typeof n === 'number') return n;
    ctx.addIssue({ code: 'custom', ...because('value.notNumber') });
    return z.NEVER;
  }, schema.nullable());
}
