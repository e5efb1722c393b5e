// Recognition window arithmetic (DOMAIN.md §5; issue 13): a result of day D reused on day A is within
// a window of W days when A − D ≤ W calendar days — day W in, day W + 1 out; null = no limit.
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_DAYS, daysBetween, epochDay, formatWindows, parseWindows, windowDaysFor, withinWindow } from '@/lib/services/recognition/window';
import { dayOrder } from '@/lib/services/recognition/pair-index';

// Hubei's windows as the issue gives them: electrolytes 7 days, proteins and lipids 30, HbA1c 60
const HUBEI = { defaultDays: 30, items: { K: 7, NA: 7, CL: 7, TP: 30, ALB: 30, TG: 30, CHOL: 30, HBA1C: 60 } };

describe('daysBetween', () => {
  it.each([
    ['2026-03-01', '2026-03-01', 0],
    ['2026-03-01', '2026-03-08', 7],
    ['2026-02-28', '2026-03-01', 1], // 2026 is not a leap year
    ['2024-02-28', '2024-03-01', 2], // 2024 is: Feb 29 lies between
    ['2025-12-31', '2026-01-01', 1],
    ['2026-01-01', '2026-03-02', 60], // 31 + 28 + 1
    ['2026-03-08', '2026-03-01', -7],
  ])('%s → %s is %i days', (a, b, n) => {
    expect(daysBetween(a, b)).toBe(n);
  });
});

describe('day numbers without Date objects (batch verification)', () => {
  // every day from 1900 to 2199 (leap days, 1900 and 2100 not leap, 2000 leap) against ECMAScript's
  // own Gregorian calendar (Date.UTC), which epochDay does not use
  const DAY = 86_400_000;
  const days: string[] = [];
  for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2200, 0, 1); t += DAY) days.push(new Date(t).toISOString().slice(0, 10));

  it('epochDay counts the days since 1970-01-01 as Date.UTC does', () => {
    expect(days.filter((d) => epochDay(d) !== Date.parse(`${d}T00:00:00Z`) / DAY)).toEqual([]);
    expect([epochDay('1970-01-01'), epochDay('2000-03-01') - epochDay('2000-02-28'), epochDay('2100-03-01') - epochDay('2100-02-28')]).toEqual([0, 2, 1]);
  });

  it('dayOrder orders days as their text does', () => {
    for (let i = 1; i < days.length; i++) expect(dayOrder(days[i - 1]) < dayOrder(days[i])).toBe(true);
  });
});

describe('withinWindow', () => {
  it.each([
    // potassium (7 days): day 7 in, day 8 out
    ['2026-03-01', '2026-03-08', 7, true],
    ['2026-03-01', '2026-03-09', 7, false],
    // the same day is day 0
    ['2026-03-01', '2026-03-01', 0, true],
    ['2026-03-01', '2026-03-02', 0, false],
    // HbA1c (60 days) across February: 2026-01-01 + 60 days = 2026-03-02
    ['2026-01-01', '2026-03-02', 60, true],
    ['2026-01-01', '2026-03-03', 60, false],
    // no limit
    ['2016-01-01', '2026-03-03', null, true],
  ])('result %s reused %s, window %s → %s', (d, a, w, inside) => {
    expect(withinWindow(d, a, w)).toBe(inside);
  });
});

describe('windowDaysFor', () => {
  it('reads the item, else the policy default, else the system default of 30 days', () => {
    expect(windowDaysFor(HUBEI, 'K')).toBe(7);
    expect(windowDaysFor(HUBEI, 'HBA1C')).toBe(60);
    expect(windowDaysFor(HUBEI, 'ALT')).toBe(30);
    expect(windowDaysFor({ defaultDays: null, items: { K: 7 } }, 'ALT')).toBeNull();
    expect(windowDaysFor({ defaultDays: 14, items: { K: null } }, 'K')).toBeNull();
    expect(windowDaysFor(null, 'K')).toBe(DEFAULT_WINDOW_DAYS);
    expect(DEFAULT_WINDOW_DAYS).toBe(30);
  });
});

describe('the policy form text', () => {
  it('round-trips', () => {
    const text = formatWindows(HUBEI);
    expect(text.split('\n')[0]).toBe('* 30');
    expect(text).toContain('HBA1C 60');
    expect(parseWindows(text)).toEqual({ windows: HUBEI, problems: [] });
  });

  it('reads lower case, colons, semicolons and "none"', () => {
    expect(parseWindows('k: 7; hba1c=60\n* none\nALT 不限').windows).toEqual({ defaultDays: null, items: { K: 7, HBA1C: 60, ALT: null } });
  });

  it('keeps the system default when no * line is given', () => {
    expect(parseWindows('K 7').windows).toEqual({ defaultDays: 30, items: { K: 7 } });
  });

  it('names the lines it cannot read', () => {
    expect(parseWindows('K 7\nNA seven\nK 8\nGLU\n* 1.5').problems).toEqual([
      { line: 2, text: 'NA seven', problem: 'days' },
      { line: 3, text: 'K 8', problem: 'twice' },
      { line: 4, text: 'GLU', problem: 'syntax' },
      { line: 5, text: '* 1.5', problem: 'days' },
    ]);
  });
});
