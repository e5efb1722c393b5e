// Issue 14: a SQLite database copied into PostgreSQL (db/pg/copy.ts) reads back row for row the same
// through the two schemas: one row type per table, at run time too (ids, epoch-ms instants, reals,
// booleans, JSON, enums, Chinese text). PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { asc } from 'drizzle-orm';
import { getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { copySqliteToPostgres, tablesInCopyOrder } from '@/db/pg/copy';
import { controlLots, iqcResults, iqcRuns, qcTargets, signInThrottle } from '@/db/schema';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { users } from '@/db/pg/schema';
import { createSeededTestDb } from '@/test/support/db';
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { sealAuditRow, verifyAuditChain } from '@/db/queries/audit-chain';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { sqlitePlans } from '@/test/support/sqlite-plans';

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
    // keys of several columns and of text, over several pages of the copy: the daily aggregates an
    // import writes (series, lots, pairs, region days and months), sign-in throttle keys
    const results = [];
    for (const analyte of ['K', 'NA', 'CL']) for (const instrument of ['AU-1', 'AU-2']) for (let day = 0; day < 4; day++)
      for (const level of ['1', '2']) results.push({ analyte, level, lot: `${analyte}${level}-COPY`, value: 4 + Number(level), measuredAt: new Date(Date.UTC(2026, 9, 1 + day, 2)).toISOString(), instrument });
    await ingestResults(lite.db, lite.labManagers.get('GZ-001')!, { results }, { source: 'api' });
    await lite.db.insert(signInThrottle).values(['b@x', 'a@x', 'ip:10.0.0.1', 'c@x'].map((key, i) => ({ key, windowStart: i, failures: 1, lastAt: i })));
    t = await createPgTestDatabase();
    pg = openPostgres(t.url, { max: 2 });
    await runPgMigrations(pg, Date.UTC(2026, 10, 29));
  });
  afterAll(async () => {
    await pg?.$client.end();
    await t?.drop();
    lite?.close();
  });

  it('copies every table and reads back equal rows (read in pages of 3 by primary key: each page a seek)', async () => {
    let report!: Awaited<ReturnType<typeof copySqliteToPostgres>>;
    const pages = await sqlitePlans(lite.db, /\) > \(/, async () => void (report = await copySqliteToPostgres(lite.db, pg, undefined, { pageSize: 3 })));
    // every page after a table's first starts where the last one ended: a seek by its primary key
    // (OFFSET read all the rows before the page again, quadratic in a table's size)
    const paged = report.tables.filter((x) => x.rows >= 3);
    expect(paged.map((x) => x.name)).toEqual(expect.arrayContaining(['iqc_daily_series', 'iqc_daily_lots', 'iqc_daily_pairs', 'sign_in_throttle', 'iqc_results']));
    expect(pages.length).toBe(paged.reduce((n, x) => n + Math.floor(x.rows / 3), 0));
    for (const plan of new Set(pages.map((p) => p.join('; ')))) expect(plan).toMatch(/^SEARCH \S+ USING (INTEGER PRIMARY KEY \(rowid>\?\)|(PRIMARY KEY|INDEX sqlite_autoindex_\w+) \(\(?[\w,]+\)?>\(?[?,]+\)?\))$/);
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
    // the planner knows the copied rows at once (not minutes later, when autovacuum gets to them)
    const analyzed = await pg.$client.query<{ name: string }>(
      `select relname as name from pg_stat_user_tables where relname in ('iqc_runs', 'iqc_results_y2026m01', 'laboratories', 'qc_targets', 'audit_log') and last_analyze is not null order by relname`,
    );
    expect(analyzed.rows.map((r) => r.name)).toEqual(['audit_log', 'iqc_results_y2026m01', 'iqc_runs', 'laboratories', 'qc_targets']);
  });

  it('new rows continue after the copied ids, and a second copy is refused', async () => {
    const maxId = Math.max(...(await pg.select({ id: users.id }).from(users)).map((u) => u.id));
    const [u] = await pg.insert(users).values({ email: 'new@pg.test', name: '新用户', passwordHash: 'x', role: 'hospital', createdAt: 1, updatedAt: 1 }).returning();
    expect(u.id).toBe(maxId + 1);
    await expect(copySqliteToPostgres(lite.db, pg)).rejects.toThrow(/already holds data \(/);
  });
});

