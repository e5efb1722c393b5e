// Bulk inserts on PostgreSQL with UNNEST (issue 14): one array parameter per column, so a statement
// carries any number of rows without meeting the 65,535 bound-parameter limit, and PostgreSQL
// parses one short statement instead of a VALUES list of rows × columns placeholders. Values go
// through each column's own driver mapping (JSON → text for jsonb, booleans, epoch-ms numbers).
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** Rows per statement: bounded by memory, not by parameters. */
export const UNNEST_BATCH = 10_000;

/**
 * Insert `rows` (objects keyed like the table's columns, as drizzle selects them) into `table`.
 * Every row must carry the same keys; a key left out takes the column default for all rows.
 * `jsonText`: keys of JSON columns whose values are given as JSON text, stored as they are.
 * Returns the number of rows inserted.
 */
export async function insertUnnest(db: Queryable, table: PgTable, rows: Record<string, unknown>[], opts: { jsonText?: ReadonlySet<string> } = {}): Promise<number> {
  if (!rows.length) return 0;
  const all = getTableColumns(table);
  const keys = Object.keys(rows[0]).filter((k) => k in all);
  const columns = keys.map((k) => all[k]);
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.getSQLType()}[]`).join(', ');
  const text = `INSERT INTO "${getTableConfig(table).name}" (${names}) SELECT * FROM unnest(${arrays})`;
  let inserted = 0;
  for (let start = 0; start < rows.length; start += UNNEST_BATCH) {
    const batch = rows.slice(start, start + UNNEST_BATCH);
    const params = columns.map((c, i) =>
      batch.map((r) => {
        const v = r[keys[i]];
        // JSON already as text (a copy keeping the text as written) goes as it is
        return v === null || v === undefined ? null : opts.jsonText?.has(keys[i]) ? v : c.mapToDriverValue(v);
      }),
    );
    const r = await db.query(text, params);
    inserted += r.rowCount ?? 0;
  }
  return inserted;
}
