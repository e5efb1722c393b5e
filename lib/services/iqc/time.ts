// Calendar arithmetic of IQC pages in the labs' time zone (China Standard Time, UTC+8, no DST).
import { parseMeasuredAt } from '@/lib/validation/iqc';

export const LAB_UTC_OFFSET_MS = 8 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;

/** 'YYYY-MM-DD' of an instant in the labs' time zone. */
export function calendarDay(t: number): string {
  return new Date(t + LAB_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

/** 'YYYY-MM' of an instant in the labs' time zone. */
export function calendarMonth(t: number): string {
  return calendarDay(t).slice(0, 7);
}

/** [start, end) of a 'YYYY-MM' month in the labs' time zone. */
export function monthRange(month: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number);
  return { from: Date.UTC(y, m - 1, 1) - LAB_UTC_OFFSET_MS, to: Date.UTC(y, m, 1) - LAB_UTC_OFFSET_MS };
}

/** Start of a 'YYYY-MM-DD' day in the labs' time zone. */
export function dayStart(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y, m - 1, d) - LAB_UTC_OFFSET_MS;
}

/** A range bound from a query string: 'YYYY-MM-DD' (a whole day: `to` is inclusive of that day),
 * an ISO date-time or epoch ms. Undefined when absent; NaN when unreadable. */
export function parseBound(v: string | null | undefined, end: boolean): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const t = dayStart(v);
    return end ? t + DAY_MS : t;
  }
  return parseMeasuredAt(v);
}
