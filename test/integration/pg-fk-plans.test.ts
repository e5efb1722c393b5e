// The foreign-key checks of a bulk write on PostgreSQL while the referenced table grows in the same
// transaction (db/pg/bulk-writer.ts, customPlansWhileSmall). Each check is a plan the connection
// caches per constraint; a generic plan made while iqc_runs was small took the index on (lab_id,
// status) with `id = $2` as a filter, so every check of an iqc_results row read all runs of the lab
// (0.5–1.5 ms a row during an IQC import), and custom plans for the whole writing transaction (~35 µs
// a check) were the way out. The keys to iqc_runs (of results, violations, corrective actions) and
// the result's key to its control lot are no longer declared on PostgreSQL: the IQC writer checks
// them set-wise once per batch (FOREIGN_KEYS_CHECKED_BY_WRITER in db/pg/differences.ts). So writing
// thousands of runs and their results runs no check against iqc_runs at all and needs no custom
// plans. The statements are read with auto_explain (nested statements, sent to this client as
// notices). PostgreSQL only (skipped without TEST_DATABASE_URL; the cluster's user must be a
// superuser to LOAD).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { analytes, controlLots, iqcResults, iqcRuns, laboratories, regions } from '@/db/pg/schema';
import { pgBulkWriter } from '@/db/pg/bulk-writer';
import { rawAll } from '@/db/dialect';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { migratedTemplate } from '@/test/support/pg-template';

describe.skipIf(!pgUrl)('bulk writes of IQC runs and results while iqc_runs grows (PostgreSQL)', () => {
  let t: PgTestDatabase;
  let db: PgDB;
  const notices: string[] = [];

  beforeAll(async () => {
    t = await createPgTestDatabase('labqc_fkplan', await migratedTemplate());
    // one connection: the cached plans of the checks belong to it
    db = openPostgres(t.url, { max: 1 });
    db.$client.on('connect', (c: pg.PoolClient) => {
      c.on('notice', (m) => notices.push(m.message ?? ''));
    });
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });

  it('no row-by-row check of a result against iqc_runs or control_lots, and no custom plans, after thousands of runs of the lab were written in the transaction', async () => {
    const now = Date.UTC(2026, 10, 1);
    const [region] = await db.insert(regions).values({ code: '990000', name: '测试', nameEn: 'Test', level: 'province', path: '/990000/', createdAt: now, updatedAt: now }).returning();
    const [analyte] = await db.insert(analytes).values({ code: 'GLU-FK', nameEn: 'Glucose', nameZh: '葡萄糖', unit: 'mmol/L', category: 'chemistry', kind: 'quantitative', teaSource: 'test', createdAt: now, updatedAt: now } as never).returning();
    const [lab] = await db.insert(laboratories).values({ code: 'LFK', name: 'LFK', level: 'secondary', regionId: region.id, createdAt: now, updatedAt: now }).returning();
    const [lot] = await db.insert(controlLots).values({ labId: lab.id, analyteId: analyte.id, level: '1', lotNumber: 'LOT', createdAt: now }).returning();

    let at = now;
    const writeRuns = async (tx: unknown, n: number) => {
      const w = pgBulkWriter(tx, iqcRuns as never, { returnIds: true });
      for (let i = 0; i < n; i++) w.add({ labId: lab.id, analyteId: analyte.id, measuredAt: (at += 60_000), status: i % 3 ? 'accepted' : 'warning', rules: [], evaluatedAt: now, source: 'csv', createdAt: now } as never);
      await w.flush();
      return w.ids;
    };
    const writeResults = async (tx: unknown, runs: number[]) => {
      const w = pgBulkWriter(tx, iqcResults as never, {});
      for (const run of runs) for (const level of ['1', '2']) w.add({ runId: run, labId: lab.id, analyteId: analyte.id, controlLotId: lot.id, level, value: run / 7, measuredAt: (at += 1000), createdAt: now } as never);
      await w.flush();
    };

    let mode = '';
    await db.transaction(async (tx) => {
      await rawAll(tx, sql`LOAD 'auto_explain'`);
      await rawAll(tx, sql`SET LOCAL auto_explain.log_min_duration = 0`);
      await rawAll(tx, sql`SET LOCAL auto_explain.log_analyze = on`);
      await rawAll(tx, sql`SET LOCAL auto_explain.log_nested_statements = on`);
      await rawAll(tx, sql`SET LOCAL auto_explain.log_level = notice`);
      await rawAll(tx, sql`SET LOCAL client_min_messages = notice`);
      // an import's first batch: 360 runs and their results
      await writeResults(tx, await writeRuns(tx, 360));
      // its later batches: thousands of runs of the lab, then results of the last ones
      for (let b = 0; b < 4; b++) await writeRuns(tx, 1000);
      await writeResults(tx, await writeRuns(tx, 50));
      mode = (await rawAll<{ mode: string }>(tx, sql`SELECT current_setting('plan_cache_mode') AS mode`))[0].mode;
    });

    // the inserts ran (auto_explain saw them) …
    expect(notices.filter((m) => /INSERT INTO "iqc_results"/.test(m)).length).toBeGreaterThanOrEqual(2);
    // … and no foreign-key check of a row against the runs or the lots
    expect(notices.filter((m) => /FROM ONLY "public"\."(iqc_runs|control_lots)" x/.test(m))).toEqual([]);
    // the statements of the transaction keep their cached plans
    expect(mode).toBe('auto');
  });
});
