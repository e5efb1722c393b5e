// What differs between the two backends when a query is not a drizzle builder: which dialect a handle
// speaks, raw SQL execution (better-sqlite3 drizzle `db.all/get/run(sql)` vs node-postgres
// `db.execute(sql).rows`), the affected-row count of a write, and the first row of a result.
// Builders are awaited the same way on both: `await q` (rows, or the run result of a write).
import { is, sql, SQL, StringChunk, type SQLWrapper } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';
import { BACKEND } from './backend';
import { arrayParam } from './pg/array-param';

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

const ALIAS = /\bAS\s+([a-z][a-z0-9]*[A-Z]\w*)\b/gi;

function mapStrings(q: SQL, f: (s: string) => string): SQL {
  return new SQL(
    q.queryChunks.map((c) => {
      if (is(c, StringChunk)) return new StringChunk(c.value.map(f));
      if (is(c, SQL)) return mapStrings(c, f);
      return c;
    }),
  );
}

function collectStrings(q: SQL, out: string[]): string[] {
  for (const c of q.queryChunks) {
    if (is(c, StringChunk)) out.push(...c.value);
    else if (is(c, SQL)) collectStrings(c, out);
  }
  return out;
}

/**
 * Raw SQL for PostgreSQL: camelCase column aliases (`AS labId`) are quoted, everywhere they occur,
 * so the rows keep the keys SQLite gives them (PostgreSQL folds unquoted names to lower case), and
 * SQLite's `INDEXED BY` hints are left out.
 */
export function pgAliases(q: SQL): SQL {
  const aliases = new Set<string>();
  const strings = collectStrings(q, []);
  for (const s of strings) for (const m of s.matchAll(ALIAS)) if (/[A-Z]/.test(m[1])) aliases.add(m[1]);
  const hints = strings.some((s) => INDEXED_BY.test(s));
  if (!aliases.size && !hints) return q;
  const word = aliases.size ? new RegExp(`(?<!["'.\\w])(${[...aliases].join('|')})(?!["\\w])`, 'g') : null;
  return mapStrings(q, (s) => {
    // SQLite's planner hints (INDEXED BY) have no PostgreSQL counterpart: dropped
    if (hints) s = s.replace(INDEXED_BY_ALL, '');
    return word ? s.replace(word, '"$1"') : s;
  });
}
const INDEXED_BY = /\bINDEXED BY\s+\w+/i;
const INDEXED_BY_ALL = /\s*\bINDEXED BY\s+\w+/gi;

/** All rows of a raw SQL query. */
export async function rawAll<T>(db: unknown, q: SQL): Promise<T[]> {
  if (dialectOf(db) === 'pg') return (await (db as RawPg).execute(pgAliases(q))).rows as T[];
  return (db as RawSqlite).all<T>(q);
}

/** The first row of a raw SQL query, or undefined. */
export async function rawGet<T>(db: unknown, q: SQL): Promise<T | undefined> {
  if (dialectOf(db) === 'pg') return (await (db as RawPg).execute(pgAliases(q))).rows[0] as T | undefined;
  return (db as RawSqlite).get<T>(q);
}

/** The outcome of a write: how many rows it touched (and on SQLite the last rowid). */
export interface WriteResult {
  changes: number;
  lastInsertRowid?: number | bigint;
}

