// Issue 14: db/citus.sql classifies every table once (distributed by lab_id, reference, or local to
// the coordinator) and, on PostgreSQL without the citus extension, distributes nothing and reports
// the keys that still lack lab_id (the key change is the next step of issue 14).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as pgSchema from '@/db/pg/schema';
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

describe('db/citus.sql classification', () => {
  it('names every table exactly once, and distributes only tables that have a lab_id column', () => {
    const distributed = listed('distributed');
    const all = [...distributed, ...listed('reference'), ...listed('local_only')];
    expect(all.length).toBe(new Set(all).size);
    expect([...all].sort()).toEqual(tables.map((t) => t.name).sort());
    const withoutLab = distributed.filter((n) => !tables.find((t) => t.name === n)!.columns.some((c) => c.name === 'lab_id'));
    // qc_targets belongs to a lab through its control lot; it gains lab_id with the key change
    expect(withoutLab).toEqual(['qc_targets']);
  });
});

describe.skipIf(!pgUrl)('db/citus.sql on PostgreSQL without citus', () => {
  let t: PgTestDatabase;
  let db: PgDB;
  beforeAll(async () => {
    t = await createPgTestDatabase();
    db = openPostgres(t.url, { max: 1 });
    await runPgMigrations(db, Date.UTC(2026, 10, 29));
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });

  it('distributes nothing and lists the keys that lack lab_id', async () => {
    const client = await db.$client.connect();
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      await client.query(script);
    } finally {
      client.release();
    }
    expect(notices[0]).toBe(`citus extension not installed: nothing distributed (${listed('distributed').length} tables by lab_id, ${listed('reference').length} reference, ${listed('local_only').length} local)`);
    const problems = notices[1].replace(/^not yet Citus-ready \(\d+ problems\): /, '').split('; ');
    expect(problems).toContain('qc_targets has no lab_id column');
    expect(problems).toContain('iqc_runs: key iqc_runs_pkey lacks lab_id');
    expect(problems).toContain('iqc_results: unique index iqc_results_dedup_uq lacks lab_id');
    expect(problems).toContain('iqc_results: foreign key iqc_results_run_id_iqc_runs_id_fk to iqc_runs lacks lab_id');
    expect(problems).toContain('certifications: unique index certifications_no_uq lacks lab_id');
    // keys that already lead with lab_id pass the check; iqc_results' key (id, measured_at, lab_id) does too
    for (const ok of ['iqc_daily_series', 'iqc_daily_pairs', 'eqa_enrollments']) expect(problems.filter((p) => p.startsWith(`${ok}:`))).toEqual([]);
    expect(problems.filter((p) => p.startsWith('iqc_results: key'))).toEqual([]);
  });
});
