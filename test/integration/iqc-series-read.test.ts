// The IQC ingest reads a series' own stored rows: its results by the series' control lots (a lot
// belongs to one instrument), its runs by the series index (lab, item, instrument, time). That is
// SQLite's ingest statements (db/queries/iqc-ingest.ts: regionResults, contextValues, hasContext),
// SQLite's daily refresh (db/queries/daily-iqc-refresh.ts) and PostgreSQL's batch prefetch and daily
// refresh (regionResultsSql, storedDaysSql), and one instrument's Levey-Jennings chart (chartPoints,
// db/queries/iqc.ts). A back-dated post to a quiet instrument reads that
// instrument's rows only; before, it read every later result of the item on all the lab's
// instruments and dropped them by run (97,069 rows and 120–210 ms for a post of two results on the
// PostgreSQL demo). The rows read are the rows the old read kept, and the post is judged as
// before. Both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import type { Actor } from '@/lib/auth/core';
import { createSeededTestDb, sqlRows, testBackend } from '../support/db';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { iqcStatements } from '@/db/queries/iqc-ingest';
import { dailyRefreshStatements } from '@/db/queries/daily-iqc-refresh';
import { actionsOfResultsInRange, chartPoints, chartPointsQuery, violationsOfResultsInRange } from '@/db/queries/iqc';
import { sqlitePlans } from '../support/sqlite-plans';
import { chartResultsPage } from '@/lib/services/read/iqc-results';
import { regionResultsSql } from '@/db/pg/iqc-ingest-prefetch';
import { storedDaysSql } from '@/db/pg/daily-iqc-refresh';
import { dayOf } from '@/lib/calendar';
import { ensureMonthlyPartitions } from '@/db/pg/partitions';
import type { Pool } from 'pg';
import { rawAll } from '@/db/dialect';
import type { DB } from '@/db/client';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 2, 1, 1, 0);
const NOW = Date.UTC(2026, 10, 25, 4, 0);
const WINDOW = 30 * 60_000;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let gz: Actor;
let labId: number;
let kId: number;

const daily = (instrument: string, days: number, from = 0) =>
  Array.from({ length: days }, (_, d) =>
    ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, value: level === '1' ? 3.8 + ((d % 5) - 2) * 0.03 : 6.2 + ((d % 3) - 1) * 0.05, measuredAt: D0 + (from + d) * DAY, instrument })),
  ).flat();

/** the old read: the item's current results from `from` on every instrument, kept by their run's instrument */
const keptByRun = (db: DB, instrument: string, from: number) =>
  sqlRows<{ id: number }>(
    db,
    `SELECT r.id FROM iqc_results r JOIN iqc_runs u ON u.id = r.run_id
     WHERE r.lab_id = ? AND r.analyte_id = ? AND r.measured_at >= ? AND r.current = true AND u.instrument = ? ORDER BY r.id`,
    labId,
    kId,
    from,
    instrument,
  );

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** The plan of a statement run with EXPLAIN ANALYZE (PostgreSQL). */
async function explainAnalyze(db: unknown, q: SQL): Promise<PlanNode> {
  const [row] = await rawAll<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(db, sql`EXPLAIN (ANALYZE, FORMAT JSON) ${q}`);
  const raw = row['QUERY PLAN'];
  return ((typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }])[0].Plan;
}

/** The iqc_results rows a plan read: returned by its scans of the table's partitions, or read and
 * dropped by their filters. */
function iqcResultsRead(plan: PlanNode): number {
  let read = 0;
  const walk = (n: PlanNode) => {
    if (n['Relation Name']?.startsWith('iqc_results')) read += Math.round((n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1)) + (n['Rows Removed by Filter'] ?? 0);
    n.Plans?.forEach(walk);
  };
  walk(plan);
  return read;
}

/** The iqc_results partitions a statement's plan names (EXPLAIN without ANALYZE: the months the
 * planner kept; a month left out only when the plan runs is still named). */
async function plannedMonths(db: unknown, q: SQL): Promise<string[]> {
  const [row] = await rawAll<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(db, sql`EXPLAIN (FORMAT JSON) ${q}`);
  const raw = row['QUERY PLAN'];
  const out = new Set<string>();
  const walk = (n: PlanNode) => {
    if (n['Relation Name']?.startsWith('iqc_results')) out.add(n['Relation Name']);
    n.Plans?.forEach(walk);
  };
  walk(((typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }])[0].Plan);
  return [...out].sort();
}

