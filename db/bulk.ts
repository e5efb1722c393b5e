// The one typed bulk writer: multi-row INSERTs whose column list comes from the drizzle table
// definition and whose rows are the table's `$inferInsert` objects, so no caller repeats the
// schema's columns or passes a dozen positional arguments. Used where rows come by the hundred
// thousand (IQC ingest, EQA evaluation); everything else inserts through the query builder.
//
// Why not `db.insert(table).values(rows)`: the query builder builds and prepares a new SQL string
// for every call, which costs more than the insert itself at these volumes. Here each statement
// shape (table × rows per statement) is prepared once per database handle and reused.
// PostgreSQL (the same writer, ./pg/bulk-writer.ts): one INSERT … SELECT FROM unnest(arrays) per
// batch, one array parameter per column (no bound-parameter limit), ids from the identity sequence.
import type Database from 'better-sqlite3';
import { Column, getTableColumns, getTableName, is, SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { dialectOf } from './dialect';
import { pgBulkWriter } from './pg/bulk-writer';

/**
 * Bound parameters one statement may carry: SQLite's SQLITE_MAX_VARIABLE_NUMBER (32,766 since
 * 3.32.0, https://www.sqlite.org/limits.html §9) and PostgreSQL's 65,535 (the wire protocol's
 * 16-bit parameter count). Chunks stay under the limit of the database in use.
 */
export const MAX_BOUND_PARAMETERS = { sqlite: 32_766, postgres: 65_535 } as const;

/** Rows per statement when the caller does not say (64 was the fastest of 16–512 for IQC rows). */
export const DEFAULT_ROWS_PER_STATEMENT = 64;

/**
 * Rows per statement for `columns` columns: the preferred number, lowered to fit `limit` bound
 * parameters, and at least 1. Pure.
 *
 * @example rowsPerChunk(14, 32_766, 64) → 64; rowsPerChunk(14, 500, 64) → 35
 */
export function rowsPerChunk(columns: number, limit: number, preferred: number): number {
  if (columns < 1) throw new RangeError('a bulk insert needs at least one column');
  return Math.max(1, Math.min(preferred, Math.floor(limit / columns)));
}

/** A column as the writer binds it: its SQL name, its property name in `$inferInsert`, how a JS
 * value becomes a driver value, and the value used when a row leaves it out. */
export interface BoundColumn {
  key: string;
  name: string;
  /** null: the value is bound as it is (plain integer, real and text columns) */
  toDriver: ((v: unknown) => unknown) | null;
  fallback: (() => unknown) | null;
}

/** The insertable columns of a table in schema order (an autoincrement primary key is left to
 * SQLite). A column with an SQL default must be given in every row (its default cannot be bound),
 * or left out of the writer's `columns`. */
export function insertColumns(table: SQLiteTable): BoundColumn[] {
  const out: BoundColumn[] = [];
  for (const [key, col] of Object.entries(getTableColumns(table)) as [string, Column][]) {
    if (col.primary && (col as Column & { autoIncrement?: boolean }).autoIncrement) continue;
    // PostgreSQL: the id is an identity column (the same column as SQLite's autoincrement key)
    if ((col as Column & { generatedIdentity?: unknown }).generatedIdentity) continue;
    const custom = col.mapToDriverValue !== Column.prototype.mapToDriverValue;
    let fallback: (() => unknown) | null = null;
    if (col.defaultFn) fallback = col.defaultFn as () => unknown;
    else if (col.default !== undefined && !is(col.default, SQL)) {
      const d = col.default;
      fallback = () => d;
    } else if (col.default !== undefined) {
      const name = col.name;
      fallback = () => {
        throw new Error(`bulk insert into ${getTableName(table)}: give ${name} (its default is SQL)`);
      };
    }
    out.push({ key, name: col.name, toDriver: custom ? (v) => col.mapToDriverValue(v) : null, fallback });
  }
  return out;
}

/** A row's value of a column as the driver takes it: the schema default when the row leaves it
 * out, converted as drizzle converts it (JSON, booleans). */
export function driverValue(c: BoundColumn, row: Record<string, unknown>): unknown {
  let v = row[c.key];
  if (v === undefined) v = c.fallback ? c.fallback() : null;
  if (v !== null && c.toDriver) v = c.toDriver(v);
  return v;
}

/** The columns a writer binds: every insertable column in schema order, or only `only` (property
 * names) in that order; a column left out of `only` takes its SQL default (or NULL) in every row. */
export function boundColumns(table: SQLiteTable, only?: readonly string[]): BoundColumn[] {
  const all = insertColumns(table);
  if (!only) return all;
  return only.map((key) => {
    const c = all.find((x) => x.key === key);
    if (!c) throw new Error(`bulk insert into ${getTableName(table)}: no insertable column ${key}`);
    return c;
  });
}

interface TableStatements {
  columns: BoundColumn[];
  bySize: Map<number, Database.Statement>;
  sql: (rows: number) => string;
}

/** Per database handle: per table, the statements of each column list (the table's insertable
 * columns, or a caller's narrower list, keyed by its names). */
const statementCache = new WeakMap<Database.Database, Map<SQLiteTable, Map<string, TableStatements>>>();

function tableStatements(client: Database.Database, table: SQLiteTable, only?: readonly string[], orFail = false): TableStatements {
  let byTable = statementCache.get(client);
  if (!byTable) statementCache.set(client, (byTable = new Map()));
  let byColumns = byTable.get(table);
  if (!byColumns) byTable.set(table, (byColumns = new Map()));
  const listKey = (orFail ? 'F:' : '') + (only ? only.join() : '');
  let t = byColumns.get(listKey);
  if (!t) {
    const columns = boundColumns(table, only);
    const head = `INSERT${orFail ? ' OR FAIL' : ''} INTO "${getTableName(table)}" (${columns.map((c) => `"${c.name}"`).join(', ')}) VALUES `;
    const one = `(${columns.map(() => '?').join(', ')})`;
    t = { columns, bySize: new Map(), sql: (rows) => head + Array.from({ length: rows }, () => one).join(', ') };
    byColumns.set(listKey, t);
  }
  return t;
}

function statementFor(client: Database.Database, t: TableStatements, rows: number): Database.Statement {
  let stmt = t.bySize.get(rows);
  if (!stmt) t.bySize.set(rows, (stmt = client.prepare(t.sql(rows))));
  return stmt;
}

const DONE: Promise<void> = Promise.resolve();

/** Up to this many parameters a statement's values are passed as arguments, not as one array. */
const MAX_SPREAD_PARAMETERS = 4_096;

/** Anything holding the better-sqlite3 handle (the drizzle database). */
export interface HasClient {
  $client: Database.Database;
}

export interface BulkOptions<Row = Record<string, unknown>> {
  /** preferred rows per statement (lowered to fit {@link MAX_BOUND_PARAMETERS}) */
  rowsPerStatement?: number;
  /** ids of the inserted rows, in order, are collected (see {@link BulkWriter.ids}) */
  returnIds?: boolean;
  /** PostgreSQL: the ids of the rows, in the order added (taken from the sequence ahead by the caller) */
  givenIds?: number[];
  /** the only columns the rows give (property names, in the order {@link BulkWriter.addValues} takes
   * them); the others are left out of the INSERT and
   * take their SQL default or NULL. Fewer bound parameters per row where rows come by the hundred
   * thousand and many columns keep their default (a row's value for a column not listed is ignored). */
  columns?: readonly (keyof Row & string)[];
  /** SQLite: `INSERT OR FAIL`, for a caller whose transaction rolls back on any error (withTx does).
   * A plain multi-row INSERT into a table with constraints first copies every page it changes into
   * a statement journal (a temporary file past 64 KiB), to undo that statement alone on a constraint
   * error; OR FAIL keeps the rows before the failing one instead, and needs no journal (the IQC
   * ingest wrote several times its data to that file). */
  orFail?: boolean;
}

export interface BulkWriter<Row> {
  /** Buffer a row; a full chunk is written at once. */
  add(row: Row): void;
  /** Buffer a row given as its driver values in the writer's column order (`columns` as the caller
   * listed them, else the table's insertable columns in schema order; {@link BulkWriter.columns}):
   * no per-row object, no conversion (JSON as text, booleans as 0/1), no defaults. For the paths
   * that write rows by the hundred thousand. */
  addValues(values: readonly unknown[]): void;
  /** The property names of the bound columns, in the order {@link BulkWriter.addValues} takes them. */
  readonly columns: readonly string[];
  /** Write the buffered rows (a partial chunk goes as power-of-two statements, so at most
   * log2(chunk) more statement shapes are ever prepared per table). On SQLite the rows are written
   * when it returns; on PostgreSQL when the promise settles (await it before reading them back). */
  flush(): Promise<void>;
  /** The rowids of the rows written so far, in the order they were added (with `returnIds`). */
  readonly ids: number[];
  /** Rows written so far. */
  readonly written: number;
}

/**
 * A buffered writer of `table` rows. Rows are the table's `$inferInsert` objects: a left-out column
 * takes its schema default (`.default(x)`, `.$defaultFn`) or NULL; JSON and boolean columns are
 * converted as drizzle converts them. Call `flush()` before reading the rows back. The caller holds
 * the transaction.
 *
 * Ids: a multi-row INSERT into a table whose rowid is its INTEGER PRIMARY KEY gives its rows
 * consecutive ids ending at `lastInsertRowid` (each new rowid is one more than the largest so far,
 * https://www.sqlite.org/autoinc.html), provided the caller holds the write transaction; `changes`
 * is checked against the rows written. (PostgreSQL will use RETURNING instead.)
 */
export function bulkWriter<T extends SQLiteTable>(db: HasClient, table: T, opts: BulkOptions<T['$inferInsert']> = {}): BulkWriter<T['$inferInsert']> {
  if (dialectOf(db) === 'pg') return pgBulkWriter(db, table, opts);
  // the IQC ingest's statements on PostgreSQL queue their rows (db/pg/iqc-ingest.ts)
  const deferred = (db as { deferredWriter?: (t: T, o: BulkOptions<T['$inferInsert']>) => BulkWriter<T['$inferInsert']> }).deferredWriter;
  if (deferred) return deferred.call(db, table, opts);
  const client = db.$client;
  const t = tableStatements(client, table, opts.columns, opts.orFail);
  const { columns } = t;
  const width = columns.length;
  const chunk = rowsPerChunk(width, MAX_BOUND_PARAMETERS.sqlite, opts.rowsPerStatement ?? DEFAULT_ROWS_PER_STATEMENT);
  const full = statementFor(client, t, chunk);
  // one full chunk's parameters, filled in place (a full chunk is bound from this array as it is)
  const params: unknown[] = new Array(chunk * width).fill(null);
  let at = 0;
  let buffered = 0;
  const ids: number[] = [];
  let written = 0;

  const run = (stmt: Database.Statement, values: unknown[], rows: number) => {
    // better-sqlite3 binds arguments faster than the elements of one array argument
    const res = values.length <= MAX_SPREAD_PARAMETERS ? stmt.run(...values) : stmt.run(values);
    if (res.changes !== rows) throw new Error(`bulk insert into ${getTableName(table)}: ${rows} rows sent, ${res.changes} written`);
    if (opts.returnIds) {
      const last = Number(res.lastInsertRowid);
      for (let k = rows - 1; k >= 0; k--) ids.push(last - k);
    }
    written += rows;
  };
  const rowAdded = () => {
    if (++buffered === chunk) {
      run(full, params, chunk);
      at = 0;
      buffered = 0;
    }
  };

  return {
    add(row) {
      const r = row as Record<string, unknown>;
      for (let i = 0; i < width; i++) params[at++] = driverValue(columns[i], r);
      rowAdded();
    },
    addValues(values) {
      if (values.length !== width) throw new Error(`bulk insert into ${getTableName(table)}: ${values.length} values for ${width} columns`);
      for (let i = 0; i < width; i++) params[at++] = values[i];
      rowAdded();
    },
    columns: columns.map((c) => c.key),
    // synchronous on SQLite: written (or thrown) when it returns; the promise is for PostgreSQL's sake
    flush() {
      let from = 0;
      for (let size = 1 << Math.floor(Math.log2(Math.max(1, buffered))); buffered > 0; size >>= 1) {
        if (size > buffered) continue;
        run(statementFor(client, t, size), params.slice(from * width, (from + size) * width), size);
        from += size;
        buffered -= size;
      }
      at = 0;
      return DONE;
    },
    ids,
    get written() {
      return written;
    },
  };
}

/** Insert `rows` into `table` in chunks and return their ids in order (SQLite: written when it
 * returns; the IQC ingest's synchronous path). On both backends: {@link bulkInsertRows}. */
export function bulkInsert<T extends SQLiteTable>(db: HasClient, table: T, rows: readonly T['$inferInsert'][], opts: Omit<BulkOptions<T['$inferInsert']>, 'returnIds'> = {}): number[] {
  if (dialectOf(db) === 'pg') throw new Error('bulkInsert is synchronous (SQLite); use bulkInsertRows on PostgreSQL');
  const w = bulkWriter(db, table, { ...opts, returnIds: true });
  for (const r of rows) w.add(r);
  void w.flush(); // synchronous on SQLite
  return w.ids;
}

/** Insert `rows` into `table` in chunks and return their ids in order, on either backend. */
export async function bulkInsertRows<T extends SQLiteTable>(db: HasClient, table: T, rows: readonly T['$inferInsert'][], opts: Omit<BulkOptions<T['$inferInsert']>, 'returnIds'> = {}): Promise<number[]> {
  const w = bulkWriter(db, table, { ...opts, returnIds: true });
  for (const r of rows) w.add(r);
  await w.flush();
  return w.ids;
}
