// Copy a whole SQLite database into an empty, migrated PostgreSQL one (issue 14): every table, in
// foreign-key order, rows as read through the SQLite schema written as they are through the
// PostgreSQL one (the two schemas share their row types, db/pg/schema/row-types.ts), with UNNEST
// (db/pg/bulk.ts: one array parameter per column), in one transaction; identity sequences continue
// after the copied ids. `tsx db/cli.ts copy-to-postgres` (DATABASE_PATH → DATABASE_URL).
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { asc, getTableColumns, sql } from 'drizzle-orm';
import type pg from 'pg';
import * as sqliteSchema from '../schema/sqlite';
import * as pgSchema from './schema';
import type { DB } from '../client';
import type { PgDB } from './client';
import { ensureMonthlyPartitions, monthOf } from './partitions';
import { insertUnnest } from './bulk';
import { JSON_KEPT_AS_WRITTEN } from './differences';

const READ_PAGE = 20_000;

interface Pair {
  name: string;
  sqlite: SQLiteTable;
  pg: PgTable;
}

/** Tables with their counterpart, parents before children (foreign keys). */
export function tablesInCopyOrder(): Pair[] {
  const pgByName = new Map((Object.values(pgSchema) as unknown[]).filter((v): v is PgTable => v instanceof PgTable).map((t) => [pgConfig(t).name, t]));
  const all = (Object.values(sqliteSchema) as unknown[]).filter((v): v is SQLiteTable => v instanceof SQLiteTable);
  const byName = new Map(all.map((t) => [sqliteConfig(t).name, t]));
  const done = new Set<string>();
  const out: Pair[] = [];
  const visit = (name: string, path: string[]) => {
    if (done.has(name)) return;
    if (path.includes(name)) throw new Error(`foreign-key cycle: ${[...path, name].join(' → ')}`);
    for (const fk of sqliteConfig(byName.get(name)!).foreignKeys) {
      const parent = sqliteConfig(fk.reference().foreignTable as SQLiteTable).name;
      if (parent !== name) visit(parent, [...path, name]);
    }
    done.add(name);
    const p = pgByName.get(name);
    if (!p) throw new Error(`${name} has no PostgreSQL table: run npx tsx db/pg/generate-schema.ts`);
    out.push({ name, sqlite: byName.get(name)!, pg: p });
  };
  for (const name of [...byName.keys()].sort()) visit(name, []);
  return out;
}

export interface CopyReport {
  tables: { name: string; rows: number }[];
  rows: number;
  ms: number;
}

/** Tables the migrations fill on both backends (the 2026 national calendar: SQLite 0006, PostgreSQL 0007). */
const MIGRATION_ROWS = new Set(['calendar_days']);

/**
 * Copy every row of `from` into `to`, which must be migrated and hold no data (but the migrations' own rows). All or nothing.
 * `onTable` reports progress; `pageSize` rows are read from SQLite at a time.
 */
export async function copySqliteToPostgres(from: DB, to: PgDB, onTable?: (name: string, rows: number) => void, { pageSize = READ_PAGE } = {}): Promise<CopyReport> {
  const started = Date.now();
  const order = tablesInCopyOrder();
  const nonEmpty: string[] = [];
  for (const t of order) {
    if (MIGRATION_ROWS.has(t.name)) continue;
    const r = await to.$client.query(`select exists (select 1 from "${t.name}") as x`);
    if (r.rows[0].x) nonEmpty.push(t.name);
  }
  if (nonEmpty.length) throw new Error(`the PostgreSQL database already holds data (${nonEmpty.slice(0, 5).join(', ')}${nonEmpty.length > 5 ? ', …' : ''}): copy into an empty, migrated database`);

  // the months of IQC history get their partitions first (rows would otherwise wait in the default one)
  const span = from.$client.prepare('select min(measured_at) as lo, max(measured_at) as hi from iqc_results').get() as { lo: number | null; hi: number | null };
  if (span.lo !== null && span.hi !== null) {
    const lo = monthOf(span.lo);
    const hi = monthOf(span.hi);
    await ensureMonthlyPartitions(to.$client, lo, (hi.year - lo.year) * 12 + (hi.month - lo.month) + 1);
  }

  const client: pg.PoolClient = await to.$client.connect();
  const tables: CopyReport['tables'] = [];
  try {
    await client.query('BEGIN');
    // rows the migrations wrote (the source has them too, from its own migrations) make way for the copy
    for (const name of MIGRATION_ROWS) await client.query(`delete from "${name}"`);
    for (const t of order) {
      const pk = sqliteConfig(t.sqlite).primaryKeys[0]?.columns ?? sqliteConfig(t.sqlite).columns.filter((c) => c.primary);
      if (!pk.length) throw new Error(`${t.name} has no primary key to read it by`);
      // JSON kept as written (the audit details, which the hash chain covers) is read and written as
      // its text: parsed and stringified again, it could differ from what was sealed
      const columns = getTableColumns(t.sqlite);
      const asText = Object.keys(columns).filter((k) => (JSON_KEPT_AS_WRITTEN as readonly string[]).includes(`${t.name}.${columns[k].name}`));
      const selection = { ...columns, ...Object.fromEntries(asText.map((k) => [k, sql<string | null>`${columns[k]}`])) };
      const jsonText = new Set(asText);
      // pages follow the primary key (each one a seek past the last row read; OFFSET read every row
      // before the page again, quadratic in a table of tens of millions of results)
      const pkKeys = pk.map((c) => Object.keys(columns).find((k) => columns[k] === c)!);
      let rows = 0;
      for (let last: Record<string, unknown> | undefined; ; ) {
        const after = last ? sql`(${sql.join(pk, sql`, `)}) > (${sql.join(pkKeys.map((k) => sql`${last![k]}`), sql`, `)})` : undefined;
        const page = (await from
          .select(selection)
          .from(t.sqlite)
          .where(after)
          .orderBy(...pk.map((c) => asc(c)))
          .limit(pageSize)) as Record<string, unknown>[];
        await insertUnnest(client, t.pg, page, { jsonText });
        rows += page.length;
        if (page.length < pageSize) break;
        last = page[page.length - 1];
      }
      // identity columns continue after the copied ids
      if (getTableColumns(t.pg).id && rows) await client.query(`select setval(pg_get_serial_sequence('"${t.name}"', 'id'), (select max(id) from "${t.name}"))`);
      tables.push({ name: t.name, rows });
      onTable?.(t.name, rows);
    }
    await client.query('COMMIT');
    // the planner's statistics of the copied rows now: until autovacuum gathers them (minutes later)
    // it plans on an empty database's estimates (the demo's rule choices took 0.5–0.8 s, not 1 ms)
    await client.query('ANALYZE');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  return { tables, rows: tables.reduce((s, t) => s + t.rows, 0), ms: Date.now() - started };
}