/** SQLite: the statements a call ran, with their parameters (to explain their plans). */
async function statementsRun(call: () => Promise<unknown>): Promise<{ text: string; args: unknown[] }[]> {
  const client = t.db.$client;
  const prepare = client.prepare;
  const ran: { text: string; args: unknown[] }[] = [];
  client.prepare = ((text: string) => {
    const st = prepare.call(client, text) as unknown as Record<'all' | 'get' | 'run', (...a: unknown[]) => unknown>;
    for (const m of ['all', 'get', 'run'] as const) {
      const run = st[m].bind(st);
      st[m] = (...args: unknown[]) => (ran.push({ text, args }), run(...args));
    }
    return st;
  }) as typeof client.prepare;
  try {
    await call();
  } finally {
    client.prepare = prepare;
  }
  return ran;
}

beforeAll(async () => {
  t = await createSeededTestDb();
  // PostgreSQL: the months of the data (January to July 2026) as partitions of their own
  if (testBackend === 'pg') await ensureMonthlyPartitions((t.db as unknown as { $client: Pool }).$client, { year: 2026, month: 1 }, 7);
  gz = t.labManagers.get('GZ-001')!;
  labId = gz.labId!;
  kId = Number((await sqlRows<{ id: number }>(t.db, `SELECT id FROM analytes WHERE code = 'K'`))[0].id);
  for (const instrument of ['BUSY', 'QUIET'])
    for (const [level, mean] of [['1', 3.8], ['2', 6.2]] as const)
      await setManufacturerTarget(t.db, gz, { analyte: 'K', level, lot: `K${level}-${instrument}`, instrument, mean, sd: mean * 0.02, effectiveFrom: D0 - DAY }, D0 - DAY);
  // a busy instrument with 120 days of K, a quiet one with the first 5
  expect((await ingestResults(t.db, gz, { results: daily('BUSY', 120) }, { source: 'api', now: NOW })).inserted).toBe(240);
  expect((await ingestResults(t.db, gz, { results: daily('QUIET', 5) }, { source: 'api', now: NOW })).inserted).toBe(10);
});
afterAll(async () => {
  await t.close();
});

