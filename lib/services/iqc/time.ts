// Reading date bounds of IQC queries; the calendar itself (China Standard Time) is lib/calendar.ts.
import { DAY_MS, dayOf, startOfDay } from '@/lib/calendar';
import { parseMeasuredAt } from '@/lib/validation/iqc';
import { fieldError, type FieldError } from '@/lib/errors';

/** A range bound from a query string: 'YYYY-MM-DD' (a whole day: `to` is inclusive of that day),
 * an ISO date-time or epoch ms. Undefined when absent; NaN when unreadable or not a day of the calendar. */
export function parseBound(v: string | null | undefined, end: boolean): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const t = startOfDay(v);
    // Date.parse rolls 2026-02-30 over to 2026-03-02: an impossible day is unreadable, not another day
    if (Number.isNaN(t) || dayOf(t) !== v) return NaN;
    return end ? t + DAY_MS : t;
  }
  return parseMeasuredAt(v);
}

/** A query's `from`/`to` range: `to` defaults to now, `from` to `defaultDays` before `to`; an
 * unreadable bound is refused under its own name (`reason`), never the default taken from it. */
export function readRange(q: { from?: string | null; to?: string | null }, now: number, defaultDays: number, reason: 'value.notDate' | 'value.useDate') {
  const toGiven = parseBound(q.to, true);
  const fromGiven = parseBound(q.from, false);
  const errors: FieldError[] = [];
  if (Number.isNaN(fromGiven)) errors.push(fieldError(reason, {}, 'from'));
  if (Number.isNaN(toGiven)) errors.push(fieldError(reason, {}, 'to'));
  const to = toGiven ?? now + 60_000;
  return { from: fromGiven ?? to - defaultDays * DAY_MS, to, errors };
}
