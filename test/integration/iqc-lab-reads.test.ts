// The lab-wide IQC reads behind the targets page, the monthly review and the LIS API's lot list stay
// bounded by what they show, however long a lab has run:
// - the rule-set choice of each series (ruleChoicesAt: the rules page and the monthly review) looks
//   for its latest judged run only in series with a target on one of their lots. A series without
//   any (a lot used for months without targets) made it walk back through every one of its runs,
//   all unjudged, to find none: 220 ms for both pages on the SQLite demo, whose lab has series of
//   100,000 such runs;
// - the LIS API's lot list and the entry grid no longer count each lot's current results (walking
//   the lot's index entries, 1.8 million on the demo lab: 75 ms on SQLite, 170–320 ms on
//   PostgreSQL); the targets page shows each lot's in-control results and days instead, summed from
//   the daily figures (what a baseline rests on, so its button shows exactly when one can be
//   established: before, it showed on 20 current results, rejected and excluded ones included), and
//   lists the lots once for the table and the new-lot proposals, where it listed and counted twice;
// - the targets page's lots come a page at a time (a lab adds lots every month, for years), with
//   the figures and new-lot proposals read for that page's lots only.
// Both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import type { Actor } from '@/lib/auth/core';
import { createSeededTestDb, sqlRows, testBackend } from '../support/db';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { lotTargetsPage, newLotProposals, setManufacturerTarget } from '@/lib/services/iqc/targets';
import { ruleChoicesAt } from '@/lib/services/iqc/rules';
import { lotsForApi } from '@/lib/services/iqc/api-reads';
import { correctResult, excludeResult } from '@/lib/services/iqc/results';
import { baselineValues } from '@/db/queries/iqc';
import { dayOf } from '@/lib/calendar';
import { MIN_BASELINE_POINTS } from '@/lib/stats';
import { latestJudgedRunLevels, latestJudgedRunLevelsSql } from '@/db/queries/iqc-sigma';
import { rawAll } from '@/db/dialect';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const D0 = Date.UTC(2026, 4, 1, 1, 0);
const NOW = Date.UTC(2026, 10, 25, 4, 0);
/** runs of the untargeted series (one a day would need years: several a day, a run window apart) */
const UNTARGETED_RUNS = 240;

/** every lot on one page */
const ALL = { page: 1, size: 200, sort: 'analyte' as const, dir: 'asc' as const, q: '' };

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let gz: Actor;
let labId: number;

/** a run of both levels, the i-th of its series: within 1 SD of the targets, around them (no rule fires) */
const levels = (analyte: string, instrument: string, at: number, lot = (level: string) => `${analyte}${level}-${instrument}`, i = Math.round(at / HOUR)) =>
  ['1', '2'].map((level) => ({ analyte, level, lot: lot(level), value: level === '1' ? 3.8 + ((i % 3) - 1) * 0.03 : 6.2 - ((i % 3) - 1) * 0.05, measuredAt: at, instrument }));

/** the read before: each of the lab's series' latest judged run, looked for in every series */
const everySeriesLatest = (before: number) => sql`
  WITH latest AS (
    SELECT (SELECT x.id FROM iqc_runs x WHERE x.lab_id = ${labId} AND x.analyte_id = g.analyte_id AND x.instrument = g.instrument
              AND x.measured_at < ${before} AND x.status <> 'no_target' ORDER BY x.measured_at DESC, x.id DESC LIMIT 1) AS id
    FROM (SELECT DISTINCT analyte_id, instrument FROM control_lots WHERE lab_id = ${labId}) g
  )
  SELECT u.id AS "runId", r.level, r.control_lot_id AS "controlLotId", t.id AS "targetId"
  FROM latest JOIN iqc_runs u ON u.id = latest.id
  JOIN iqc_results r ON r.run_id = u.id AND r.current = ${testBackend === 'pg' ? sql`true` : sql`1`} AND r.excluded = ${testBackend === 'pg' ? sql`false` : sql`0`}
  JOIN qc_targets t ON t.id = r.target_id
  ORDER BY u.analyte_id, u.instrument, r.level`;