describe('the ingest reads a series by its control lots', () => {
  const from = D0 + 2 * DAY - WINDOW;

  it('returns the rows the read by run kept: the quiet instrument’s results from day 2 on', async () => {
    const kept = (await keptByRun(t.db, 'QUIET', from)).map((r) => Number(r.id));
    expect(kept).toHaveLength(6);
    let read: number[];
    if (testBackend === 'pg') read = (await rawAll<{ id: number }>(t.db, regionResultsSql(labId, [{ analyteId: kId, instrument: 'QUIET', from }]))).map((r) => Number(r.id));
    else read = (await iqcStatements(t.db)).regionResults.all(labId, kId, from, 'QUIET').map((r) => r.id);
    expect(read.sort((a, b) => a - b)).toEqual(kept);
    // and the busy one's from day 100 on, for the other direction
    const busyFrom = D0 + 100 * DAY - WINDOW;
    const busyKept = (await keptByRun(t.db, 'BUSY', busyFrom)).map((r) => Number(r.id));
    expect(busyKept).toHaveLength(40);
    if (testBackend === 'pg') read = (await rawAll<{ id: number }>(t.db, regionResultsSql(labId, [{ analyteId: kId, instrument: 'BUSY', from: busyFrom }]))).map((r) => Number(r.id));
    else read = (await iqcStatements(t.db)).regionResults.all(labId, kId, busyFrom, 'BUSY').map((r) => r.id);
    expect(read.sort((a, b) => a - b)).toEqual(busyKept);
  });

  it.skipIf(testBackend !== 'sqlite')('SQLite: the statements seek the series’ own rows: results by (lot, time), runs by (lab, item, instrument, time)', async () => {
    const planOf = (statement: unknown, ...params: unknown[]) =>
      (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${(statement as { source: string }).source}`).all(...params) as { detail: string }[]).map((p) => p.detail);
    const s = await iqcStatements(t.db);
    const daily = dailyRefreshStatements(t.db);
    const range = { lab: labId, analyte: kId, instrument: 'QUIET', from: D0 + 2 * DAY, to: D0 + 3 * DAY };
    const plans = {
      regionResults: planOf(s.regionResults, labId, kId, from, 'QUIET'),
      dailyResults: planOf(daily.results, range),
      contextValues: planOf(s.contextValues, labId, kId, 'QUIET', from, 64, 0),
      hasContext: planOf(s.hasContext, labId, kId, 'QUIET', from),
      dailyRuns: planOf(daily.runs, range),
    };
    for (const p of [plans.regionResults, plans.dailyResults]) {
      expect(p.some((d) => /SEARCH (r|res) USING INDEX iqc_results_lot_time_idx \(control_lot_id=\? AND measured_at>\?/.test(d))).toBe(true);
      expect(p.some((d) => /iqc_results_lab_analyte_time_idx/.test(d))).toBe(false);
    }
    for (const p of [plans.contextValues, plans.hasContext, plans.dailyRuns]) {
      expect(p.some((d) => /iqc_runs_series_time_idx \(lab_id=\? AND analyte_id=\? AND instrument=\? AND measured_at[<>]\?/.test(d))).toBe(true);
      expect(p.some((d) => /iqc_runs_lab_analyte_time_idx/.test(d))).toBe(false);
    }
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: EXPLAIN ANALYZE reads the quiet instrument’s 6 results, not the busy one’s', async () => {
    expect(iqcResultsRead(await explainAnalyze(t.db, regionResultsSql(labId, [{ analyteId: kId, instrument: 'QUIET', from }])))).toBe(6);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: the daily refresh of a stored day reads the quiet instrument’s results of that day only', async () => {
    const day = dayOf(D0 + 2 * DAY);
    const { series, lots } = storedDaysSql(labId, [{ analyteId: kId, instrument: 'QUIET', day }]);
    const reads: number[] = [];
    // EXPLAIN ANALYZE runs the inserts: in a transaction rolled back
    await expect(
      (t.db as unknown as { transaction: (f: (tx: unknown) => Promise<void>) => Promise<void> }).transaction(async (tx) => {
        // the day's rows go first, as the refresh deletes them before summing them again
        await rawAll(tx, sql`DELETE FROM iqc_daily_series WHERE lab_id = ${labId} AND analyte_id = ${kId} AND instrument = 'QUIET' AND day = ${day}`);
        await rawAll(tx, sql`DELETE FROM iqc_daily_lots WHERE lab_id = ${labId} AND analyte_id = ${kId} AND day = ${day} AND control_lot_id IN (SELECT id FROM control_lots WHERE lab_id = ${labId} AND instrument = 'QUIET')`);
        for (const q of [series, lots]) reads.push(iqcResultsRead(await explainAnalyze(tx, q)));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // the day's two results of the quiet instrument (the busy one's two are not read)
    expect(reads).toEqual([2, 2]);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: the planner leaves out the months before the series’ read (plain time bounds beside the per-series ones)', async () => {
    const region = await plannedMonths(t.db, regionResultsSql(labId, [{ analyteId: kId, instrument: 'QUIET', from }]));
    expect(region).toContain('iqc_results_y2026m03');
    expect(region.filter((m) => /y2026m0[12]$/.test(m))).toEqual([]);
    const { series, lots } = storedDaysSql(labId, [{ analyteId: kId, instrument: 'QUIET', day: dayOf(D0 + 2 * DAY) }]);
    for (const q of [series, lots]) expect(await plannedMonths(t.db, q)).toEqual(['iqc_results_y2026m03']);
  });

  it('one instrument’s Levey-Jennings chart reads its results through its control lots', async () => {
    const [lo, hi] = [D0, D0 + 120 * DAY];
    for (const instrument of ['QUIET', 'BUSY']) {
      const kept = (await keptByRun(t.db, instrument, lo)).map((r) => Number(r.id));
      const points = await chartPoints(t.db, labId, kId, lo, hi, instrument);
      expect(points.map((p) => Number(p.id)).sort((a, b) => a - b)).toEqual(kept);
      expect(new Set(points.map((p) => p.instrument))).toEqual(new Set([instrument]));
    }
    // without an instrument: every instrument's
    expect(await chartPoints(t.db, labId, kId, lo, hi)).toHaveLength(250);
    const q = chartPointsQuery(t.db, labId, kId, lo, hi, 'QUIET').toSQL();
    if (testBackend === 'sqlite') {
      const plan = (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((p) => p.detail);
      expect(plan.some((d) => /SEARCH iqc_results USING INDEX iqc_results_lot_time_idx \(control_lot_id=\? AND measured_at>\? AND measured_at<\?\)/.test(d))).toBe(true);
    } else {
      const { rows } = await (t.db.$client as unknown as Pool).query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.params);
      // the quiet instrument's 10 results, not the busy one's 240 as well
      expect(iqcResultsRead(rows[0]['QUERY PLAN'][0].Plan)).toBe(10);
    }
  });

  it.skipIf(testBackend !== 'sqlite')('the chart’s rules and corrective actions are read by index, through the runs of its results', async () => {
    const plans = await sqlitePlans(t.db, /iqc_violations|corrective_actions/, () => violationsOfResultsInRange(t.db, labId, D0, D0 + 120 * DAY, kId).then(() => actionsOfResultsInRange(t.db, labId, kId, D0, D0 + 120 * DAY)));
    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      expect(plan.filter((d) => /^SCAN /.test(d) && !/USING COVERING INDEX/.test(d)), plan.join('\n')).toEqual([]);
      // by run, not every violation or action the lab ever had by the lab's index
      expect(plan[0], plan.join('\n')).toMatch(/^SEARCH (iqc_violations|corrective_actions) USING INDEX (iqc_violations_run_idx|corrective_actions_run_uq) \(run_id=\?\)/);
      expect(plan.some((d) => /iqc_results USING (COVERING )?INDEX iqc_results_lab_analyte_time_idx/.test(d)), plan.join('\n')).toBe(true);
    }
  });

  it('the paged results under one instrument’s chart are its own, counted and ordered as before', async () => {
    const [lo, hi] = [D0, D0 + 120 * DAY];
    for (const instrument of ['QUIET', 'BUSY']) {
      const kept = (await keptByRun(t.db, instrument, lo)).map((r) => Number(r.id));
      const first = await chartResultsPage(t.db, gz, { labId, analyteId: kId, instrument, from: lo, to: hi }, { page: 1, size: 25, sort: 'time', dir: 'desc', q: '' });
      expect(first.total).toBe(kept.length);
      expect(first.rows.length).toBe(Math.min(25, kept.length));
      const times = first.rows.map((r) => Number(r.measuredAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      for (const r of first.rows) expect(kept).toContain(Number(r.resultId));
    }
  });

  it.skipIf(testBackend !== 'sqlite')('SQLite: the page and its count seek the instrument’s lots, also with the lab manager’s scope on the lab', async () => {
    const ran = await statementsRun(() => chartResultsPage(t.db, gz, { labId, analyteId: kId, instrument: 'QUIET', from: D0, to: D0 + 120 * DAY }, { page: 1, size: 25, sort: 'time', dir: 'desc', q: '' }));
    const onResults = ran.filter((r) => /from "iqc_results"/i.test(r.text));
    expect(onResults).toHaveLength(2);
    for (const r of onResults) {
      const plan = (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${r.text}`).all(...r.args) as { detail: string }[]).map((p) => p.detail);
      // by (lot, time): the lot index, or the unique index of current results that starts with them
      expect(plan.some((d) => /SEARCH iqc_results USING (COVERING )?INDEX iqc_results_(lot_time_idx|dedup_uq) \(control_lot_id=\? AND measured_at>\? AND measured_at<\?\)/.test(d))).toBe(true);
      expect(plan.some((d) => /iqc_results_lab_analyte_time_idx/.test(d))).toBe(false);
    }
  });

  it('a back-dated post to the quiet instrument is judged, and the busy instrument’s runs are left as they were', async () => {
    const busyBefore = await sqlRows<{ id: number; status: string; evaluated_at: number }>(t.db, `SELECT id, status, evaluated_at FROM iqc_runs WHERE lab_id = ? AND instrument = 'BUSY' ORDER BY id`, labId);
    const later = NOW + DAY;
    const out = await ingestResults(
      t.db,
      gz,
      { results: ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-QUIET`, value: level === '1' ? 3.8 : 6.2, measuredAt: D0 + 2 * DAY + 3 * 3_600_000, instrument: 'QUIET' })) },
      { source: 'api', now: later },
    );
    expect(out.inserted).toBe(2);
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({ instrument: 'QUIET', status: 'accepted' });
    const busyAfter = await sqlRows<{ id: number; status: string; evaluated_at: number }>(t.db, `SELECT id, status, evaluated_at FROM iqc_runs WHERE lab_id = ? AND instrument = 'BUSY' ORDER BY id`, labId);
    expect(busyAfter.map((r) => [Number(r.id), r.status, Number(r.evaluated_at)])).toEqual(busyBefore.map((r) => [Number(r.id), r.status, Number(r.evaluated_at)]));
    // the quiet instrument: 5 days and the new run, its later runs judged again with it in their history
    const quiet = await sqlRows<{ n: number; latest: number }>(t.db, `SELECT count(*) AS n, max(evaluated_at) AS latest FROM iqc_runs WHERE lab_id = ? AND instrument = 'QUIET'`, labId);
    expect(Number(quiet[0].n)).toBe(6);
    expect(Number(quiet[0].latest)).toBe(later);
  });
});