// The hash chain covers each audit row's details as stored text; PostgreSQL keeps that text as written
// (`json`, db/pg/differences.ts JSON_KEPT_AS_WRITTEN) and the copy moves it as it is, so a province's
// chain sealed on SQLite verifies on PostgreSQL, and goes on there.
describe.skipIf(!pgUrl)('the audit chain copied into PostgreSQL', () => {
  let t: PgTestDatabase;
  let pg: PgDB;
  let lite: Awaited<ReturnType<typeof createSeededTestDb>>;
  const pgDb = () => pg as unknown as DB;
  const textOf = async (id: number) => (await pg.$client.query<{ details: string }>('select details::text as details from audit_log where id = $1', [id])).rows[0].details;
  let spacedId = 0;

  beforeAll(async () => {
    lite = await createSeededTestDb();
    // keys jsonb would reorder (by length, then bytes), nesting, Chinese text, a small number
    await insertAudit(lite.db, { action: 'test.keyOrder', details: { zeta: 1, a: { yy: 2, b: [1, 'x', null] }, 检验项目: '钾', n: 1.5e-7 } });
    // details written by another tool, spaced its own way, then sealed by the app
    lite.db.$client.prepare(`insert into audit_log (at, action, details) values (2, 'test.spaced', '{ "b" : 1,  "a": [ 2 ] }')`).run();
    spacedId = (lite.db.$client.prepare('select max(id) as id from audit_log').get() as { id: number }).id;
    await sealAuditRow(lite.db, spacedId);
    expect(await verifyAuditChain(lite.db)).toMatchObject({ ok: true });
    t = await createPgTestDatabase();
    pg = openPostgres(t.url, { max: 2 });
    await runPgMigrations(pg, Date.UTC(2026, 10, 29));
    await copySqliteToPostgres(lite.db, pg);
  });
  afterAll(async () => {
    await pg?.$client.end();
    await t?.drop();
    lite?.close();
  });

  it('verifies on PostgreSQL, every row’s details the very text SQLite sealed', async () => {
    const sqliteRows = lite.db.$client.prepare('select id, details from audit_log order by id').all() as { id: number; details: string | null }[];
    const pgRows = (await pg.$client.query<{ id: number; details: string | null }>('select id, details::text as details from audit_log order by id')).rows;
    expect(pgRows).toEqual(sqliteRows);
    expect(await textOf(spacedId)).toBe('{ "b" : 1,  "a": [ 2 ] }');
    expect(await verifyAuditChain(pgDb())).toMatchObject({ ok: true, rows: sqliteRows.length });
  });

  it('rows the app appends on PostgreSQL go on from the copied chain, hashed the same way as on SQLite', async () => {
    const before = (await verifyAuditChain(pgDb())).rows;
    await insertAudit(pgDb(), { action: 'test.afterCopy', details: { zeta: 2, a: 1 } });
    const last = (await pg.$client.query<{ id: number; at: number; details: string; prev_hash: string; hash: string }>('select id, at, details::text as details, prev_hash, hash from audit_log order by id desc limit 1')).rows[0];
    expect(last.details).toBe('{"zeta":2,"a":1}');
    const canonical = JSON.stringify([last.id, last.at, null, null, 'test.afterCopy', null, null, null, null, last.details, null]);
    expect(last.hash).toBe(createHash('sha256').update(`${last.prev_hash}\n${canonical}`).digest('hex'));
    expect(await verifyAuditChain(pgDb())).toMatchObject({ ok: true, rows: before + 1 });
  });

  it('a row sealed on PostgreSQL before migration 0010 (over the object its jsonb read back as) still verifies', async () => {
    const prev = (await pg.$client.query<{ id: number; hash: string }>('select id, hash from audit_log order by id desc limit 1')).rows[0];
    const details = '{"a": 1, "zz": [1, 2]}'; // jsonb's own spelling, as the column type change left it
    const id = prev.id + 1;
    const canonical = JSON.stringify([id, 3, null, null, 'test.legacy', null, null, null, null, JSON.parse(details), null]);
    const hash = createHash('sha256').update(`${prev.hash}\n${canonical}`).digest('hex');
    await pg.$client.query('insert into audit_log (id, at, action, details, prev_hash, hash) values ($1, 3, $2, $3, $4, $5)', [id, 'test.legacy', details, prev.hash, hash]);
    expect(await verifyAuditChain(pgDb())).toMatchObject({ ok: true });
  });

  it('a copied row whose details text is changed, even only in its spacing, is found', async () => {
    await pg.$client.query('alter table audit_log disable trigger audit_log_no_update');
    await pg.$client.query(`update audit_log set details = '{"b":1,"a":[2]}' where id = $1`, [spacedId]);
    await pg.$client.query('alter table audit_log enable trigger audit_log_no_update');
    expect((await verifyAuditChain(pgDb())).broken).toMatchObject({ id: spacedId, reason: expect.stringMatching(/altered/) });
  });
});
