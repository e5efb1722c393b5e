// Issue 14: `npm run db:migrate` on PostgreSQL applies db/migrations-pg to a fresh database: every
// table of the pg schema exists with the SQLite schema's columns, iqc_results is partitioned by
// month, and a second run changes nothing. PostgreSQL only (TEST_DATABASE_URL).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as pgSchema from '@/db/pg/schema';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { insertPgIqcBase, insertPgResults } from '@/test/support/pg-fixtures';

const tables = (Object.values(pgSchema) as unknown[])
  .filter((v): v is PgTable => v instanceof PgTable)
  .map((t) => getTableConfig(t));

describe.skipIf(!pgUrl)('PostgreSQL migrations', () => {
  let t: PgTestDatabase;
  let db: PgDB;
  beforeAll(async () => {
    t = await createPgTestDatabase();
    db = openPostgres(t.url, { max: 3 });
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });

  it('creates every table and column of the schema in a fresh database, with this month and the next 3 partitioned', async () => {
    // 2026-11-29: partitions for November 2026 through February 2027
    const { partitionsCreated } = await runPgMigrations(db, Date.UTC(2026, 10, 29, 17));
    expect(partitionsCreated).toEqual(['iqc_results_y2026m11', 'iqc_results_y2026m12', 'iqc_results_y2027m01', 'iqc_results_y2027m02']);

    const { rows } = await db.$client.query<{ table_name: string; column_name: string; is_nullable: string }>(
      "select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public'",
    );
    for (const cfg of tables) {
      const cols = rows.filter((r) => r.table_name === cfg.name);
      expect(cols.map((c) => c.column_name).sort(), cfg.name).toEqual(cfg.columns.map((c) => c.name).sort());
      for (const c of cfg.columns) expect(`${cfg.name}.${c.name} nullable=${cols.find((x) => x.column_name === c.name)!.is_nullable}`).toBe(`${cfg.name}.${c.name} nullable=${c.notNull || c.primary ? 'NO' : 'YES'}`);
    }
    expect(tables.length).toBeGreaterThan(40);

    const parted = await db.$client.query<{ relname: string; strategy: string }>("select c.relname, p.partstrat as strategy from pg_partitioned_table p join pg_class c on c.oid = p.partrelid");
    expect(parted.rows).toEqual([{ relname: 'iqc_results', strategy: 'r' }]);
    const key = await db.$client.query<{ def: string }>("select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'iqc_results'::regclass and contype = 'p'");
    expect(key.rows[0].def).toBe('PRIMARY KEY (id, measured_at, lab_id)');
  });

  it('turns JIT compilation off for the database: a new session starts with jit off', async () => {
    const session = new pg.Client({ connectionString: t.url });
    await session.connect();
    try {
      expect((await session.query<{ jit: string }>('show jit')).rows[0].jit).toBe('off');
    } finally {
      await session.end();
    }
  });

  it('a second migrate applies nothing and creates no partition', async () => {
    const before = await db.$client.query<{ n: number }>('select count(*) as n from drizzle.__drizzle_migrations');
    const again = await runPgMigrations(db, Date.UTC(2026, 10, 29, 17));
    expect(again.partitionsCreated).toEqual([]);
    const after = await db.$client.query<{ n: number }>('select count(*) as n from drizzle.__drizzle_migrations');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('keeps the audit log, decision history and entity versions append-only, as on SQLite', async () => {
    const q = (text: string, params: unknown[] = []) => db.$client.query(text, params);
    const refused = async (text: string, params: unknown[] = []) => (await q(text, params).then(() => 'done', (e: Error) => e.message));
    await q("insert into audit_log (at, action, details) values (1, 'x.test', $1)", [JSON.stringify({ a: 1 })]);
    expect(await refused("update audit_log set action = 'x.changed'")).toBe('audit_log is append-only');
    // sealing: hash and prev_hash set once, nothing else changed
    expect(await refused("update audit_log set prev_hash = repeat('0', 64), hash = repeat('a', 64)")).toBe('done');
    expect(await refused("update audit_log set hash = repeat('b', 64)")).toBe('audit_log is append-only');
    expect(await refused('delete from audit_log')).toBe('audit_log is append-only');
    expect(await refused('truncate audit_log')).toBe('audit_log is append-only');
    await q("insert into entity_versions (entity_type, entity_id, version, data, changed_at) values ('lab', 1, 1, '{}', 1)");
    expect(await refused('update entity_versions set reason = $1', ['x'])).toBe('entity_versions is append-only');
    expect(await refused('delete from entity_versions')).toBe('entity_versions is append-only');
    await q("insert into certification_events (lab_id, analyte_id, action, effective_on, reason, at) values (1, 1, 'flag', '2026-11-29', 'r', 1)");
    expect(await refused("update certification_events set reason = 'other'")).toBe('certification_events is append-only');
    expect(await refused('delete from certification_events')).toBe('certification_events is append-only');
    expect(await refused('truncate certification_events')).toBe('certification_events is append-only');
  });

  it('npm run db:migrate chooses PostgreSQL from DATABASE_URL', () => {
    const r = spawnSync('npx', ['tsx', 'db/cli.ts', 'migrate'], { env: { ...process.env, DATABASE_URL: t.url, DATABASE_PATH: '/nonexistent/never-opened.sqlite' }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`migrated PostgreSQL ${new URL(t.url).hostname}:${new URL(t.url).port}/${t.name}`);
  });
});

describe.skipIf(!pgUrl)('PostgreSQL migrations on a database migrated before the Citus keys (0004, 0005)', () => {
  let t: PgTestDatabase;
  let db: PgDB;
  let dir: string;
  beforeAll(async () => {
    t = await createPgTestDatabase();
    db = openPostgres(t.url, { max: 2 });
    // the committed migrations up to 0003, as a database deployed before this change has them
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-pg-old-'));
    fs.mkdirSync(path.join(dir, 'meta'));
    const journal = JSON.parse(fs.readFileSync('db/migrations-pg/meta/_journal.json', 'utf8')) as { entries: { idx: number; tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.idx < 4);
    for (const e of journal.entries) fs.copyFileSync(`db/migrations-pg/${e.tag}.sql`, path.join(dir, `${e.tag}.sql`));
    fs.writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    const client = await db.$client.connect();
    try {
      await migrate(drizzle(client as unknown as pg.Client), { migrationsFolder: dir });
    } finally {
      client.release();
    }
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('back-fills qc_targets.lab_id and the certificate numbers, and re-keys the lab-owned tables by lab_id, keeping every row', async () => {
    const q = <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) => db.$client.query<T>(text, params);
    const a = await insertPgIqcBase(db, 'OLD-A');
    const b = await insertPgIqcBase(db, 'OLD-B');
    for (const base of [a, b]) {
      const target = await q<{ id: number }>("insert into qc_targets (control_lot_id, version, mean, sd, source, effective_from, created_at) values ($1, 1, 5, 0.2, 'manufacturer', 0, 0) returning id", [base.lot.id]);
      await insertPgResults(db, base, [Date.UTC(2026, 9, 5, 8), Date.UTC(2026, 10, 9, 8)]);
      await q('update iqc_results set target_id = $1 where control_lot_id = $2', [target.rows[0].id, base.lot.id]);
    }
    const certify = (base: typeof a, no: string) =>
      q(
        "insert into certifications (lab_id, analyte_id, scope_region_id, scope, mark, certificate_no, status, valid_from, valid_to, created_at, updated_at) values ($1, $2, $3, '广东省', '广东HR', $4, 'active', '2026-01-01', '2026-12-31', 1, 1) returning id",
        [base.lab.id, base.analyte.id, base.region.id, no],
      );
    const issued = await certify(a, 'HR-440000-2026-000001');
    const before = await q<{ n: number }>('select (select count(*) from iqc_results) + (select count(*) from iqc_runs) + (select count(*) from qc_targets) as n');

    await runPgMigrations(db, Date.UTC(2026, 10, 29, 17));

    const targets = await q<{ lab_id: number; lot_lab: number }>('select t.lab_id, l.lab_id as lot_lab from qc_targets t join control_lots l on l.id = t.control_lot_id order by t.id');
    expect(targets.rows).toEqual([
      { lab_id: a.lab.id, lot_lab: a.lab.id },
      { lab_id: b.lab.id, lot_lab: b.lab.id },
    ]);
    const after = await q<{ n: number }>('select (select count(*) from iqc_results) + (select count(*) from iqc_runs) + (select count(*) from qc_targets) as n');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const keys = await q<{ t: string; def: string }>(
      "select conrelid::regclass::text as t, pg_get_constraintdef(oid) as def from pg_constraint where conrelid::regclass::text in ('iqc_runs', 'qc_targets', 'iqc_results') and contype in ('p', 'f') and confrelid is distinct from 'laboratories'::regclass order by 1, 2",
    );
    expect(keys.rows.filter((k) => /lab_id/.test(k.def)).map((k) => `${k.t}: ${k.def}`)).toEqual([
      // (a result's keys to its run, lot and target, of its own lab, are checked by the IQC writer:
      // FOREIGN_KEYS_CHECKED_BY_WRITER; iqc-parents.test.ts refuses another lab's target)
      'iqc_results: PRIMARY KEY (id, measured_at, lab_id)',
      'iqc_runs: PRIMARY KEY (id, lab_id)',
      'qc_targets: FOREIGN KEY (lab_id, control_lot_id) REFERENCES control_lots(lab_id, id)',
      'qc_targets: PRIMARY KEY (id, lab_id)',
    ]);
    // a target without its lab is refused
    const noLab = await q("insert into qc_targets (control_lot_id, version, mean, sd, source, effective_from, created_at) values ($1, 2, 5, 0.2, 'manufacturer', 0, 0)", [a.lot.id]).then(
      () => 'done',
      (e: Error) => e.message,
    );
    expect(noLab).toMatch(/null value in column "lab_id"/);

    // certificate numbers issued so far are registered; the register keeps a number to one lab,
    // which certifications_no_uq (within a lab, for Citus) no longer does
    const register = await q('select certificate_no, lab_id, certification_id from certificate_numbers');
    expect(register.rows).toEqual([{ certificate_no: 'HR-440000-2026-000001', lab_id: a.lab.id, certification_id: issued.rows[0].id }]);
    await certify(b, 'HR-440000-2026-000001');
    const twice = await q('insert into certificate_numbers (certificate_no, lab_id, certification_id) values ($1, $2, 0)', ['HR-440000-2026-000001', b.lab.id]).then(
      () => 'done',
      (e: Error) => e.message,
    );
    expect(twice).toMatch(/duplicate key value violates unique constraint "certificate_numbers_pkey"/);
  });
});
