// PostgreSQL for the tests that need it: `describe.skipIf(!pgUrl)(...)`; each test file gets a
// database of its own (CREATE DATABASE on the TEST_DATABASE_URL server), dropped when it closes.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the PostgreSQL tests use, or undefined (they are skipped; the run says so). */
export const pgUrl = process.env.TEST_DATABASE_URL || undefined;

export interface PgTestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/** A new, empty database on the test server; `drop()` removes it (its connections must be closed). */
export async function createPgTestDatabase(prefix = 'labqc_t', template = 'template0'): Promise<PgTestDatabase> {
  if (!pgUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" ENCODING 'UTF8'`);
  } finally {
    await admin.end();
  }
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
