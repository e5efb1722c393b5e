// lib/calendar's working days: Monday–Friday unless the calendar says otherwise, and the entries of a
// region's calendar resolved over the national ones. Days from the State Council's 2026 arrangement
// (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04).
import { describe, expect, it } from 'vitest';
import { isWorkingDay, periodEnd, WEEKDAYS_ONLY, workCalendarFor, workingDaysEnding } from '@/lib/calendar';

const national = [
  { day: '2026-10-01', kind: 'holiday' as const, regionPath: null },
  { day: '2026-10-02', kind: 'holiday' as const, regionPath: null },
  { day: '2026-10-05', kind: 'holiday' as const, regionPath: null },
  { day: '2026-10-06', kind: 'holiday' as const, regionPath: null },
  { day: '2026-10-07', kind: 'holiday' as const, regionPath: null },
  { day: '2026-10-10', kind: 'workday' as const, regionPath: null },
];
const guangdong = '/100000/440000/';
const shenzhen = '/100000/440000/440300/';
const entries = [
  ...national,
  { day: '2026-10-07', kind: 'workday' as const, regionPath: guangdong }, // a province works on a national holiday
  { day: '2026-10-09', kind: 'holiday' as const, regionPath: shenzhen }, // a city's own holiday
  { day: '2026-10-09', kind: 'workday' as const, regionPath: guangdong }, // …over its province's entry
];

describe('isWorkingDay', () => {
  it.each([
    ['2026-10-08', WEEKDAYS_ONLY, true, 'a Thursday without entries'],
    ['2026-10-03', WEEKDAYS_ONLY, false, 'a Saturday without entries'],
    ['2026-10-05', workCalendarFor(national, null), false, 'a Monday of National Day'],
    ['2026-10-10', workCalendarFor(national, null), true, 'the make-up Saturday'],
  ])('%s → %s (%s)', (day, cal, expected) => {
    expect(isWorkingDay(day, cal)).toBe(expected);
  });
});

describe('workCalendarFor: the most specific region wins', () => {
  it.each<[string, string | null, string, boolean]>([
    ['national only, for a lab in Zhejiang', '/100000/330000/330100/', '2026-10-07', false],
    ['Guangdong works on 7 October', guangdong, '2026-10-07', true],
    ['a Guangzhou lab inherits Guangdong’s entry', '/100000/440000/440100/', '2026-10-07', true],
    ['Shenzhen’s own holiday on 9 October beats Guangdong’s entry', shenzhen, '2026-10-09', false],
    ['Guangzhou does not get Shenzhen’s holiday', '/100000/440000/440100/', '2026-10-09', true],
    ['the national calendar itself ignores regional entries', null, '2026-10-07', false],
  ])('%s', (_t, path, day, working) => {
    expect(isWorkingDay(day, workCalendarFor(entries, path))).toBe(working);
  });
});

describe('workingDaysEnding', () => {
  it('the 14 days to Sunday 2026-10-11 hold 6 working days nationally: 28–30 Sep, 8, 9 and the make-up 10 Oct', () => {
    expect(workingDaysEnding('2026-10-11', 14, workCalendarFor(national, null))).toEqual(['2026-09-28', '2026-09-29', '2026-09-30', '2026-10-08', '2026-10-09', '2026-10-10']);
  });
  it('without entries, 14 days hold 10 weekdays', () => {
    expect(workingDaysEnding('2026-10-11', 14, WEEKDAYS_ONLY)).toHaveLength(10);
  });
});

describe('periodEnd: the last day of a certificate valid for N months from (and including) a day', () => {
  it('is the day before the same day N months later', () => {
    expect(periodEnd('2026-01-31', 6)).toBe('2026-07-30');
    expect(periodEnd('2026-03-15', 12)).toBe('2027-03-14');
    expect(periodEnd('2026-12-01', 1)).toBe('2026-12-31');
    expect(periodEnd('2026-11-15', 3)).toBe('2027-02-14');
  });
  it("ends on the month's last day where that month has no such day (Civil Code art. 202), never a day short", () => {
    expect(periodEnd('2026-08-31', 6)).toBe('2027-02-28');
    expect(periodEnd('2026-08-29', 6)).toBe('2027-02-28');
    expect(periodEnd('2026-08-28', 6)).toBe('2027-02-27');
    expect(periodEnd('2024-02-29', 12)).toBe('2025-02-28');
    expect(periodEnd('2024-02-29', 48)).toBe('2028-02-28');
    expect(periodEnd('2026-03-31', 6)).toBe('2026-09-30');
    expect(periodEnd('2027-08-30', 6)).toBe('2028-02-29');
  });
  it('consecutive periods tile the calendar: the next starts the day after, with no gap and no overlap, for every start day of a leap cycle', () => {
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2028, 0, 1); t += 86_400_000) {
      const from = new Date(t).toISOString().slice(0, 10);
      for (const months of [1, 6, 12]) {
        const end = periodEnd(from, months);
        expect(end >= from).toBe(true);
        // never a day short of the month-end rule: the day after the end is in the month after the last one, or the corresponding day
        const next = new Date(Date.parse(`${end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
        const [y, m, d] = from.split('-').map(Number);
        const total = y * 12 + m - 1 + months;
        const target = `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
        expect(next.slice(8) === '01' ? end.slice(0, 7) === target || next.slice(0, 7) === target : next === `${target}-${String(d).padStart(2, '0')}`).toBe(true);
      }
    }
  });
});
