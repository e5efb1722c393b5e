// The bulk writer (db/bulk.ts) on PostgreSQL: rows are buffered as one array per column and written
// with INSERT … SELECT FROM unnest($1::type[], …), one parameter per column whatever the number of
// rows (no 65,535 bound-parameter limit). Ids (returnIds) are taken from the table's identity
// sequence first and written with the rows, so they come back in the order the rows were added.
// Writes start as soon as a batch is full and run in order on the caller's connection (a
// transaction's one client); flush() waits for them all and reports the first failure.
// A batch of PG_COPY_MIN_ROWS rows or more goes with COPY FROM STDIN instead (./copy-from.ts): the
// same rows and ids, in COPY's binary format (./copy-binary.ts) rather than array parameters.
// A write into a table that other tables reference by (lab_id, id) while the planner still takes it
// for a small table switches its transaction to custom plans (see customPlansWhileSmall).
import { getTableName, is, sql, type SQL } from 'drizzle-orm';
import { PgTable, PgTransaction } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { getTableColumns } from 'drizzle-orm';
import { boundColumns, driverValue, type BulkOptions, type BulkWriter } from '../bulk';
import { rawAll, rawRun } from '../dialect';
import { copyColumns, PG_COPY_MIN_ROWS } from './copy-from';
import { arrayParam } from './array-param';

/** Rows per statement (bounded by memory, not by parameters). */
export const PG_BULK_BATCH = 10_000;

function sqlTypeOf(table: SQLiteTable, key: string): string {
  const col = getTableColumns(table)[key] as unknown as { getSQLType(): string };
  return col.getSQLType();
}

/** How a batch is written: 'auto' (COPY from PG_COPY_MIN_ROWS rows on, unnest below), or always
 * one of them (tests and the bench compare them); 'copy-text' is COPY in the text format, which the
 * binary format replaced (the bench measures both). */
export type PgBulkMethod = 'auto' | 'unnest' | 'copy' | 'copy-text';

let defaultMethod: PgBulkMethod = 'auto';

/** Batches this process has written each way (the bench reports how many went through COPY). */
export const pgBulkBatches = { copy: 0, unnest: 0 };
/** The method of writers made without one (the bench measures the app's ingest with each). */
export function setPgBulkMethod(m: PgBulkMethod): void {
  defaultMethod = m;
}

/** Below this many rows in the planner's statistics (pg_class.reltuples; -1 when never analyzed) a
 * table written in bulk counts as small (see customPlansWhileSmall). */
export const PG_SMALL_PARENT_ROWS = 10_000;

/** Tables whose writes need no custom plans: referenced by no multi-column foreign key, or known to
 * the planner as big (a table's statistics only grow big once). Per process, by table name: it only
 * decides speed, never what is written. */
const plansSettled = new Set<string>();
/** Transactions already switched to custom plans. */
const customPlanTx = new WeakSet<object>();

/**
 * The foreign-key checks of the rows referencing `name` run as cached plans of the connection
 * (one per constraint, `SELECT 1 FROM ONLY parent x WHERE lab_id = $1 AND id = $2 FOR KEY SHARE`).
 * After five executions PostgreSQL keeps a generic plan when it looks no dearer than the custom
 * ones, and it keeps it until the parent's statistics change (ANALYZE). Made while the parent held a
 * few hundred rows and had no statistics (the planner then costs the index on (lab_id, status) and
 * the primary key (id, lab_id) alike), that plan can take the index on lab_id alone ("Index Cond:
 * lab_id = $1, Filter: id = $2"), so each check then reads every row of the lab: while an import
 * fills iqc_runs in one transaction the check of an iqc_results row grew to 0.5–1.5 ms (auto_explain:
 * "Rows Removed by Filter: 7199"). A table other tables reference by more than one column that the
 * planner's statistics call small therefore makes the rest of its writing transaction plan every
 * statement with its parameters' values (`SET LOCAL plan_cache_mode = force_custom_plan`, undone
 * at commit): about 35 µs a check instead of ~10 µs with a good generic plan, never a scan of the
 * lab. Once the statistics call the table big, generic plans are made from them and nothing is set.
 * (iqc_runs is no longer such a table: the keys to it are checked by the IQC writer set-wise,
 * FOREIGN_KEYS_CHECKED_BY_WRITER in ./differences.ts, so an IQC import keeps its generic plans.)
 */
