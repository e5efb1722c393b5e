// What differs between the two backends when a query is not a drizzle builder: which dialect a handle
// speaks, raw SQL execution (better-sqlite3 drizzle `db.all/get/run(sql)` vs node-postgres
// `db.execute(sql).rows`), the affected-row count of a write, and the first row of a result.
// Builders are awaited the same way on both: `await q` (rows, or the run result of a write).
import { is, type SQL } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';

export type Dialect = 'sqlite' | 'pg';

/** The SQL dialect of a database handle or transaction. */
export function dialectOf(db: unknown): Dialect {
  return is(db, PgDatabase) ? 'pg' : 'sqlite';
}

interface RawSqlite {
  all<T>(q: SQL): T[];
  get<T>(q: SQL): T | undefined;
  run(q: SQL): { changes: number; lastInsertRowid: number | bigint };
}
interface RawPg {
  execute(q: SQL): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** All rows of a raw SQL query. */
export async function rawAll<T>(db: unknown, q: SQL): Promise<T[]> {
  if (dialectOf(db) === 'pg') return (await (db as RawPg).execute(q)).rows as T[];
  return (db as RawSqlite).all<T>(q);
}

/** The first row of a raw SQL query, or undefined. */
export async function rawGet<T>(db: unknown, q: SQL): Promise<T | undefined> {
  if (dialectOf(db) === 'pg') return (await (db as RawPg).execute(q)).rows[0] as T | undefined;
  return (db as RawSqlite).get<T>(q);
}

/** The outcome of a write: how many rows it touched (and on SQLite the last rowid). */
export interface WriteResult {
  changes: number;
  lastInsertRowid?: number | bigint;
}

/** Run a raw SQL statement. */
export async function rawRun(db: unknown, q: SQL): Promise<WriteResult> {
  if (dialectOf(db) === 'pg') return { changes: (await (db as RawPg).execute(q)).rowCount ?? 0 };
  return (db as RawSqlite).run(q);
}

/** Rows touched by an awaited write (SQLite RunResult.changes, node-postgres rowCount). */
export function affectedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/** The first row of a result, or undefined (what `.get()` returned). */
export function first<T>(rows: readonly T[]): T | undefined {
  return rows[0];
}
