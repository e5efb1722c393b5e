// Issue 14: a SQLite database copied into PostgreSQL (db/pg/copy.ts) reads back row for row the same
// through the two schemas: one row type per table, at run time too (ids, epoch-ms instants, reals,
// booleans, JSON, enums, Chinese text). PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc } from 'drizzle-orm';
import { getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { copySqliteToPostgres, tablesInCopyOrder } from '@/db/pg/copy';
import { controlLots, iqcResults, iqcRuns, qcTargets } from '@/db/schema';
import { users } from '@/db/pg/schema';
import { createSeededTestDb } from '@/test/support/db';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';

describe.skipIf(!pgUrl)('copying a SQLite database into PostgreSQL', () => {
  let t: PgTestDatabase;
  let pg: PgDB;
  let lite: Awaited<ReturnType<typeof createSeededTestDb>>;

  beforeAll(async () => {
    lite = await createSeededTestDb();
    // some IQC history in two months, judged against a target: January rows go to a partition the copy creates
    const lab = (await lite.db.query.laboratories.findFirst())!;
    const analyte = (await lite.db.query.analytes.findFirst())!;
    const [lot] = await lite.db.insert(controlLots).values({ labId: lab.id, analyteId: analyte.id, level: 'L1', lotNumber: 'LOT-1', createdAt: 1 }).returning();
    const [target] = await lite.db.insert(qcTargets).values({ labId: lab.id, controlLotId: lot.id, version: 1, mean: 5, sd: 0.5, source: 'manufacturer', effectiveFrom: 0, createdAt: 1 }).returning();
    for (const at of [Date.UTC(2026, 0, 5, 8), Date.UTC(2026, 1, 9, 8)]) {
      const [run] = await lite.db.insert(iqcRuns).values({ labId: lab.id, analyteId: analyte.id, measuredAt: at, status: 'rejected', rules: ['1-3s', 'R-4s'], evaluatedAt: at, source: 'csv', createdAt: at }).returning();
      await lite.db.insert(iqcResults).values({ runId: run.id, labId: lab.id, analyteId: analyte.id, controlLotId: lot.id, level: 'L1', value: 5.123456789, targetId: target.id, z: -3.25, measuredAt: at, excluded: at % 2 === 0, createdAt: at });
    }
    t = await createPgTestDatabase();
    pg = openPostgres(t.url, { max: 2 });
    await runPgMigrations(pg, Date.UTC(2026, 10, 29));
  });
  afterAll(async () => {
    await pg?.$client.end();
    await t?.drop();
    lite?.close();
  });

  it('copies every table and reads back equal rows', async () => {
    const report = await copySqliteToPostgres(lite.db, pg);
    expect(report.tables.length).toBe(tablesInCopyOrder().length);
    expect(report.rows).toBeGreaterThan(200);
    for (const tbl of tablesInCopyOrder()) {
      const pk = sqliteConfig(tbl.sqlite).primaryKeys[0]?.columns ?? sqliteConfig(tbl.sqlite).columns.filter((c) => c.primary);
      const want = await lite.db.select().from(tbl.sqlite).orderBy(...pk.map((c) => asc(c)));
      const pgPk = pk.map((c) => (tbl.pg as unknown as Record<string, never>)[Object.entries(tbl.sqlite).find(([, v]) => v === c)![0]]);
      const got = await pg.select().from(tbl.pg).orderBy(...pgPk.map((c) => asc(c)));
      expect(got, tbl.name).toEqual(want);
    }
    const jan = await pg.$client.query<{ n: number }>('select count(*) as n from iqc_results_y2026m01');
    expect(jan.rows[0].n).toBe(1);
  });

  it('new rows continue after the copied ids, and a second copy is refused', async () => {
    const maxId = Math.max(...(await pg.select({ id: users.id }).from(users)).map((u) => u.id));
    const [u] = await pg.insert(users).values({ email: 'new@pg.test', name: '新用户', passwordHash: 'x', role: 'hospital', createdAt: 1, updatedAt: 1 }).returning();
    expect(u.id).toBe(maxId + 1);
    await expect(copySqliteToPostgres(lite.db, pg)).rejects.toThrow(/already holds data \(/);
  });
});
