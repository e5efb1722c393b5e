// The working calendar regulators keep: China's 2026 arrangement seeded (国务院办公厅关于2026年部分
// 节假日安排的通知, 2025-11-04), regional entries over national ones, who may change what (audited), and
// the IQC coverage criterion counting the calendar's working days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '../support/db';
import { findEligibility, type CriterionLine } from '@/db/queries/recognition';
import { listAudit } from '@/db/queries/audit';
import { addCalendarEntry, calendarPage, removeCalendarEntry, workCalendarForPath } from '@/lib/services/recognition/calendar';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { regionalOverview } from '@/lib/services/recognition/overview';
import { addDays, isWorkingDay } from '@/lib/calendar';
import { AppError } from '@/lib/errors';
import { NOW, TODAY, addEqa, addIqc, analyteId, labId } from './recognition-fixtures';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
beforeAll(async () => {
  t = await createSeededTestDb();
});
afterAll(() => t.close());

const GZ = '/100000/440000/440100/';
const HZ = '/100000/330000/330100/';
const codeOf = async (fn: () => unknown) => {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
};

describe('the national 2026 calendar is seeded', () => {
  it.each([
    // [day, working, why]
    ['2026-01-01', false, 'New Year (Thursday)'],
    ['2026-01-04', true, 'Sunday worked for New Year'],
    ['2026-02-14', true, 'Saturday worked for the Spring Festival'],
    ['2026-02-16', false, 'Spring Festival (Monday)'],
    ['2026-02-23', false, 'Spring Festival, last day (Monday)'],
    ['2026-02-28', true, 'Saturday worked for the Spring Festival'],
    ['2026-04-06', false, 'Qingming (Monday)'],
    ['2026-05-05', false, 'Labour Day (Tuesday)'],
    ['2026-05-09', true, 'Saturday worked for Labour Day'],
    ['2026-06-19', false, 'Dragon Boat (Friday)'],
    ['2026-06-22', true, 'an ordinary Monday'],
    ['2026-09-20', true, 'Sunday worked for National Day'],
    ['2026-09-25', false, 'Mid-Autumn (Friday)'],
    ['2026-10-07', false, 'National Day (Wednesday)'],
    ['2026-10-10', true, 'Saturday worked for National Day'],
    ['2026-03-07', false, 'an ordinary Saturday'],
  ])('%s is a working day: %s (%s)', async (day, working) => {
    expect(isWorkingDay(day, await workCalendarForPath(t.db, GZ, '2026-01-01', '2026-12-31'))).toBe(working);
  });

  it('2026 has 248 working days: 261 weekdays − 19 weekday holidays + 6 make-up days (hand count)', async () => {
    const page = await calendarPage(t.db, t.admin, { year: 2026 });
    expect(page.workingDays).toBe(248);
    // October: 22 weekdays − 5 (1, 2, 5, 6, 7) + 1 (Saturday 10) = 18
    expect(page.months[9]).toEqual({ month: '2026-10', workingDays: 18 });
    expect(page.entries.filter((e) => e.kind === 'holiday')).toHaveLength(33);
    expect(page.entries.filter((e) => e.kind === 'workday').map((e) => e.day)).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
  });
});