async function customPlansWhileSmall(db: unknown, name: string): Promise<void> {
  if (plansSettled.has(name) || !(db instanceof PgTransaction) || customPlanTx.has(db)) return;
  const [t] = await rawAll<{ rows: number; parent: boolean }>(
    db,
    sql`SELECT c.reltuples AS rows, EXISTS (SELECT 1 FROM pg_constraint k WHERE k.confrelid = c.oid AND k.contype = 'f' AND cardinality(k.confkey) > 1) AS parent
        FROM pg_class c WHERE c.oid = ${`"${name}"`}::regclass`,
  );
  if (!t || !t.parent || Number(t.rows) >= PG_SMALL_PARENT_ROWS) {
    plansSettled.add(name);
    return;
  }
  await rawRun(db, sql`SET LOCAL plan_cache_mode = force_custom_plan`);
  customPlanTx.add(db);
}

/**
 * `n` ids from a table's identity sequence, one statement. The sequence is looked up once (OFFSET 0
 * keeps the lookup out of the per-row expression): with pg_get_serial_sequence inside nextval(…)
 * each row looked it up again, 41 ms for 7,200 ids against 3 ms.
 */
export function takeIdsSql(table: string, n: number): SQL {
  return sql`SELECT nextval(s.seq) AS id FROM (SELECT pg_get_serial_sequence(${`"${table}"`}, 'id')::regclass AS seq OFFSET 0) s, generate_series(1, ${n})`;
}

export function pgBulkWriter<T extends SQLiteTable>(db: unknown, table: T, opts: BulkOptions<T['$inferInsert']>, method: PgBulkMethod = defaultMethod): BulkWriter<T['$inferInsert']> {
  const columns = boundColumns(table, opts.columns);
  const width = columns.length;
  const name = getTableName(table);
  const types = columns.map((c) => sqlTypeOf(table, c.key));
  const names = columns.map((c) => c.name);
  // COPY in the binary format takes each column's PostgreSQL type: only a pg-core table's are
  // (a SQLite table's would name SQLite's types)
  const binaryTypes = is(table, PgTable) ? types : undefined;
  const head = sql.raw(`INSERT INTO "${name}" (${[...(opts.returnIds || opts.givenIds ? ['"id"'] : []), ...columns.map((c) => `"${c.name}"`)].join(', ')}) SELECT * FROM unnest(`);
  let cols: unknown[][] = columns.map(() => []);
  let buffered = 0;
  let written = 0;
  const ids: number[] = [];
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown;

  const write = async (batch: unknown[][], rows: number) => {
    await customPlansWhileSmall(db, name);
    let idArray: number[] | undefined;
    if (opts.givenIds) idArray = opts.givenIds.splice(0, rows);
    else if (opts.returnIds) {
      const got = await rawAll<{ id: number }>(db, takeIdsSql(name, rows));
      idArray = got.map((r) => Number(r.id)).sort((a, b) => a - b);
    }
    let changes: number;
    if (method === 'copy' || method === 'copy-text' || (method === 'auto' && rows >= PG_COPY_MIN_ROWS)) {
      pgBulkBatches.copy++;
      const copyTypes = method === 'copy-text' ? undefined : binaryTypes;
      changes = idArray
        ? await copyColumns(db, name, ['id', ...names], [idArray, ...batch], rows, copyTypes && ['bigint', ...copyTypes])
        : await copyColumns(db, name, names, batch, rows, copyTypes);
    } else {
      pgBulkBatches.unnest++;
      const arrays: SQL[] = [];
      if (idArray) arrays.push(sql`${arrayParam(idArray)}::bigint[]`);
      for (let i = 0; i < width; i++) arrays.push(sql`${arrayParam(batch[i])}::${sql.raw(types[i])}[]`);
      changes = (await rawRun(db, sql`${head}${sql.join(arrays, sql`, `)})`)).changes;
    }
    if (changes !== rows) throw new Error(`bulk insert into ${name}: ${rows} rows sent, ${changes} written`);
    if (idArray) for (const id of idArray) ids.push(id);
    written += rows;
  };
  const startWrite = () => {
    const batch = cols;
    const rows = buffered;
    cols = columns.map(() => []);
    buffered = 0;
    pending = pending.then(() => (failure === undefined ? write(batch, rows) : undefined)).catch((e) => {
      failure ??= e;
    });
  };
  const rowAdded = () => {
    if (++buffered === PG_BULK_BATCH) startWrite();
  };

  return {
    add(row) {
      const r = row as Record<string, unknown>;
      for (let i = 0; i < width; i++) cols[i].push(driverValue(columns[i], r));
      rowAdded();
    },
    addValues(values) {
      if (values.length !== width) throw new Error(`bulk insert into ${name}: ${values.length} values for ${width} columns`);
      for (let i = 0; i < width; i++) cols[i].push(values[i]);
      rowAdded();
    },
    columns: columns.map((c) => c.key),
    async flush() {
      if (buffered) startWrite();
      await pending;
      if (failure !== undefined) {
        const e = failure;
        failure = undefined;
        throw e;
      }
    },
    ids,
    get written() {
      return written;
    },
  };
}
