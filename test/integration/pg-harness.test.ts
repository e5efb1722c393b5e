// The PostgreSQL test harness itself (issue 14): a database per test file on TEST_DATABASE_URL.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPgTestDatabase, pgUrl } from '@/test/support/pg';

describe.skipIf(!pgUrl)('PostgreSQL test harness', () => {
  it('creates an empty database of its own and drops it', async () => {
    const t = await createPgTestDatabase();
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    const { rows } = await c.query<{ db: string; tables: string }>(
      "select current_database() as db, (select count(*) from information_schema.tables where table_schema = 'public')::text as tables",
    );
    await c.end();
    expect(rows[0]).toEqual({ db: t.name, tables: '0' });
    await t.drop();
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const left = await admin.query('select 1 from pg_database where datname = $1', [t.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});