describe('regulators keep their region’s calendar', () => {
  it('a provincial entry applies to the province’s labs only, over the national one, and is audited', async () => {
    const row = await addCalendarEntry(t.db, t.regulators.gd, { regionCode: '440000', day: '2026-10-07', kind: 'workday', name: '广东调整上班' }, { now: NOW });
    expect(isWorkingDay('2026-10-07', await workCalendarForPath(t.db, GZ, '2026-10-01', '2026-10-31'))).toBe(true);
    expect(isWorkingDay('2026-10-07', await workCalendarForPath(t.db, HZ, '2026-10-01', '2026-10-31'))).toBe(false);
    const page = await calendarPage(t.db, t.regulators.gd, { year: 2026 });
    const oct7 = page.entries.filter((e) => e.day === '2026-10-07');
    expect(oct7.map((e) => [e.regionCode, e.kind, e.applies, e.editable])).toEqual([
      [null, 'holiday', false, false],
      ['440000', 'workday', true, true],
    ]);
    expect((await listAudit(t.db, { action: 'calendar.add', limit: 1 }))[0]).toMatchObject({ action: 'calendar.add', actorEmail: 'regulator.gd@demo.labqc', entityId: String(row.id) });
    await removeCalendarEntry(t.db, t.regulators.gd, { id: row.id }, { now: NOW });
    expect(isWorkingDay('2026-10-07', await workCalendarForPath(t.db, GZ, '2026-10-01', '2026-10-31'))).toBe(false);
    expect((await listAudit(t.db, { action: 'calendar.remove', limit: 1 }))[0]).toMatchObject({ action: 'calendar.remove', details: { day: '2026-10-07', kind: 'workday', regionCode: '440000' } });
  });

  it.each<[string, () => Promise<string>]>([
    ['a second entry for the same region and day → 409', async () => {
      await addCalendarEntry(t.db, t.regulators.sz, { day: '2026-07-01', kind: 'holiday', name: '深圳地方假日' }, { now: NOW });
      return await codeOf(async () => await addCalendarEntry(t.db, t.regulators.sz, { day: '2026-07-01', kind: 'workday', name: '重复' }, { now: NOW }));
    }],
    ['a province regulator changing another province → 403', async () => await codeOf(async () => await addCalendarEntry(t.db, t.regulators.gd, { regionCode: '330000', day: '2026-07-02', kind: 'holiday', name: '越权' }))],
    ['a regulator opening another province’s calendar → 403', async () => await codeOf(async () => await calendarPage(t.db, t.regulators.zj, { regionCode: '440000', year: 2026 }))],
    ['a regulator removing a national entry → 403', async () => await codeOf(async () => await removeCalendarEntry(t.db, t.regulators.gd, { id: (await calendarPage(t.db, t.admin, { year: 2026 })).entries[0].id }))],
    ['a city regulator removing the province’s entry → 403', async () => {
      const row = await addCalendarEntry(t.db, t.regulators.gd, { regionCode: '440000', day: '2026-07-03', kind: 'holiday', name: '广东地方假日' }, { now: NOW });
      return await codeOf(async () => await removeCalendarEntry(t.db, t.regulators.sz, { id: row.id }));
    }],
    ['a lab manager → 403', async () => await codeOf(async () => await calendarPage(t.db, t.labManagers.get('GZ-001')!, { year: 2026 }))],
    ['an impossible day (2026-02-30) → 422', async () => await codeOf(async () => await addCalendarEntry(t.db, t.regulators.gd, { day: '2026-02-30', kind: 'holiday', name: '无此日' }))],
    ['a year past the calendar’s (9999: its walk over the days never ended) → 422', async () => await codeOf(async () => await calendarPage(t.db, t.admin, { year: 9999 }))],
    ['a year before the calendar’s (1999) → 422', async () => await codeOf(async () => await calendarPage(t.db, t.admin, { year: 1999 }))],
    ['an unknown region → 404', async () => await codeOf(async () => await calendarPage(t.db, t.admin, { regionCode: 'NOPE', year: 2026 }))],
    ['an unknown kind → 422', async () => await codeOf(async () => await addCalendarEntry(t.db, t.regulators.gd, { day: '2026-07-06', kind: 'vacation', name: '无此类' }))],
    ['removing an entry that does not exist → 404', async () => await codeOf(async () => await removeCalendarEntry(t.db, t.admin, { id: 999999 }))],
  ])('%s', async (title, run) => {
    const expected = title.endsWith('409') ? 'conflict' : title.endsWith('403') ? 'forbidden' : title.endsWith('422') ? 'invalid' : 'not_found';
    expect(await run()).toBe(expected);
  });

  it('without a region, a regulator’s entry goes to their own region', async () => {
    const row = await addCalendarEntry(t.db, t.regulators.sz, { day: '2026-08-03', kind: 'holiday', name: '深圳地方假日' }, { now: NOW });
    expect((await calendarPage(t.db, t.regulators.sz, { year: 2026 })).entries.find((e) => e.id === row.id)).toMatchObject({ regionCode: '440300', editable: true, applies: true });
  });

  it('an administrator keeps the national calendar', async () => {
    const row = await addCalendarEntry(t.db, t.admin, { day: '2026-12-31', kind: 'holiday', name: '测试' }, { now: NOW });
    expect(row.regionId).toBeNull();
    expect(isWorkingDay('2026-12-31', await workCalendarForPath(t.db, HZ, '2026-12-01', '2026-12-31'))).toBe(false);
    await removeCalendarEntry(t.db, t.admin, { id: row.id }, { now: NOW });
  });
});

describe('IQC coverage counts the calendar’s working days', () => {
  it('IQC on every weekday but not on the make-up Saturday 2026-05-09 covers 60 of 61 working days; a provincial holiday that day makes it 60 of 60', async () => {
    await createPolicyVersion(t.db, t.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['K'], reason: 'initial list' }, { now: NOW });
    const lab = await labId(t.db, 'GZ-005');
    const K = await analyteId(t.db, 'K');
    // the 90 days before 2026-06-15 (2026-03-17 .. 2026-06-14): 64 weekdays; the calendar takes out
    // 2026-04-06, 05-01, 05-04, 05-05 and adds 05-09: 61 working days (hand count)
    const weekdays: string[] = [];
    for (let i = 90; i >= 1; i--) {
      const d = addDays(TODAY, -i);
      if ([1, 2, 3, 4, 5].includes(new Date(`${d}T00:00:00Z`).getUTCDay())) weekdays.push(d);
    }
    expect(weekdays).toHaveLength(64);
    await addIqc(t.db, lab, K, { days: weekdays });
    await addEqa(t.db, lab, K, ['S', 'S']);
    const coverage = async () => {
      await computeEligibility(t.db, { labIds: [lab], now: NOW });
      return ((await findEligibility(t.db, lab, K))!.criteria as CriterionLine[]).find((l) => l.key === 'iqcCoverage')!.figure;
    };
    expect(await coverage()).toBe(98.4); // 100·60/61 = 98.36
    // the regional overview counts the same working days: May 2026 has 21 weekdays, 19 working days
    // (1, 4, 5 off; Saturday 9 worked); the lab covered the 18 weekdays that were working days
    const may = async () => (await regionalOverview(t.db, t.regulators.gd, {}, { now: NOW, months: 4 })).iqc.find((m) => m.month === '2026-05');
    expect(await may()).toEqual({ month: '2026-05', pairs: 1, coverage: 94.7 }); // 100·18/19 = 94.74
    await addCalendarEntry(t.db, t.regulators.gd, { regionCode: '440000', day: '2026-05-09', kind: 'holiday', name: '广东调休' }, { now: NOW });
    expect(await coverage()).toBe(100);
    expect(await may()).toEqual({ month: '2026-05', pairs: 1, coverage: 100 }); // 18 of 18
  });
});
