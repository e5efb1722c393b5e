// Reading date bounds of IQC queries; the calendar itself (China Standard Time) is lib/calendar.ts.
import { DAY_MS, dayOf, startOfDay } from '@/lib/calendar';
import { parseMeasuredAt } from '@/lib/validation/iqc';

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
