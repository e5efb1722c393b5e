// Issue 11, lists that scale: the EQA rounds list and the results under an IQC chart page in SQL.
// Pages put together give the whole list in the order asked, the count is of everything that
// matches, the filter text narrows it, and the reader's scope is in the query (another lab or
// another province reads nothing). Expected values are the fixtures' own: 5 rounds opened a day
// apart (one a draft); 10 results on instrument A1 (lot GA1 on days 10..6, GA2 on days 5..1) and 10 on B2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '../support/db';
import type { PageRequest } from '@/db/queries/paging';
import { roundsPage, roundsToAct, type RoundSort } from '@/lib/services/read/eqa';
import { listRounds } from '@/lib/services/eqa/rounds';
import { chartResultsPage, type IqcResultSort } from '@/lib/services/read/iqc-results';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { instrumentCharts } from '@/lib/services/iqc/charts';
import { excludeResult } from '@/lib/services/iqc/results';
import { DAY, NOW, makeRound, makeScheme } from './eqa-support';
import { mapSeq } from '@/lib/async';

let w: Awaited<ReturnType<typeof createSeededTestDb>>;
const req = <S extends string>(sort: S, p: Partial<PageRequest<S>> = {}): PageRequest<S> => ({ page: 1, size: 50, sort, dir: 'desc', q: '', ...p });

beforeAll(async () => {
  w = await createSeededTestDb();
  // EQA: one Guangdong scheme (every Guangdong lab enrolled); rounds R1..R4 open on days -14..-11, R5 stays a draft
  await makeScheme(w, 'PG-S');
  for (let i = 1; i <= 5; i++) await makeRound(w, 'PG-S', `PG-R${i}`, ['S1', 'S2'], { opensAt: NOW - (15 - i) * DAY, closesAt: NOW + (10 + i) * DAY, open: i < 5 });
  // IQC: GZ-001's GLU on two instruments (the fixture of iqc-charts.test.ts)
  const lab = w.labManagers.get('GZ-001')!;
  const iso = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();
  for (const [lot, instrument, mean] of [['GA1', 'A1', 5], ['GA2', 'A1', 5.4], ['GB1', 'B2', 5.2]] as const) {
    await setManufacturerTarget(w.db, lab, { analyte: 'GLU', level: '1', lot, instrument, mean, sd: 0.1, effectiveFrom: iso(30) }, NOW - 30 * DAY);
  }
  const rows = [];
  for (let d = 10; d >= 1; d--) {
    rows.push({ analyte: 'GLU', level: '1', lot: d > 5 ? 'GA1' : 'GA2', instrument: 'A1', value: d > 5 ? 5.01 : 5.41, measuredAt: iso(d) });
    rows.push({ analyte: 'GLU', level: '1', lot: 'GB1', instrument: 'B2', value: 5.19, measuredAt: new Date(NOW - d * DAY + 3600_000).toISOString() });
  }
  await ingestResults(w.db, lab, { results: rows }, { source: 'manual', now: NOW });
});
afterAll(() => w.close());

describe('EQA rounds page on the server', () => {
  const codes = (p: { rows: { code: string }[] }) => p.rows.map((r) => r.code);

  it.each<[string, Partial<PageRequest<RoundSort>>, string[]]>([
    ['newest opening first by default', {}, ['PG-R5', 'PG-R4', 'PG-R3', 'PG-R2', 'PG-R1']],
    ['oldest opening first when ascending', { dir: 'asc' }, ['PG-R1', 'PG-R2', 'PG-R3', 'PG-R4', 'PG-R5']],
    ['by code', { sort: 'code', dir: 'asc' }, ['PG-R1', 'PG-R2', 'PG-R3', 'PG-R4', 'PG-R5']],
    ['by closing, latest first', { sort: 'closes' }, ['PG-R5', 'PG-R4', 'PG-R3', 'PG-R2', 'PG-R1']],
    ['the filter text finds a round code', { q: 'R3' }, ['PG-R3']],
  ])('the Guangdong regulator: %s', async (_t, p, expected) => {
    expect(codes((await roundsPage(w.db, w.regulators.gd, req('opens', p), NOW)))).toEqual(expected);
  });

  it('pages of 2 put together are the whole list, counted once', async () => {
    const pages = await Promise.all([1, 2, 3].map(async (page) => await roundsPage(w.db, w.regulators.gd, req('opens', { page, size: 2 }), NOW)));
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5]);
    expect(pages.flatMap(codes)).toEqual(['PG-R5', 'PG-R4', 'PG-R3', 'PG-R2', 'PG-R1']);
  });

  it('an enrolled lab sees the rounds but not the draft; another province sees none', async () => {
    const lab = (await roundsPage(w.db, w.labManagers.get('GZ-001')!, req('opens'), NOW));
    expect(codes(lab)).toEqual(['PG-R4', 'PG-R3', 'PG-R2', 'PG-R1']);
    expect(lab.total).toBe(4);
    expect((await roundsPage(w.db, w.regulators.zj, req('opens'), NOW)).total).toBe(0);
    expect((await roundsPage(w.db, w.labManagers.get('HZ-001')!, req('opens'), NOW)).total).toBe(0);
  });

  it('each row has its samples, and an open round past its closing time reads closed', async () => {
    const now = (await roundsPage(w.db, w.regulators.gd, req('code', { dir: 'asc', q: 'R1' }), NOW)).rows[0];
    expect(now).toMatchObject({ code: 'PG-R1', status: 'open', samples: ['S1', 'S2'], schemeCode: 'PG-S' });
    const later = (await roundsPage(w.db, w.regulators.gd, req('code', { dir: 'asc', q: 'R1' }), NOW + 12 * DAY)).rows[0];
    expect(later.status).toBe('closed');
  });
});

