// Says plainly, once per run, whether the PostgreSQL tests run (TEST_DATABASE_URL, which .ci/run sets
// with .ci/postgres.sh) or are skipped. Tests that need PostgreSQL use `describe.skipIf(!pgUrl)`
// (test/support/pg.ts).
import pg from 'pg';

const g = globalThis as unknown as { __labqcPgBanner?: boolean };

export default async function setup() {
  if (g.__labqcPgBanner) return;
  g.__labqcPgBanner = true;
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.log('PostgreSQL: skipped (TEST_DATABASE_URL not set)');
    return;
  }
  const u = new URL(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v");
    console.log(`PostgreSQL: ${rows[0].v} at ${u.hostname}:${u.port || 5432}`);
  } catch (e) {
    // set but unreachable is a broken environment, not a reason to skip silently
    throw new Error(`PostgreSQL: TEST_DATABASE_URL is set but ${u.hostname}:${u.port || 5432} cannot be reached: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}
