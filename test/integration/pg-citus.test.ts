// Issue 14: db/citus.sql classifies every table once (distributed by lab_id: the lab-owned tables of
// db/pg/differences.ts; reference; or local to the coordinator) and, on PostgreSQL without the citus
// extension, distributes nothing and reports that every key is ready (migration 0004_citus_keys).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as pgSchema from '@/db/pg/schema';
import { LAB_OWNED_TABLES } from '@/db/pg/differences';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';

const script = fs.readFileSync('db/citus.sql', 'utf8');

function listed(name: string): string[] {
  const m = new RegExp(`\\b${name} text\\[\\] := ARRAY\\[([^\\]]*)\\]`).exec(script);
  if (!m) throw new Error(`no ${name} list in db/citus.sql`);
  return [...m[1].matchAll(/'([a-z0-9_]+)'/g)].map((x) => x[1]);
}

const tables = (Object.values(pgSchema) as unknown[]).filter((v): v is PgTable => v instanceof PgTable).map((t) => getTableConfig(t));

/** A migrated database of its own for the describe block that calls this. */
function migratedDatabase(): () => PgDB {
  let t: PgTestDatabase | undefined;
  let db: PgDB | undefined;
  beforeAll(async () => {
    t = await createPgTestDatabase();
    db = openPostgres(t.url, { max: 1 });
    await runPgMigrations(db, Date.UTC(2026, 10, 29));
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });
  return () => db!;
}

/** Runs db/citus.sql (functions looked up on `searchPath`) and returns its NOTICEs. */
async function runScript(db: PgDB, searchPath = 'public'): Promise<string[]> {
  const client = await db.$client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  try {
    await client.query(`SET search_path = ${searchPath}`);
    await client.query(script);
  } finally {
    client.release();
  }
  return notices;
}

describe('db/citus.sql classification', () => {
  it('names every table exactly once, and distributes the lab-owned tables, each with a lab_id column', () => {
    const distributed = listed('distributed');
    const all = [...distributed, ...listed('reference'), ...listed('local_only')];
    expect(all.length).toBe(new Set(all).size);
    expect([...all].sort()).toEqual(tables.map((t) => t.name).sort());
    // in the same order: parents before children, as create_distributed_table needs
    expect(distributed).toEqual([...LAB_OWNED_TABLES]);
    const withoutLab = distributed.filter((n) => !tables.find((t) => t.name === n)!.columns.some((c) => c.name === 'lab_id'));
    expect(withoutLab).toEqual([]);
  });
});

describe.skipIf(!pgUrl)('db/citus.sql on PostgreSQL without citus', () => {
  const db = migratedDatabase();
  const report = () => runScript(db());

  it('distributes nothing and reports no key that lacks lab_id', async () => {
    const notices = await report();
    expect(notices).toEqual([
      `citus extension not installed: nothing distributed (${listed('distributed').length} tables by lab_id, ${listed('reference').length} reference, ${listed('local_only').length} local)`,
      'Citus-ready: 0 problems',
    ]);
    const keys = await db().$client.query<{ def: string }>(
      "select pg_get_constraintdef(oid) as def from pg_constraint where conrelid in ('iqc_results'::regclass, 'qc_targets'::regclass) and contype in ('p', 'f') and confrelid is distinct from 'laboratories'::regclass order by conname",
    );
    expect(keys.rows.map((r) => r.def)).toContain('FOREIGN KEY (lab_id, control_lot_id) REFERENCES control_lots(lab_id, id)');
    expect(keys.rows.map((r) => r.def)).toContain('PRIMARY KEY (id, measured_at, lab_id)');
  });

  it('reports keys that lack lab_id or join it to another column, and a table nobody classified', async () => {
    await db().$client.query('ALTER TABLE corrective_actions ADD CONSTRAINT corrective_actions_run_only_fk FOREIGN KEY (run_id, lab_id) REFERENCES iqc_runs (id, lab_id)');
    // lab_id joined to the parent's id: not co-located
    await db().$client.query('ALTER TABLE iqc_violations ADD CONSTRAINT iqc_violations_crossed_fk FOREIGN KEY (run_id, lab_id) REFERENCES iqc_runs (lab_id, id)');
    await db().$client.query('CREATE UNIQUE INDEX certifications_no_global_uq ON certifications (certificate_no)');
    await db().$client.query('CREATE TABLE stray (id bigint primary key)');
    const notices = await report();
    const problems = notices[1].replace(/^not yet Citus-ready \(\d+ problems\): /, '').split('; ');
    // lab_id is in the key, but joined to the parent's lab_id: this one passes
    expect(problems.filter((p) => p.includes('corrective_actions_run_only_fk'))).toEqual([]);
    expect(problems).toEqual([
      'iqc_violations: foreign key iqc_violations_crossed_fk to iqc_runs lacks lab_id',
      'certifications: unique index certifications_no_global_uq lacks lab_id',
      'not classified: stray',
    ]);
  });
});

