// GET /api/v1/health (issue 14: several app instances behind a load balancer): 200 while the
// instance's database answers, 503 when it cannot be reached; never cached. Through the public API
// function the fast path serves and through the Next route handler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb } from '@/db/client';
import { createTestDb, testBackend, useAsProcessDb, type TestDb } from '../support/db';
import { publicApi, renderPublic } from '@/lib/public-api';
import { publicApiRoute } from '@/lib/http';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await useAsProcessDb(t);
});
afterAll(async () => {
  await closeDb();
  await t.close();
});

describe('GET /api/v1/health', () => {
  it('200 { status: ok, database: ok } with no-store and no ETag, the same through the route handler', async () => {
    const answer = await publicApi('/api/v1/health', new URLSearchParams());
    expect(answer).toEqual({ status: 200, body: { status: 'ok', database: 'ok' }, cache: 'no-store' });
    const rendered = renderPublic(answer!, null);
    expect(rendered.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    const res = await publicApiRoute(new Request('http://x/api/v1/health'));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('503 { status: unavailable } when the database cannot be reached, 200 again once it can', async () => {
    const key = testBackend === 'pg' ? 'DATABASE_URL' : 'DATABASE_PATH';
    const saved = process.env[key];
    await closeDb();
    // nothing listens on port 1; a file cannot hold a directory
    process.env[key] = testBackend === 'pg' ? 'postgres://labqc@127.0.0.1:1/labqc' : `${t.file}/not-a-directory/labqc.sqlite`;
    try {
      const down = await publicApi('/api/v1/health', new URLSearchParams());
      expect(down).toEqual({ status: 503, body: { status: 'unavailable', database: 'unavailable' }, cache: 'no-store' });
      const res = await publicApiRoute(new Request('http://x/api/v1/health'));
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', database: 'unavailable' });
    } finally {
      await closeDb();
      process.env[key] = saved;
    }
    expect((await publicApi('/api/v1/health', new URLSearchParams()))?.status).toBe(200);
  });
});
