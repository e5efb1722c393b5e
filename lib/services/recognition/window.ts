// Recognition windows (DOMAIN.md §5): how many days after its day a result stays recognisable when
// another institution reuses it. Each region's policy sets a window per item (Hubei: electrolytes 7
// days, proteins and lipids 30, HbA1c 60) and a window for the items it does not list; a city
// without a policy of its own inherits its province's, like the rest of the policy. Pure: no
// database, so the batch verification and the policy form share it.
//
// The rule: a result of day D reused on day A (`asOf`) is within a window of W days when
// A − D ≤ W in calendar days (day W after D is in, day W + 1 is out; the same day is day 0).
// `null` means no limit. A reuse day before the result's day is not a question (the caller's error).

/** A policy's windows: item code → days (null = no limit), and the days of items not listed. */
export interface RecognitionWindows {
  defaultDays: number | null;
  items: Record<string, number | null>;
}

/**
 * The window of items without one when a policy sets none (or there is no policy at all): 30 days,
 * the window Hubei gives its largest group (proteins, lipids, bilirubin), between its 7-day
 * electrolytes and its 60-day HbA1c. A region chooses its own default, or "no limit", in its policy.
 */
export const DEFAULT_WINDOW_DAYS = 30;
/** The longest window a policy may set (10 years); longer is "no limit". */
export const MAX_WINDOW_DAYS = 3660;

export const SYSTEM_WINDOWS: RecognitionWindows = Object.freeze({ defaultDays: DEFAULT_WINDOW_DAYS, items: Object.freeze({}) as Record<string, number | null> });

/** The windows a stored policy column means (null column: the system default). */
export function windowsOf(stored: RecognitionWindows | null | undefined): RecognitionWindows {
  return stored ?? SYSTEM_WINDOWS;
}

/** The window of an item (its catalogue code) under a policy's windows; null = no limit. */
export function windowDaysFor(windows: RecognitionWindows | null | undefined, analyteCode: string): number | null {
  const w = windowsOf(windows);
  return Object.prototype.hasOwnProperty.call(w.items, analyteCode) ? w.items[analyteCode] : w.defaultDays;
}

/** Days since 1970-01-01 of a valid 'YYYY-MM-DD', read by position and counted without a Date
 * (batches call this twice per check): the proleptic Gregorian count of H. Hinnant's
 * `days_from_civil` (chrono-Compatible Low-Level Date Algorithms), years starting in March so that
 * the leap day comes last. */
export function epochDay(d: string): number {
  const y0 = (d.charCodeAt(0) - 48) * 1000 + (d.charCodeAt(1) - 48) * 100 + (d.charCodeAt(2) - 48) * 10 + (d.charCodeAt(3) - 48);
  const m = (d.charCodeAt(5) - 48) * 10 + (d.charCodeAt(6) - 48);
  const day = (d.charCodeAt(8) - 48) * 10 + (d.charCodeAt(9) - 48);
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // [0, 399]
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + day - 1; // [0, 365]
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // [0, 146096]
  return era * 146097 + doe - 719468;
}

/** Calendar days from `from` to `to` ('YYYY-MM-DD'), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

/** Whether a result of `resultDay` reused on `asOf` is within a window of `windowDays` (null: no
 * limit). The caller checks asOf ≥ resultDay first. */
export function withinWindow(resultDay: string, asOf: string, windowDays: number | null): boolean {
  return windowDays === null || daysBetween(resultDay, asOf) <= windowDays;
}

/** The windows as the policy form writes them: one `CODE days` per line (`K 7`, `HBA1C 60`),
 * `* days` for the items not listed, `none` (or `-`) for no limit. */
export function formatWindows(w: RecognitionWindows | null | undefined): string {
  const v = windowsOf(w);
  const days = (d: number | null) => (d === null ? 'none' : String(d));
  return [`* ${days(v.defaultDays)}`, ...Object.keys(v.items).sort().map((code) => `${code} ${days(v.items[code])}`)].join('\n');
}

export type WindowLineProblem = { line: number; text: string; problem: 'syntax' | 'days' | 'twice' };

/** Read the form's text back (see formatWindows); problems name their line. A text without a `*`
 * line keeps the system default for the items it does not list. */
export function parseWindows(text: string): { windows: RecognitionWindows; problems: WindowLineProblem[] } {
  const items: Record<string, number | null> = {};
  let defaultDays: number | null = DEFAULT_WINDOW_DAYS;
  let sawDefault = false;
  const problems: WindowLineProblem[] = [];
  text.split(/\r?\n|[;；]/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(\*|[A-Za-z0-9_]{1,20})\s*[:=：\s]\s*(\S+)$/.exec(line);
    if (!m) return void problems.push({ line: i + 1, text: line, problem: 'syntax' });
    const code = m[1].toUpperCase();
    const d = /^(none|-|无|不限)$/i.test(m[2]) ? null : /^\d+$/.test(m[2]) && Number(m[2]) <= MAX_WINDOW_DAYS ? Number(m[2]) : undefined;
    if (d === undefined) return void problems.push({ line: i + 1, text: line, problem: 'days' });
    if (code === '*') {
      if (sawDefault) return void problems.push({ line: i + 1, text: line, problem: 'twice' });
      sawDefault = true;
      defaultDays = d;
    } else {
      if (code in items) return void problems.push({ line: i + 1, text: line, problem: 'twice' });
      items[code] = d;
    }
  });
  return { windows: { defaultDays, items }, problems };
}
