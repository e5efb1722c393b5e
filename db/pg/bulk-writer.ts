// The bulk writer (db/bulk.ts) on PostgreSQL: rows are buffered as one array per column and written
// with INSERT … SELECT FROM unnest($1::type[], …), one parameter per column whatever the number of
// rows (no 65,535 bound-parameter limit). Ids (returnIds) are taken from the table's identity
// sequence first and written with the rows, so they come back in the order the rows were added.
// Writes start as soon as a batch is full and run in order on the caller's connection (a
// transaction's one client); flush() waits for them all and reports the first failure.
// A batch of PG_COPY_MIN_ROWS rows or more goes with COPY FROM STDIN instead (./copy-from.ts): the
// same rows and ids, written as text lines rather than array parameters.
import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { getTableColumns } from 'drizzle-orm';
import { boundColumns, driverValue, type BulkOptions, type BulkWriter } from '../bulk';
import { rawAll, rawRun } from '../dialect';
import { copyColumns, PG_COPY_MIN_ROWS } from './copy-from';

/** Rows per statement (bounded by memory, not by parameters). */
export const PG_BULK_BATCH = 10_000;

function sqlTypeOf(table: SQLiteTable, key: string): string {
  const col = getTableColumns(table)[key] as unknown as { getSQLType(): string };
  return col.getSQLType();
}

/** How a batch is written: 'auto' (COPY from PG_COPY_MIN_ROWS rows on, unnest below), or always
 * one of them (tests and the bench compare the two). */
export type PgBulkMethod = 'auto' | 'unnest' | 'copy';

let defaultMethod: PgBulkMethod = 'auto';

/** Batches this process has written each way (the bench reports how many went through COPY). */
export const pgBulkBatches = { copy: 0, unnest: 0 };
/** The method of writers made without one (the bench measures the app's ingest with each). */
export function setPgBulkMethod(m: PgBulkMethod): void {
  defaultMethod = m;
}

export function pgBulkWriter<T extends SQLiteTable>(db: unknown, table: T, opts: BulkOptions<T['$inferInsert']>, method: PgBulkMethod = defaultMethod): BulkWriter<T['$inferInsert']> {
  const columns = boundColumns(table, opts.columns);
  const width = columns.length;
  const name = getTableName(table);
  const types = columns.map((c) => sqlTypeOf(table, c.key));
  const names = columns.map((c) => c.name);
  const head = sql.raw(`INSERT INTO "${name}" (${[...(opts.returnIds || opts.givenIds ? ['"id"'] : []), ...columns.map((c) => `"${c.name}"`)].join(', ')}) SELECT * FROM unnest(`);
  let cols: unknown[][] = columns.map(() => []);
  let buffered = 0;
  let written = 0;
  const ids: number[] = [];
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown;

  const write = async (batch: unknown[][], rows: number) => {
    let idArray: number[] | undefined;
    if (opts.givenIds) idArray = opts.givenIds.splice(0, rows);
    else if (opts.returnIds) {
      const got = await rawAll<{ id: number }>(
        db,
        sql`SELECT nextval(pg_get_serial_sequence(${`"${name}"`}, 'id')) AS id FROM generate_series(1, ${rows})`,
      );
      idArray = got.map((r) => Number(r.id)).sort((a, b) => a - b);
    }
    let changes: number;
    if (method === 'copy' || (method === 'auto' && rows >= PG_COPY_MIN_ROWS)) {
      pgBulkBatches.copy++;
      changes = idArray ? await copyColumns(db, name, ['id', ...names], [idArray, ...batch], rows) : await copyColumns(db, name, names, batch, rows);
    } else {
      pgBulkBatches.unnest++;
      const arrays: SQL[] = [];
      if (idArray) arrays.push(sql`${sql.param(idArray)}::bigint[]`);
      for (let i = 0; i < width; i++) arrays.push(sql`${sql.param(batch[i])}::${sql.raw(types[i])}[]`);
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
