// Calendar days and months in China's time zone (UTC+8, no daylight saving): certification is decided
// per day, IQC is reviewed per month, and "today" and "the day a run was measured" are those of the
// labs, wherever the server runs.
export const CHINA_UTC_OFFSET_MS = 8 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;
const OFFSET_MS = CHINA_UTC_OFFSET_MS;

/** The calendar day (Asia/Shanghai) of an instant, 'YYYY-MM-DD'. */
export function dayOf(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

/** An instant as China's clock shows it, 'YYYY-MM-DD HH:mm:ss' (a time in a message to a lab). */
export function chinaTime(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** The instant at which a day starts (00:00 Asia/Shanghai). */
export function startOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - OFFSET_MS;
}

/** The calendar month (Asia/Shanghai) of an instant, 'YYYY-MM'. */
export function monthOf(ms: number): string {
  return dayOf(ms).slice(0, 7);
}

/** [from, to) instants of a 'YYYY-MM' month (Asia/Shanghai). */
export function monthRange(month: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number);
  return { from: Date.UTC(y, m - 1, 1) - OFFSET_MS, to: Date.UTC(y, m, 1) - OFFSET_MS };
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Add calendar months, clamping to the month's last day (2026-01-31 + 1 month = 2026-02-28). */
export function addMonths(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const total = y * 12 + (m - 1) + n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * The last day of a period of `months` calendar months that starts on (and counts) `from`: the day
 * before the same day `months` later; where that month has no such day, its last day (China's Civil
 * Code, art. 201–202: a period without a corresponding day ends on the month's last day). So
 * 2026-01-31 + 6 months ends 2026-07-30, 2026-08-31 + 6 months 2027-02-28 (not 02-27: clamping to
 * 02-28 first and then taking a day off would shorten it), 2024-02-29 + 12 months 2025-02-28.
 */
export function periodEnd(from: string, months: number): string {
  const [, , d] = from.split('-').map(Number);
  const corresponding = addMonths(from, months);
  return Number(corresponding.slice(8, 10)) < d ? corresponding : addDays(corresponding, -1);
}

/**
 * The days that break the Monday–Friday rule for one jurisdiction: official holidays (no work on a
 * weekday) and make-up working days (work on a Saturday or Sunday), e.g. China's 2026 arrangement
 * (国务院办公厅, 2025-11-04) gives 2026-10-01..07 off and 2026-10-10 (a Saturday) as a working day.
 * Built from the regulator-maintained calendar (lib/services/recognition/calendar.ts).
 */
export interface WorkCalendar {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

/** No exceptions: Monday to Friday. */
export const WEEKDAYS_ONLY: WorkCalendar = { holidays: new Set(), workdays: new Set() };

/**
 * Whether a day is a working day: a listed make-up working day is, a listed holiday is not, any
 * other day is when it falls Monday to Friday.
 */
export function isWorkingDay(day: string, calendar: WorkCalendar): boolean {
  if (calendar.workdays.has(day)) return true;
  if (calendar.holidays.has(day)) return false;
  const wd = new Date(`${day}T00:00:00Z`).getUTCDay();
  return wd >= 1 && wd <= 5;
}

/** The working days of the `days` days that end with `lastDay` (inclusive), oldest first. */
export function workingDaysEnding(lastDay: string, days: number, calendar: WorkCalendar): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = addDays(lastDay, -i);
    if (isWorkingDay(d, calendar)) out.push(d);
  }
  return out;
}

/**
 * The calendar of a region from the entries of the national calendar (`regionPath` null) and of
 * regions: an entry applies to `regionPath` when its region is that region or one of its ancestors;
 * for the same day the most specific region wins (a province may declare a local holiday, or work
 * on a national one).
 */
export function workCalendarFor(entries: readonly { day: string; kind: 'holiday' | 'workday'; regionPath: string | null }[], regionPath: string | null): WorkCalendar {
  const chosen = new Map<string, { kind: 'holiday' | 'workday'; depth: number }>();
  for (const e of entries) {
    if (e.regionPath !== null && !(regionPath ?? '').startsWith(e.regionPath)) continue;
    const depth = e.regionPath === null ? 0 : e.regionPath.length;
    const prev = chosen.get(e.day);
    if (!prev || depth > prev.depth) chosen.set(e.day, { kind: e.kind, depth });
  }
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const [day, c] of chosen) (c.kind === 'holiday' ? holidays : workdays).add(day);
  return { holidays, workdays };
}