/** Run a raw SQL statement. */
export async function rawRun(db: unknown, q: SQL): Promise<WriteResult> {
  if (dialectOf(db) === 'pg') return { changes: (await (db as RawPg).execute(pgAliases(q))).rowCount ?? 0 };
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

// ---------------------------------------------------------------------------------------------------
// SQL fragments that differ between the backends. The backend is chosen once per process
// (db/backend.ts), so a fragment is picked when it is built, without a handle.
// ---------------------------------------------------------------------------------------------------

const onPg = () => BACKEND === 'pg';

/** A boolean literal in raw SQL: 1/0 on SQLite, true/false on PostgreSQL. */
export const sqlBool = (v: boolean): SQL => (onPg() ? sql.raw(v ? 'true' : 'false') : sql.raw(v ? '1' : '0'));

/** `col` is true / false (a boolean column in raw SQL). */
export const isTrue = (col: SQL | SQLWrapper): SQL => sql`${col} = ${sqlBool(true)}`;
export const isFalse = (col: SQL | SQLWrapper): SQL => sql`${col} = ${sqlBool(false)}`;

/** A condition as 1/0 (SQLite compares to integers; PostgreSQL has no sum(boolean)). */
export const asInt = (cond: SQL): SQL => sql`(CASE WHEN ${cond} THEN 1 ELSE 0 END)`;

/** A boolean column as 1/0 (NULL stays NULL): SQLite stores 0/1 already; PostgreSQL casts. */
export const boolAsInt = (col: unknown): SQL => (onPg() ? sql`(${col})::int` : sql`${col}`);

/** The larger of two values (SQLite's scalar max, PostgreSQL's greatest). */
export const greatest = (a: unknown, b: unknown): SQL => (onPg() ? sql`greatest(${a}, ${b})` : sql`max(${a}, ${b})`);

/** The values of a column joined with a separator (group_concat / string_agg), in the rows' order. */
export const stringAgg = (col: unknown, sep: string): SQL => (onPg() ? sql`string_agg(${col}::text, ${sep})` : sql`group_concat(${col}, ${sep})`);

/** `col IN (ids)` with the list as one parameter (json_each on SQLite, = ANY(array) on PostgreSQL). */
export const inIdList = (col: unknown, ids: readonly number[]): SQL =>
  onPg() ? sql`${col} = ANY(${`{${ids.join(',')}}`}::bigint[])` : sql`${col} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/** `col IN (texts)` with the list as one parameter. */
export const inTextList = (col: unknown, values: readonly string[]): SQL =>
  onPg() ? sql`${col} = ANY(${arrayParam(values)}::text[])` : sql`${col} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/** SQLite's INDEXED BY hint after a table name; nothing on PostgreSQL (its planner has no such hint). */
export const indexedBy = (index: string): SQL => (onPg() ? sql`` : sql.raw(` INDEXED BY ${index}`));

/** A JSON column read by raw SQL as its text on both backends (SQLite stores the text; node-postgres
 * would hand a jsonb value over parsed), for callers that parse it themselves. */
export const jsonAsText = (col: unknown): SQL => (onPg() ? sql`(${col})::text` : sql`${col}`);

/** The code of the first category of a JSON categories column (`[{ "code": … }, …]`). */
export const firstCategoryCode = (col: unknown): SQL => (onPg() ? sql`((${col})::jsonb -> 0 ->> 'code')` : sql`json_extract(${col}, '$[0].code')`);

/** The calendar day ('YYYY-MM-DD') in UTC+8 of an epoch-ms instant. */
export const dayUtc8 = (ms: unknown): SQL =>
  onPg() ? sql`to_char(to_timestamp(((${ms}) + 28800000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : sql`date(((${ms}) + 28800000) / 1000, 'unixepoch')`;

/** The month ('YYYY-MM') in UTC+8 of an epoch-ms instant. */
export const monthUtc8 = (ms: unknown): SQL =>
  onPg() ? sql`to_char(to_timestamp(((${ms}) + 28800000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')` : sql`strftime('%Y-%m', ((${ms}) + 28800000) / 1000, 'unixepoch')`;

/** Letters A–Z in small letters, nothing else: the case folding of SQLite's LIKE, which the app's own
 * filters (pageOfRows) and PostgreSQL's side of likeCi follow, so one search finds the same rows
 * everywhere (PostgreSQL's ILIKE folds Ä, É, Γ as its locale says; SQLite's LIKE does not). */
export const foldAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** LIKE ignoring the case of A–Z only, on both backends (SQLite's LIKE does; on PostgreSQL both sides
 * are folded with translate, not ILIKE, whose folding follows the locale). */
export const likeCi = (col: unknown, pattern: string): SQL =>
  onPg() ? sql`translate(${col}, ${UPPER}, ${UPPER.toLowerCase()}) LIKE ${foldAscii(pattern)} ESCAPE '\\'` : sql`${col} LIKE ${pattern} ESCAPE '\\'`;

interface PgQueryable {
  query(q: { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}

/** Rows of a raw query as arrays of column values in select order (better-sqlite3's `.raw()`; on
 * PostgreSQL node-postgres' rowMode 'array', on the handle's pool or the transaction's client). */
export async function rawTuples<T extends unknown[]>(db: unknown, q: SQL): Promise<T[]> {
  if (dialectOf(db) === 'pg') {
    const d = db as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } }; $client?: PgQueryable; session?: { client?: PgQueryable } };
    const { sql: text, params } = d.dialect.sqlToQuery(pgAliases(q));
    const client = d.session?.client ?? d.$client;
    if (!client) throw new Error('rawTuples: no PostgreSQL client on this handle');
    return (await client.query({ text, values: params, rowMode: 'array' })).rows as T[];
  }
  const d = db as { $client?: { prepare(s: string): { raw(b: boolean): { all(...p: unknown[]): unknown[] } } }; session?: { client?: unknown }; dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } };
  const { sql: text, params } = d.dialect.sqlToQuery(q);
  const client = (d.$client ?? d.session?.client) as { prepare(s: string): { raw(b: boolean): { all(...p: unknown[]): unknown[] } } };
  return client.prepare(text).raw(true).all(...params) as T[];
}

/** ORDER BY a nullable column with NULL where SQLite puts it (first ascending, last descending);
 * PostgreSQL puts NULL the other way round unless told. */
export const ascNullsFirst = (col: unknown): SQL => sql`${col} ASC NULLS FIRST`;
export const descNullsLast = (col: unknown): SQL => sql`${col} DESC NULLS LAST`;
