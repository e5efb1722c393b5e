// The PostgreSQL backend's connection (issue 14): DATABASE_URL=postgres://... selects it; db/client.ts
// getDb() opens it for the app, migrations and maintenance commands open their own.
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema';

export type PgDB = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export { isPostgresUrl, describePostgresUrl } from './url';

/** int8 (ids, epoch-ms instants, count(*)) read as JS numbers: every value LabQC stores stays below 2^53;
 * numeric (sum(bigint), avg) too, as SQLite gives them (LabQC keeps no exact decimals). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 /* int8 */ || oid === 1700 /* numeric */ ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// drizzle's node-postgres session passes its own type parsers with each query and falls back to the
// pg module's global ones, so the pool's `types` do not reach raw SQL (db.execute): the same two
// parsers are set globally too (this process's only use of int8/numeric is LabQC's).
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v));

/** A pool on `url`; `connectionTimeoutMillis` bounds the wait for a new connection (read replicas,
 * db/replicas.ts: a black-holed replica must not hold a public call; default: wait as pg does). */
export function openPostgres(url: string, options: { max?: number; connectionTimeoutMillis?: number } = {}): PgDB {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types, connectionTimeoutMillis: options.connectionTimeoutMillis });
  // an idle connection the server drops (restart, failover, idle timeout) emits 'error' on the pool;
  // unhandled it would end the process. The pool discards that connection and opens a new one.
  pool.on('error', (e) => console.error(`PostgreSQL: idle connection lost: ${e.message}`));
  return drizzle(pool, { schema }) as PgDB;
}
