// Issue 14, several app instances: the batch verification's rate limit counts in PostgreSQL
// (rate_limit_windows, one atomic upsert per take), so two instances share one window per client:
// the 61st batch in a minute is refused whichever instance it reaches, with the seconds to wait.
// PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { closeRateLimitDbs, createPgRateLimiter } from '@/lib/server/rate-limit-pg';
import { deploymentRateLimiter } from '@/lib/server/rate-limit';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';

describe.skipIf(!pgUrl)('PostgreSQL rate limits shared by app instances', () => {
  let t: PgTestDatabase;
  let a: PgDB; // instance A's pool
  let b: PgDB; // instance B's pool
  beforeAll(async () => {
    t = await createPgTestDatabase('labqc_rl');
    a = openPostgres(t.url, { max: 2 });
    b = openPostgres(t.url, { max: 2 });
    // pool.end() resolves before its connections have closed: the DROP … WITH (FORCE) after it may end them first
    for (const pool of [a, b]) pool.$client.on('error', () => {});
    await runPgMigrations(a);
  });
  afterAll(async () => {
    await closeRateLimitDbs();
    await a?.$client.end();
    await b?.$client.end();
    await t?.drop();
  });

  it('two limiters on one database share the count: the 61st take in a window from either is refused with Retry-After', async () => {
    const opts = { limit: 60, windowMs: 60_000 };
    const onA = createPgRateLimiter(a, 'verify-batch', opts);
    const onB = createPgRateLimiter(b, 'verify-batch', opts);
    const t0 = Date.UTC(2026, 10, 29, 12);
    // 60 batches from one client at once, alternating instances
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? onB : onA).take('203.0.113.7', t0)));
    expect(answers).toEqual(Array(60).fill(null));
    expect(await onA.take('203.0.113.7', t0 + 10_000)).toBe(50);
    expect(await onB.take('203.0.113.7', t0 + 59_500)).toBe(1);
    // another client, and the same client's /64 neighbour for IPv6, count apart
    expect(await onB.take('203.0.113.8', t0 + 10_000)).toBeNull();
    // a new window once the first has passed
    expect(await onB.take('203.0.113.7', t0 + 60_000)).toBeNull();
    const { rows } = await a.execute<{ hits: number; window_start: number }>(sql`SELECT hits, window_start::float8 AS window_start FROM rate_limit_windows WHERE key = 'verify-batch:a:203.0.113.7'`);
    expect(rows).toEqual([{ hits: 1, window_start: t0 + 60_000 }]);
  });

  it('refuses concurrent takes beyond the limit exactly (one upsert each, no lost update)', async () => {
    const onA = createPgRateLimiter(a, 'burst', { limit: 10, windowMs: 60_000 });
    const onB = createPgRateLimiter(b, 'burst', { limit: 10, windowMs: 60_000 });
    const now = Date.now();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? onB : onA).take('2001:db8::1', now)));
    expect(answers.filter((x) => x === null)).toHaveLength(10);
    expect(answers.filter((x) => x === 60)).toHaveLength(20);
    await onA.reset();
    expect(await onB.take('2001:db8::2', now)).toBeNull(); // same /64, fresh after reset
  });

  it('DATABASE_URL=postgres://… chooses the database limiter; without it, memory', async () => {
    const shared = deploymentRateLimiter('chosen', { limit: 1, windowMs: 60_000 }, { DATABASE_URL: t.url });
    expect(await shared.take('198.51.100.1')).toBeNull();
    expect(await deploymentRateLimiter('chosen', { limit: 1, windowMs: 60_000 }, { DATABASE_URL: t.url }).take('198.51.100.1')).toBeGreaterThan(0);
    const memory = deploymentRateLimiter('chosen', { limit: 1, windowMs: 60_000 }, {});
    expect(await memory.take('198.51.100.1')).toBeNull();
    await shared.reset();
  });
});