interface PlanNode {
  'Relation Name'?: string;
  Alias?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** PostgreSQL: the iqc_runs rows a statement's search for each series' latest judged run (alias x)
 * read, returned or dropped by its filter, from EXPLAIN ANALYZE. */
async function latestRunSearchRead(q: SQL): Promise<number> {
  const [row] = await rawAll<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(t.db, sql`EXPLAIN (ANALYZE, FORMAT JSON) ${q}`);
  const raw = row['QUERY PLAN'];
  let read = 0;
  const walk = (n: PlanNode) => {
    if (n['Relation Name'] === 'iqc_runs' && n.Alias === 'x') read += Math.round((n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1)) + Math.round((n['Rows Removed by Filter'] ?? 0) * (n['Actual Loops'] ?? 1));
    n.Plans?.forEach(walk);
  };
  walk(((typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }])[0].Plan);
  return read;
}

beforeAll(async () => {
  t = await createSeededTestDb();
  gz = t.labManagers.get('GZ-001')!;
  labId = gz.labId!;
  // K on AU-T: targets from before its first run, 20 days of runs, each judged
  for (const [level, mean] of [['1', 3.8], ['2', 6.2]] as const)
    await setManufacturerTarget(t.db, gz, { analyte: 'K', level, lot: `K${level}-AU-T`, instrument: 'AU-T', mean, sd: mean * 0.02, effectiveFrom: D0 - DAY }, D0 - DAY);
  const judged = Array.from({ length: 20 }, (_, d) => levels('K', 'AU-T', D0 + d * DAY, undefined, d)).flat();
  expect((await ingestResults(t.db, gz, { results: judged }, { source: 'api', now: NOW })).inserted).toBe(40);
  // K on AU-U: lots without targets, measured after AU-T's last run, many runs, none judged
  const untargeted = Array.from({ length: UNTARGETED_RUNS }, (_, i) => levels('K', 'AU-U', D0 + 30 * DAY + i * 2 * HOUR)).flat();
  expect((await ingestResults(t.db, gz, { results: untargeted }, { source: 'api', now: NOW })).inserted).toBe(2 * UNTARGETED_RUNS);
  // Na on AU-T: one lot with the lab's own target, a new lot without (a new-lot proposal): the
  // series still has a target
  await setManufacturerTarget(t.db, gz, { analyte: 'NA', level: '1', lot: 'NA1-OLD', instrument: 'AU-T', mean: 140, sd: 1.5, effectiveFrom: D0 - DAY, source: 'lab_baseline' }, D0 - DAY);
  const na = (lot: string, from: number, days: number) =>
    Array.from({ length: days }, (_, d) => ({ analyte: 'NA', level: '1', lot, value: 140 + (d % 3) - 1, measuredAt: from + d * DAY, instrument: 'AU-T' }));
  expect((await ingestResults(t.db, gz, { results: [...na('NA1-OLD', D0, 10), ...na('NA1-NEW', D0 + 10 * DAY, 5)] }, { source: 'api', now: NOW })).inserted).toBe(15);
});
afterAll(async () => {
  await t.close();
});

describe('the rule-set choice of each series', () => {
  it('has the rows of the read that looked in every series: the targeted series’ latest judged runs, none for the untargeted one', async () => {
    for (const before of [NOW, D0 + 35 * DAY, D0 + 12 * DAY, D0]) {
      const rows = await latestJudgedRunLevels(t.db, labId, before);
      const reference = await rawAll<{ runId: number; level: string; controlLotId: number; targetId: number }>(t.db, everySeriesLatest(before));
      expect(rows.map((r) => [Number(r.runId), r.level, Number(r.controlLotId), Number(r.targetId)])).toEqual(reference.map((r) => [Number(r.runId), r.level, Number(r.controlLotId), Number(r.targetId)]));
    }
    const choices = await ruleChoicesAt(t.db, labId, NOW + 1, NOW);
    expect(choices.map((c) => `${c.analyte}|${c.instrument}`)).toEqual(['K|AU-T', 'NA|AU-T']);
    const k = choices.find((c) => c.analyte === 'K')!;
    expect(k.runAt).toBe(D0 + 19 * DAY);
    expect(k.levels.map((l) => l.lot)).toEqual(['K1-AU-T', 'K2-AU-T']);
    // the latest judged Na run is of the lot with the target (the new lot's runs are not judged)
    expect(choices.find((c) => c.analyte === 'NA')!.runAt).toBe(D0 + 9 * DAY);
  });

  it('a series that gets a target is looked at from then on', async () => {
    const local = await createSeededTestDb();
    try {
      const m = local.labManagers.get('GZ-001')!;
      const lab = m.labId!;
      await ingestResults(local.db, m, { results: Array.from({ length: 5 }, (_, d) => levels('K', 'AU-U', D0 + d * DAY)).flat() }, { source: 'api', now: NOW });
      expect(await ruleChoicesAt(local.db, lab, NOW + 1, NOW)).toEqual([]);
      for (const [level, mean] of [['1', 3.8], ['2', 6.2]] as const)
        await setManufacturerTarget(local.db, m, { analyte: 'K', level, lot: `K${level}-AU-U`, instrument: 'AU-U', mean, sd: mean * 0.02, effectiveFrom: D0 + 10 * DAY }, D0 + 10 * DAY);
      await ingestResults(local.db, m, { results: levels('K', 'AU-U', D0 + 11 * DAY) }, { source: 'api', now: NOW });
      const choices = await ruleChoicesAt(local.db, lab, NOW + 1, NOW);
      expect(choices.map((c) => [c.analyte, c.instrument, c.runAt])).toEqual([['K', 'AU-U', D0 + 11 * DAY]]);
    } finally {
      await local.close();
    }
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: EXPLAIN ANALYZE: the search reads the targeted series’ runs, not the untargeted one’s', async () => {
    // with statistics, as a database in use has them (unanalysed, the planner walks the lab's runs by time)
    await rawAll(t.db, sql`ANALYZE iqc_runs`);
    await rawAll(t.db, sql`ANALYZE control_lots`);
    await rawAll(t.db, sql`ANALYZE qc_targets`);
    // before, the untargeted series' runs were each read and dropped (status no_target)
    expect(await latestRunSearchRead(everySeriesLatest(NOW))).toBeGreaterThanOrEqual(UNTARGETED_RUNS);
    // now only the targeted series' last runs: K's latest, Na's back over its new lot's 5 unjudged runs
    expect(await latestRunSearchRead(latestJudgedRunLevelsSql(labId, NOW))).toBeLessThan(30);
  });
});