describe('the regulator landing counts rounds in SQL', () => {
  it.each([
    // R1..R4 close on days +11..+14: at +12 R1 and R2 have closed (R2 at that very moment)
    ['today: the four opened rounds are open, none waits', NOW, { open: 4, toEvaluate: 0 }],
    ['day +12: two still open, two wait for an evaluation', NOW + 12 * DAY, { open: 2, toEvaluate: 2 }],
    // R1..R4 open on days −14..−11: at −12 the fourth is opened but not open yet (it takes no result)
    ['day −12: three accept results, the fourth is not open yet', NOW - 12 * DAY, { open: 3, toEvaluate: 0 }],
  ] as const)('%s, as the whole list says', async (_t, now, expected) => {
    expect(await roundsToAct(w.db, w.regulators.gd, now)).toEqual(expected);
    const listed = await listRounds(w.db, w.regulators.gd, { now });
    expect({ open: listed.filter((r) => r.acceptingResults).length, toEvaluate: listed.filter((r) => r.status === 'closed').length }).toEqual(expected);
    expect(await roundsToAct(w.db, w.regulators.zj, now)).toEqual({ open: 0, toEvaluate: 0 });
  });
});

describe('the results under an IQC chart page on the server', () => {
  const chartOf = async (instrument: string) => {
    const data = await instrumentCharts(w.db, w.labManagers.get('GZ-001')!, { analyte: 'GLU' }, NOW);
    return { labId: data.labId, analyteId: data.analyte.id, instrument, from: data.from, to: data.to };
  };
  const page = async (instrument: string, p: Partial<PageRequest<IqcResultSort>> = {}, actor = w.labManagers.get('GZ-001')!) => chartResultsPage(w.db, actor, await chartOf(instrument), req('time', p));

  it('pages of 4 put together are the instrument’s 10 results, newest first', async () => {
    const pages = (await mapSeq([1, 2, 3], async (n) => await page('A1', { page: n, size: 4 })));
    expect(pages.map((p) => p.rows.length)).toEqual([4, 4, 2]);
    expect(pages.every((p) => p.total === 10)).toBe(true);
    const times = pages.flatMap((p) => p.rows.map((r) => r.measuredAt));
    expect(times).toEqual(Array.from({ length: 10 }, (_, i) => NOW - (i + 1) * DAY));
    // the newest five are lot GA2 at 5.41, the older five GA1 at 5.01
    expect(pages.flatMap((p) => p.rows.map((r) => r.lot))).toEqual([...Array(5).fill('GA2'), ...Array(5).fill('GA1')]);
  });

  it('ascending starts with the oldest; the filter text matches the lot; the other instrument is apart', async () => {
    expect((await page('A1', { dir: 'asc' })).rows[0]).toMatchObject({ measuredAt: NOW - 10 * DAY, lot: 'GA1', value: 5.01 });
    expect((await page('A1', { q: 'GA1' })).total).toBe(5);
    expect((await page('A1', { q: 'GB1' })).total).toBe(0);
    expect((await page('B2')).rows.every((r) => r.lot === 'GB1')).toBe(true);
  });

  it('an excluded result stays listed with its reason', async () => {
    const newest = (await page('B2')).rows[0];
    await excludeResult(w.db, w.labManagers.get('GZ-001')!, { resultId: newest.resultId, reason: 'bubble in the cuvette' }, NOW);
    expect((await page('B2')).rows[0]).toMatchObject({ resultId: newest.resultId, excluded: true, excludedReason: 'bubble in the cuvette' });
    expect((await page('B2')).total).toBe(10);
  });

  it('the scope is in the query: the province’s regulator reads them, another lab and another province nothing', async () => {
    expect((await page('A1', {}, w.regulators.gd)).total).toBe(10);
    expect((await page('A1', {}, w.labManagers.get('GZ-002')!)).total).toBe(0);
    expect((await page('A1', {}, w.regulators.zj)).total).toBe(0);
  });
});
