// Array parameters (`= ANY($1::bigint[])`, `unnest($1::text[], …)`) sent as the array literal text
// PostgreSQL parses (https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO) instead of a JS
// array for node-postgres to turn into that text. node-postgres quotes every element and runs two
// regular-expression replaces over each, numbers included; an IQC import sends ~20 elements per
// result, and that was a tenth of the app's CPU for it. Here numbers go as their decimal form and a
// string is escaped only when it holds a backslash or a double quote, always quoted (so '', 'NULL'
// and ' a ' stay strings). The text is the same PostgreSQL reads from node-postgres.
import { sql, type SQL } from 'drizzle-orm';

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPE = /[\\"]/g;

function element(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPE, '\\$&')}"` : `"${v}"`;
  }
  // the rest as node-postgres sends them (the app binds epoch-ms numbers, not Dates): bytea as hex,
  // an instant in ISO form, an object as JSON; quoted as above
  if (Array.isArray(v)) throw new TypeError('arrayLiteral: nested arrays are not sent this way');
  if (Buffer.isBuffer(v)) return element(`\\x${v.toString('hex')}`);
  return element(v instanceof Date ? v.toISOString() : JSON.stringify(v));
}

/**
 * The PostgreSQL array literal of `values` (one dimension).
 *
 * @example arrayLiteral([1, null, 2.5]) → '{1,NULL,2.5}'; arrayLiteral(['a"b', 'NULL']) → '{"a\\"b","NULL"}'
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i) out += ',';
    out += element(values[i]);
  }
  return out + '}';
}

/** `values` as one array parameter; the statement casts it (`${arrayParam(ids)}::bigint[]`). */
export function arrayParam(values: readonly unknown[]): SQL {
  return sql`${arrayLiteral(values)}`;
}