describe('lot lists', () => {
  it('the targets page shows each lot’s in-control results and days, what a baseline rests on, and offers the baseline exactly when it has enough', async () => {
    const lotResult = async (lot: string, nth: number) =>
      Number((await sqlRows<{ id: number }>(t.db, `SELECT r.id FROM iqc_results r JOIN control_lots l ON l.id = r.control_lot_id WHERE l.lot_number = ? AND r.current = ${testBackend === 'pg' ? 'true' : '1'} ORDER BY r.measured_at LIMIT 1 OFFSET ?`, lot, nth))[0].id);
    // a corrected result is counted once (its current version); an excluded one is not counted
    await correctResult(t.db, gz, { resultId: await lotResult('K1-AU-T', 0), value: 3.81, reason: 'transcription' }, NOW);
    await excludeResult(t.db, gz, { resultId: await lotResult('K1-AU-T', 5), reason: 'clot' }, NOW);
    const view = await lotTargetsPage(t.db, gz, {}, ALL, NOW);
    expect(view.total).toBe(view.rows.length);
    for (const l of view.rows) {
      const values = await baselineValues(t.db, l.id);
      expect([l.lot, l.inControl, l.inControlDays]).toEqual([l.lot, values.length, new Set(values.map((v) => dayOf(Number(v.measuredAt)))).size]);
      expect(l.baselineReady).toBe(values.length >= MIN_BASELINE_POINTS && l.inControlDays >= MIN_BASELINE_POINTS);
    }
    const byLot = new Map(view.rows.map((l) => [l.lot, l]));
    expect(byLot.get('K1-AU-T')).toMatchObject({ inControl: 19, inControlDays: 19, baselineReady: false });
    expect(byLot.get('K2-AU-T')).toMatchObject({ inControl: 20, inControlDays: 20, baselineReady: true });
    // unjudged runs are not rejected: 240 results, 12 a day from 09:00 in the lab's calendar (UTC+8),
    // so on 21 of its days
    expect(byLot.get('K1-AU-U')).toMatchObject({ inControl: UNTARGETED_RUNS, inControlDays: 21, baselineReady: true });
    expect(byLot.get('NA1-NEW')).toMatchObject({ inControl: 5, inControlDays: 5, baselineReady: false });
    expect(view.rows.flatMap((l) => (l.proposal ? [l.proposal] : []))).toEqual(await newLotProposals(t.db, gz, {}, NOW));
    expect(byLot.get('NA1-NEW')!.proposal).toMatchObject({ previous: { lot: 'NA1-OLD' }, days: 5, needed: 10, targets: null });
    // the listing the page shares with the API: the same lots, targets and latest results
    const api = await lotsForApi(t.db, gz, {}, NOW);
    expect(api.map((l) => `${l.analyte}|${l.instrument ?? ''}|${l.level}|${l.lot}|${l.mean}`).sort()).toEqual(view.rows.map((l) => `${l.analyte}|${l.instrument}|${l.level}|${l.lot}|${l.mean}`).sort());
    expect(byLot.get('K1-AU-U')!.lastAt).toBe(D0 + 30 * DAY + (UNTARGETED_RUNS - 1) * 2 * HOUR);
  });

  it('a rejected run’s results are not in control', async () => {
    const local = await createSeededTestDb();
    try {
      const m = local.labManagers.get('GZ-001')!;
      for (const [level, mean] of [['1', 3.8], ['2', 6.2]] as const)
        await setManufacturerTarget(local.db, m, { analyte: 'K', level, lot: `K${level}-AU-R`, instrument: 'AU-R', mean, sd: 0.05, effectiveFrom: D0 - DAY }, D0 - DAY);
      const days = Array.from({ length: 3 }, (_, d) => levels('K', 'AU-R', D0 + d * DAY, undefined, d)).flat();
      // day 4: both levels 4 SD high, a 1-3s rejection
      const bad = ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-AU-R`, value: (level === '1' ? 3.8 : 6.2) + 0.2, measuredAt: D0 + 3 * DAY, instrument: 'AU-R' }));
      await ingestResults(local.db, m, { results: [...days, ...bad] }, { source: 'api', now: NOW });
      expect((await sqlRows<{ status: string }>(local.db, `SELECT status FROM iqc_runs WHERE instrument = 'AU-R' ORDER BY measured_at`)).map((r) => r.status).at(-1)).toBe('rejected');
      const lots = (await lotTargetsPage(local.db, m, {}, ALL, NOW)).rows.filter((l) => l.instrument === 'AU-R');
      expect(lots.map((l) => [l.lot, l.inControl, l.inControlDays])).toEqual([
        ['K1-AU-R', 3, 3],
        ['K2-AU-R', 3, 3],
      ]);
    } finally {
      await local.close();
    }
  });

  it('the targets page’s lots come in pages, filtered by item, instrument, level or lot, each with its figures and proposal', async () => {
    const all = (await lotTargetsPage(t.db, gz, {}, ALL, NOW)).rows;
    expect(all.length).toBeGreaterThan(4);
    const paged = [];
    for (let page = 1; ; page++) {
      const p = await lotTargetsPage(t.db, gz, {}, { ...ALL, page, size: 2 }, NOW);
      expect(p.total).toBe(all.length);
      // the rule sets are set per item: every item with lots, whichever page
      expect(p.analytes).toEqual(['K', 'NA']);
      if (!p.rows.length) break;
      expect(p.rows.length).toBeLessThanOrEqual(2);
      paged.push(...p.rows);
    }
    expect(paged).toEqual(all);
    const desc = await lotTargetsPage(t.db, gz, {}, { ...ALL, dir: 'desc' }, NOW);
    expect(desc.rows.map((l) => l.id)).toEqual(all.map((l) => l.id).reverse());
    const au = await lotTargetsPage(t.db, gz, {}, { ...ALL, q: 'au-u' }, NOW);
    expect([au.total, au.rows.map((l) => l.lot)]).toEqual([2, ['K1-AU-U', 'K2-AU-U']]);
    // the new lot's proposal rests on its previous lot, which is on no page of this filter
    const fresh = await lotTargetsPage(t.db, gz, {}, { ...ALL, q: 'NA1-NEW', size: 1 }, NOW);
    expect(fresh.rows.map((l) => [l.lot, l.inControl, l.proposal?.previous.lot])).toEqual([['NA1-NEW', 5, 'NA1-OLD']]);
    expect((await lotTargetsPage(t.db, gz, {}, { ...ALL, q: 'no such lot' }, NOW))).toMatchObject({ total: 0, rows: [] });
  });

  it.skipIf(testBackend !== 'sqlite')('SQLite: the LIS API’s lot list does not count results', async () => {
    const client = t.db.$client;
    const prepare = client.prepare;
    const ran: string[] = [];
    client.prepare = ((text: string) => (ran.push(text), prepare.call(client, text))) as typeof client.prepare;
    try {
      expect((await lotsForApi(t.db, gz, {}, NOW)).length).toBeGreaterThan(0);
    } finally {
      client.prepare = prepare;
    }
    expect(ran.some((s) => /count\(\*\) FROM iqc_results/i.test(s))).toBe(false);
    expect(ran.some((s) => /control_lots/.test(s))).toBe(true);
  });
});
