// Issue 14: iqc_results is range-partitioned by month on PostgreSQL. A query by lab and period reads
// only the partitions of that period (EXPLAIN shows it); the maintenance step creates months ahead,
// back-fills a month whose rows waited in the DEFAULT partition, and reports sizes. PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { ensureMonthlyPartitions, monthStartMs, partitionSizes } from '@/db/pg/partitions';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { insertPgIqcBase, insertPgResults } from '@/test/support/pg-fixtures';

interface PlanNode {
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The tables a statement's plan reads. */
async function scannedRelations(db: PgDB, query: string): Promise<string[]> {
  const { rows } = await db.$client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${query}`);
  const out = new Set<string>();
  const walk = (n: PlanNode) => {
    if (n['Relation Name']) out.add(n['Relation Name']);
    n.Plans?.forEach(walk);
  };
  walk(rows[0]['QUERY PLAN'][0].Plan);
  return [...out].sort();
}

const count = async (db: PgDB, table: string) => (await db.$client.query<{ n: number }>(`select count(*) as n from "${table}"`)).rows[0].n;

describe.skipIf(!pgUrl)('iqc_results monthly partitions on PostgreSQL', () => {
  let t: PgTestDatabase;
  let db: PgDB;
  let labId: number;
  const mar = monthStartMs({ year: 2026, month: 3 });
  const apr = monthStartMs({ year: 2026, month: 4 });

  beforeAll(async () => {
    t = await createPgTestDatabase();
    db = openPostgres(t.url, { max: 3 });
    // migrated on 2026-03-15: partitions March to June 2026
    await runPgMigrations(db, Date.UTC(2026, 2, 15));
    const base = await insertPgIqcBase(db);
    labId = base.lab.id;
    // 10 January (no partition yet: waits in the default one), 2 and 31 March, 1 April 00:00Z (April's first instant)
    await insertPgResults(db, base, [Date.UTC(2026, 0, 10, 8), Date.UTC(2026, 2, 2, 8), Date.UTC(2026, 2, 31, 23, 59), apr]);
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });

  it('puts each result in the partition of its UTC month', async () => {
    expect(await count(db, 'iqc_results_y2026m03')).toBe(2);
    expect(await count(db, 'iqc_results_y2026m04')).toBe(1);
    expect(await count(db, 'iqc_results_default')).toBe(1);
    expect(await count(db, 'iqc_results')).toBe(4);
  });

  it('a query by lab and period reads only that period’s partitions (EXPLAIN)', async () => {
    const march = await scannedRelations(db, `select id, value from iqc_results where lab_id = ${labId} and measured_at >= ${mar} and measured_at < ${apr} and "current"`);
    expect(march).toEqual(['iqc_results_y2026m03']);
    const marchApril = await scannedRelations(db, `select id from iqc_results where lab_id = ${labId} and measured_at between ${mar} and ${apr}`);
    expect(marchApril).toEqual(['iqc_results_y2026m03', 'iqc_results_y2026m04']);
    // without a period every partition is read: what pruning saves
    const all = await scannedRelations(db, `select id from iqc_results where lab_id = ${labId}`);
    expect(all).toEqual(['iqc_results_default', 'iqc_results_y2026m03', 'iqc_results_y2026m04', 'iqc_results_y2026m05', 'iqc_results_y2026m06']);
  });

  it('back-fills January and February: the January row leaves the default partition', async () => {
    const created = await ensureMonthlyPartitions(db.$client, { year: 2026, month: 1 }, 4);
    expect(created).toEqual(['iqc_results_y2026m01', 'iqc_results_y2026m02']);
    expect(await count(db, 'iqc_results_y2026m01')).toBe(1);
    expect(await count(db, 'iqc_results_default')).toBe(0);
    expect(await count(db, 'iqc_results')).toBe(4);
    const jan = await scannedRelations(db, `select id from iqc_results where lab_id = ${labId} and measured_at < ${monthStartMs({ year: 2026, month: 2 })} and measured_at >= ${monthStartMs({ year: 2026, month: 1 })}`);
    expect(jan).toEqual(['iqc_results_y2026m01']);
  });

  it('reports every partition in month order with its bound and size, the default one last', async () => {
    const parts = await partitionSizes(db.$client);
    expect(parts.map((p) => p.name)).toEqual(['iqc_results_y2026m01', 'iqc_results_y2026m02', 'iqc_results_y2026m03', 'iqc_results_y2026m04', 'iqc_results_y2026m05', 'iqc_results_y2026m06', 'iqc_results_default']);
    expect(parts[2].bound).toBe(`FOR VALUES FROM ('${mar}') TO ('${apr}')`);
    expect(parts.at(-1)!.bound).toBe('DEFAULT');
    for (const p of parts) expect(p.bytes).toBeGreaterThan(0);
  });
});
