// A calendar day written by a person or a client ('YYYY-MM-DD'): recognition decisions and look-ups,
// a control lot's expiry.
import { z } from 'zod';
import { because } from './errors';

/** A calendar day 'YYYY-MM-DD' that exists (2026-02-30 is refused). */
export const isoDay = z
  .string()
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s), because('recognition.invalidDate'))
  // one message per field: a day not written as YYYY-MM-DD is not also "no such day"
  .refine((s) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return true;
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, because('value.noSuchDay'));

/** The same, absent when empty. */
export const optionalDay = z.preprocess((v) => (v === '' || v === null ? undefined : v), isoDay.optional());
