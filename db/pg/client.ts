// The PostgreSQL backend's connection (issue 14): DATABASE_URL=postgres://... selects it. Only the
// migrations and maintenance commands use it so far; the query layer still runs on SQLite
// (db/client.ts) until db/ exposes one asynchronous interface for both (README, issue 14).
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as schema from './schema';

export type PgDB = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export { isPostgresUrl, describePostgresUrl } from './url';

/** int8 (ids, epoch-ms instants, count(*)) read as JS numbers: every value LabQC stores stays below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 /* int8 */ ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function openPostgres(url: string, options: { max?: number } = {}): PgDB {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  return drizzle(pool, { schema }) as PgDB;
}
