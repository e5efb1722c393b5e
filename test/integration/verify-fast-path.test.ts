// The production server's fast path (lib/server/public-fast.ts) over real HTTP, without Next: public
// GETs with ETag / Cache-Control / 304, anonymous batches (same answers as the GET), the batch rate
// limit per client address as the server resolves it, and the body cap.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, useAsProcessDb } from '@/test/support/db';
import { publicFastPath } from '@/lib/server/public-fast';
import { verifyBatchLimiter } from '@/lib/server/rate-limit';
import { CLIENT_ADDRESS_HEADER } from '@/lib/server/headers';
import { MAX_BATCH_BODY_BYTES } from '@/lib/public-api';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let server: http.Server;
let base: string;

beforeAll(async () => {
  t = await createSeededTestDb();
  await useAsProcessDb(t);
  server = http.createServer(async (req, res) => {
    // as lib/server/main.ts stamps it: here the test client names its address in a header of its own
    delete req.headers[CLIENT_ADDRESS_HEADER];
    const who = req.headers['x-test-client'];
    if (typeof who === 'string') req.headers[CLIENT_ADDRESS_HEADER] = who;
    if (!await publicFastPath(req, res)) {
      res.writeHead(599);
      res.end('left to Next');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.close();
});

const post = (body: string, headers: Record<string, string> = {}) => fetch(`${base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-client': '203.0.113.50', ...headers }, body });

describe('fast path', () => {
  it('GET verify: ETag and Cache-Control, then 304 for the same ETag', async () => {
    const url = `${base}/api/v1/verify?lab=GZ-001&analyte=loinc:2823-3&date=2026-01-15&asOf=2026-01-22`;
    const a = await fetch(url);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ recognized: false, date: '2026-01-15', reason: 'not_certified', asOf: '2026-01-22', windowDays: 30, withinWindow: true });
    const etag = a.headers.get('etag')!;
    expect(a.headers.get('cache-control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
    const b = await fetch(url, { headers: { 'if-none-match': `W/${etag}, "x"` } });
    expect([b.status, b.headers.get('etag'), await b.text()]).toEqual([304, etag, '']);
    const c = await fetch(`${base}/api/v1/labs?q=GZ-001`, { headers: { 'if-none-match': etag } });
    expect(c.status).toBe(200);
    expect((await fetch(`${base}/api/v1/labs?q=GZ-001`, { headers: { 'if-none-match': c.headers.get('etag')! } })).status).toBe(304);
  });

  it('asOf before the date: 422 verify.asOfBeforeDate, not cached', async () => {
    const r = await fetch(`${base}/api/v1/verify?lab=GZ-001&analyte=K&date=2026-01-15&asOf=2026-01-14`);
    expect(r.status).toBe(422);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(await r.json()).toMatchObject({ code: 'verify.asOfBeforeDate' });
  });

  it('an anonymous batch is answered here, each result equal to the GET', async () => {
    await verifyBatchLimiter.reset();
    const checks: Record<string, string>[] = [
      { lab: 'GZ-001', analyte: 'K', date: '2026-01-15', asOf: '2026-02-14' },
      { lab: 'GZ-001', analyte: 'K', date: '2026-01-15', asOf: '2026-02-15' },
      { lab: 'NOPE', analyte: 'K', date: '2026-01-15' },
      { lab: 'GZ-001', analyte: 'loinc:4548-4', date: '2026-01-15', asOf: '2026-01-15' },
    ];
    const r = await post(JSON.stringify({ checks }));
    expect(r.status).toBe(200);
    const { results } = (await r.json()) as { results: unknown[] };
    expect(results.map((x) => (x as { withinWindow?: boolean; code?: string }).withinWindow ?? (x as { code: string }).code)).toEqual([true, false, 'lab.notFound', true]);
    for (const [i, c] of checks.entries()) expect(results[i]).toEqual(await (await fetch(`${base}/api/v1/verify?${new URLSearchParams(c)}`)).json());
  });

  it('batches with credentials are left to Next (local codes need the caller)', async () => {
    expect((await post('{"checks":[]}', { authorization: 'Bearer x' })).status).toBe(599);
    expect((await post('{"checks":[]}', { cookie: 'authjs.session-token=abc' })).status).toBe(599);
  });

  it('rate-limits batches per resolved client address', async () => {
    await verifyBatchLimiter.reset();
    process.env.VERIFY_BATCH_RATE_LIMIT = '2';
    try {
      const body = JSON.stringify({ checks: [{ lab: 'GZ-001', analyte: 'K' }] });
      const statuses = [(await post(body)).status, (await post(body)).status];
      const third = await post(body);
      expect([...statuses, third.status]).toEqual([200, 200, 429]);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await post(body, { 'x-test-client': '198.51.100.1' })).status).toBe(200);
    } finally {
      delete process.env.VERIFY_BATCH_RATE_LIMIT;
      await verifyBatchLimiter.reset();
    }
  });

  it('refuses a body over the cap (413) and over 10,000 checks (413)', async () => {
    await verifyBatchLimiter.reset();
    const big = await post('x'.repeat(MAX_BATCH_BODY_BYTES + 10));
    expect(big.status).toBe(413);
    const many = await post(JSON.stringify({ checks: Array.from({ length: 10_001 }, () => ({ lab: 'GZ-001', analyte: 'K' })) }));
    expect(many.status).toBe(413);
    expect(await many.json()).toMatchObject({ code: 'verify.tooManyChecks' });
  });

  it('refuses a body that is not UTF-8 and an unpaired surrogate escape (422), as the framework route does', async () => {
    await verifyBatchLimiter.reset();
    const gbk = await fetch(`${base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-client': '203.0.113.51' }, body: new Blob([Buffer.from('{"checks":[{"lab":"\xba\xbc","analyte":"K"}]}', 'latin1')]) });
    expect([gbk.status, (await gbk.json()).code]).toEqual([422, 'body.notUtf8']);
    const lone = await post('{"checks":[{"lab":"GZ-001\\udc00","analyte":"K"}]}', { 'x-test-client': '203.0.113.51' });
    expect([lone.status, (await lone.json()).code]).toEqual([422, 'body.unpairedSurrogate']);
  });

  it('reads a UTF-8 body that starts with a byte-order mark (as Windows tools write it) as the same body without one', async () => {
    await verifyBatchLimiter.reset();
    const json = '{"checks":[{"lab":"GZ-001","analyte":"K","date":"2026-01-15"}]}';
    const withMark = await fetch(`${base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-client': '203.0.113.52' }, body: new Blob([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)])]) });
    const plain = await post(json, { 'x-test-client': '203.0.113.52' });
    expect(withMark.status).toBe(200);
    expect(await withMark.json()).toEqual(await plain.json());
  });
});
