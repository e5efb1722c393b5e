// COPY … FROM STDIN for the bulk writer's large batches on PostgreSQL (issue 14): the rows go as
// one stream instead of one array parameter per column, which PostgreSQL must parse as array
// literals and then unnest. With the columns' types known, in COPY's binary format
// (./copy-binary.ts); else as tab-separated text lines
// (https://www.postgresql.org/docs/current/sql-copy.html, "Text Format"): the same driver values
// the unnest path binds, turned into text the way node-postgres turns an array's elements into text
// (pg's prepareValue), then escaped for COPY: backslash, tab, newline and carriage return as \\, \t,
// \n, \r; NULL as \N.
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BinaryCopyEncoder, binaryCopyable, fieldText } from './copy-binary';

/** Batches of at least this many rows go through COPY; smaller ones through unnest (one round trip
 * of a short statement costs less than opening a COPY). */
export const PG_COPY_MIN_ROWS = 5_000;

/** Rows per chunk written to the COPY stream (about a few hundred kB of text). */
const ROWS_PER_CHUNK = 2_000;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPE = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One value as a COPY text-format field: `\N` for null/undefined, else {@link fieldText} with
 * backslash, tab, newline and carriage return escaped.
 *
 * @example copyField(null) → '\\N'; copyField('a\tb') → 'a\\tb'; copyField(true) → 't'
 */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return NEEDS_ESCAPE.test(v) ? v.replace(ESCAPE, (c) => ESCAPED[c]) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return fieldText(v);
  // objects, and a Buffer's bytea text (\x followed by hex, its backslash escaped for COPY)
  return copyField(fieldText(v));
}

/** The node-postgres client a drizzle handle runs its statements on: a transaction's client, or the
 * pool's (a connection is taken for the COPY and given back). */
async function clientOf(db: unknown): Promise<{ client: pg.PoolClient | pg.Client; release: () => void }> {
  const session = (db as { session?: { client?: unknown } }).session;
  const c = session?.client ?? (db as { $client?: unknown }).$client ?? db;
  if (c instanceof pg.Pool) {
    const client = await c.connect();
    return { client, release: () => client.release() };
  }
  if (c && typeof (c as pg.Client).query === 'function') return { client: c as pg.Client, release: () => {} };
  throw new Error('COPY: no node-postgres client behind this database handle');
}

/**
 * Write `rows` rows given as column arrays (`columns[i][r]`, driver values as the unnest path binds
 * them) into `table` (`names`: its column names, in the arrays' order) with COPY FROM STDIN, on the
 * handle's connection (inside the caller's transaction when it holds one). With the columns' SQL
 * `types`, all of them written by ./copy-binary.ts, in the binary format; else in the text format.
 * Returns the number of rows PostgreSQL reports copied.
 */
export async function copyColumns(db: unknown, table: string, names: readonly string[], columns: readonly (readonly unknown[])[], rows: number, types?: readonly string[]): Promise<number> {
  if (names.length !== columns.length) throw new Error(`COPY into ${table}: ${names.length} names for ${columns.length} columns`);
  const binary = types !== undefined && types.length === columns.length && binaryCopyable(types);
  const { client, release } = await clientOf(db);
  try {
    const stream = client.query(copyFrom(`COPY "${table}" (${names.map((n) => `"${n}"`).join(', ')}) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`));
    await pipeline(binary ? binaryChunks(columns, rows, types) : textChunks(columns, rows), stream);
    return Number(stream.rowCount);
  } finally {
    release();
  }
}

function* textChunks(columns: readonly (readonly unknown[])[], rows: number): Generator<string> {
  const width = columns.length;
  for (let from = 0; from < rows; from += ROWS_PER_CHUNK) {
    const to = Math.min(rows, from + ROWS_PER_CHUNK);
    let text = '';
    for (let r = from; r < to; r++) {
      for (let i = 0; i < width; i++) text += (i ? '\t' : '') + copyField(columns[i][r]);
      text += '\n';
    }
    yield text;
  }
}

function* binaryChunks(columns: readonly (readonly unknown[])[], rows: number, types: readonly string[]): Generator<Buffer> {
  const encoder = new BinaryCopyEncoder(types);
  yield BinaryCopyEncoder.header();
  for (let from = 0; from < rows; from += ROWS_PER_CHUNK) yield encoder.rows(columns, from, Math.min(rows, from + ROWS_PER_CHUNK));
  yield BinaryCopyEncoder.trailer();
}