describe.skipIf(!pgUrl)('db/citus.sql distributing, with stand-ins for the citus functions', () => {
  const db = migratedDatabase();
  beforeAll(async () => {
    // create_reference_table, citus_add_local_table_to_metadata and create_distributed_table that
    // record each call and the foreign keys the table has at that moment
    await db().$client.query(`
      CREATE SCHEMA citus_stub;
      CREATE TABLE citus_stub.calls (n serial, call text, foreign_keys int);
      CREATE FUNCTION citus_stub.fks(t regclass) RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM pg_constraint WHERE contype = 'f' AND (conrelid = t OR confrelid = t) $$;
      CREATE FUNCTION citus_stub.create_reference_table(t regclass) RETURNS void LANGUAGE sql AS $$ INSERT INTO citus_stub.calls (call, foreign_keys) VALUES ('reference ' || t::text, citus_stub.fks(t)) $$;
      CREATE FUNCTION citus_stub.citus_add_local_table_to_metadata(t regclass) RETURNS void LANGUAGE sql AS $$ INSERT INTO citus_stub.calls (call, foreign_keys) VALUES ('local ' || t::text, citus_stub.fks(t)) $$;
      CREATE FUNCTION citus_stub.create_distributed_table(t regclass, col text, colocate_with text) RETURNS void LANGUAGE sql
        AS $$ INSERT INTO citus_stub.calls (call, foreign_keys) VALUES (format('distributed %s by %s with %s', t, col, colocate_with), citus_stub.fks(t)) $$;
    `);
  });

  it('places every table with its foreign keys set aside, co-locates the lab-owned ones, and puts the foreign keys back as they were', async () => {
    const keys = "select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as k from pg_constraint where contype = 'f' and conparentid = 0 order by 1";
    const before = (await db().$client.query<{ k: string }>(keys)).rows.map((r) => r.k);
    expect(before.length).toBeGreaterThan(40);
    const parentTriggers = "select tgrelid::regclass::text as t from pg_trigger where tgname like '%\\_iqc\\_parent' order by 1";
    expect((await db().$client.query<{ t: string }>(parentTriggers)).rows.map((r) => r.t)).toEqual(['analytes', 'laboratories', 'qc_targets', 'users']);
    const notices = await runScript(db(), 'public, citus_stub');
    const distributed = listed('distributed');
    expect(notices).toEqual([`distributed ${distributed.length} tables by lab_id; ${listed('reference').length} reference tables; ${listed('local_only').length} local tables; ${before.length} foreign keys kept`]);
    const calls = (await db().$client.query<{ call: string; foreign_keys: number }>('select call, foreign_keys from citus_stub.calls order by n')).rows;
    expect(calls.map((c) => c.call)).toEqual([
      ...listed('reference').map((n) => `reference ${n}`),
      ...listed('local_only').map((n) => `local ${n}`),
      ...distributed.map((n, i) => `distributed ${n} by lab_id with ${i === 0 ? 'default' : distributed[0]}`),
    ]);
    expect(calls.filter((c) => c.foreign_keys > 0)).toEqual([]);
    expect((await db().$client.query<{ k: string }>(keys)).rows.map((r) => r.k)).toEqual(before);
  });

  it('drops the parents’ triggers of the keys the IQC writer checks (they would read distributed tables from reference shards), and only those', async () => {
    // the script ran in the test before; the append-only triggers stay
    const triggers = (await db().$client.query<{ t: string }>("select tgrelid::regclass::text || '.' || tgname as t from pg_trigger where not tgisinternal order by 1")).rows.map((r) => r.t);
    expect(triggers.filter((t) => t.endsWith('_iqc_parent'))).toEqual([]);
    expect(triggers).toEqual(expect.arrayContaining(['audit_log.audit_log_no_update', 'certification_events.certification_events_no_change']));
  });
});
