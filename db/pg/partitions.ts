// Monthly range partitions of iqc_results on PostgreSQL (issue 14). The parent table and its
// DEFAULT partition come from db/migrations-pg; months are added here, ahead of time, by
// `npm run db:migrate` and the running server (this month and the next 3: db/migrate.ts
// ensureStorageAhead, lib/server/storage-upkeep.ts) and by `npm run db:partitions` (--months to look
// further ahead, --from to back-fill history before an import; it also reports sizes).
// Months are UTC calendar months of measured_at (epoch ms): [first day 00:00Z, next first day).
import type pg from 'pg';
import { PARTITIONED_BY_MONTH } from './differences';

export interface Month {
  year: number;
  /** 1–12 */
  month: number;
}

export interface PartitionInfo {
  name: string;
  /** the partition bound as PostgreSQL prints it (FOR VALUES FROM (...) TO (...) / DEFAULT) */
  bound: string;
  /** table, indexes and TOAST */
  bytes: number;
  /** the planner's row estimate (null before the first ANALYZE) */
  rowsEstimate: number | null;
}

export function monthOf(ms: number): Month {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

export function addMonths(m: Month, n: number): Month {
  const i = m.year * 12 + (m.month - 1) + n;
  return { year: Math.floor(i / 12), month: (i % 12) + 1 };
}

/** 'YYYY-MM' → Month, or null. */
export function parseMonth(text: string): Month | null {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  if (!m || +m[2] < 1 || +m[2] > 12) return null;
  return { year: +m[1], month: +m[2] };
}

export function monthStartMs(m: Month): number {
  return Date.UTC(m.year, m.month - 1, 1);
}

export function partitionName(table: string, m: Month): string {
  return `${table}_y${m.year}m${String(m.month).padStart(2, '0')}`;
}

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/**
 * Create the monthly partitions of `table` for `months` months from `from` that do not exist yet.
 * Rows of such a month already waiting in the DEFAULT partition are moved into the new partition
 * in the same transaction (PostgreSQL refuses to create it over them otherwise). Returns the
 * names created.
 */
export async function ensureMonthlyPartitions(pool: pg.Pool, from: Month, months: number, table = 'iqc_results'): Promise<string[]> {
  const column = PARTITIONED_BY_MONTH[table];
  if (!column) throw new Error(`${table} is not partitioned by month`);
  const created: string[] = [];
  for (let i = 0; i < months; i++) {
    const m = addMonths(from, i);
    const name = partitionName(table, m);
    const lo = monthStartMs(m);
    const hi = monthStartMs(addMonths(m, 1));
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // one creator at a time (two instances running migrate); the lock ends with the transaction
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`labqc:partitions:${table}`]);
      const exists = await client.query('SELECT to_regclass($1) AS r', [name]);
      if (exists.rows[0].r) {
        await client.query('ROLLBACK');
        continue;
      }
      const def = `${table}_default`;
      const waiting = await client.query(`SELECT count(*)::int AS n FROM "${def}" WHERE "${column}" >= $1 AND "${column}" < $2`, [lo, hi]);
      if (waiting.rows[0].n > 0) {
        await client.query(`ALTER TABLE "${table}" DETACH PARTITION "${def}"`);
        await client.query(`CREATE TABLE "${name}" PARTITION OF "${table}" FOR VALUES FROM (${lo}) TO (${hi})`);
        await client.query(`WITH moved AS (DELETE FROM "${def}" WHERE "${column}" >= ${lo} AND "${column}" < ${hi} RETURNING *) INSERT INTO "${name}" SELECT * FROM moved`);
        await client.query(`ALTER TABLE "${table}" ATTACH PARTITION "${def}" DEFAULT`);
      } else {
        await client.query(`CREATE TABLE "${name}" PARTITION OF "${table}" FOR VALUES FROM (${lo}) TO (${hi})`);
      }
      await client.query('COMMIT');
      created.push(name);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }
  return created;
}

/** Every partition of `table` with its bound and size, oldest month first, DEFAULT last. */
export async function partitionSizes(db: Queryable, table = 'iqc_results'): Promise<PartitionInfo[]> {
  const { rows } = await db.query<{ name: string; bound: string; bytes: string | number; reltuples: number }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, pg_total_relation_size(c.oid) AS bytes, c.reltuples
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass
      ORDER BY (pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'), c.relname`,
    [table],
  );
  return rows.map((r) => ({ name: r.name, bound: r.bound, bytes: Number(r.bytes), rowsEstimate: r.reltuples < 0 ? null : Math.round(r.reltuples) }));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
