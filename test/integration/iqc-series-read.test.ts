// The IQC ingest reads a series' stored results by the series' control lots (a lot belongs to one
// instrument): SQLite's regionResults statement (db/queries/iqc-ingest.ts) and PostgreSQL's batch
// prefetch (regionResultsSql, db/pg/iqc-ingest-prefetch.ts). A back-dated post to a quiet instrument
// reads that instrument's results only; before, it read every later result of the item on all the
// lab's instruments and dropped them by run (97,069 rows and 120–210 ms for a post of two results
// on the PostgreSQL demo). The rows read are the rows the old read kept, and a back-dated post is
// judged as before. Both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Actor } from '@/lib/auth/core';
import { createSeededTestDb, sqlRows, testBackend } from '../support/db';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { iqcStatements } from '@/db/queries/iqc-ingest';
import { regionResultsSql } from '@/db/pg/iqc-ingest-prefetch';
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

beforeAll(async () => {
  t = await createSeededTestDb();
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

  it.skipIf(testBackend !== 'sqlite')('SQLite: the statement seeks each lot’s results by (lot, time)', async () => {
    const s = await iqcStatements(t.db);
    const plan = t.db.$client
      .prepare(`EXPLAIN QUERY PLAN ${(s.regionResults as unknown as { source: string }).source}`)
      .all(labId, kId, from, 'QUIET') as { detail: string }[];
    const details = plan.map((p) => p.detail);
    expect(details.some((d) => /SEARCH r USING INDEX iqc_results_lot_time_idx \(control_lot_id=\? AND measured_at>\?\)/.test(d))).toBe(true);
    expect(details.some((d) => /iqc_results_lab_analyte_time_idx/.test(d))).toBe(false);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: EXPLAIN ANALYZE reads the quiet instrument’s 6 results, not the busy one’s', async () => {
    interface PlanNode {
      'Relation Name'?: string;
      'Actual Rows'?: number;
      'Actual Loops'?: number;
      'Rows Removed by Filter'?: number;
      Plans?: PlanNode[];
    }
    const [row] = await rawAll<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(
      t.db,
      sql`EXPLAIN (ANALYZE, FORMAT JSON) ${regionResultsSql(labId, [{ analyteId: kId, instrument: 'QUIET', from }])}`,
    );
    const raw = row['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
    let read = 0;
    const walk = (n: PlanNode) => {
      if (n['Relation Name']?.startsWith('iqc_results')) read += Math.round((n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1)) + (n['Rows Removed by Filter'] ?? 0);
      n.Plans?.forEach(walk);
    };
    walk(plan[0].Plan);
    expect(read).toBe(6);
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
