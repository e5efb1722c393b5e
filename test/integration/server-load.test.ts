// Heavy work off the request thread, through the real production server (issue 10): the compiled
// server of `npm start` (lib/server/main.ts with its job workers, built into .next-ops) on 127.0.0.1.
// Before, ingest ran on the server's only thread: during a 100,000-result import a public verify
// call waited the whole import (5.9 s measured) and 50 LIS clients posting at once saw p99 11.7 s.
// Now the public API keeps answering during the import, and each LIS client is answered when its
// own job is done rather than when the whole wave is.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '@/test/support/db';
import { ensureOpsBuild, startProdServer, type ProdServer } from '@/test/support/prod-server';
import { createApiToken } from '@/lib/services/tokens';
import { verifyAuditChain } from '@/db/queries/audit-chain';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const iso = (ms: number) => new Date(ms).toISOString();
const count = async (w: World) => (await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM iqc_results'))[0].n;
/** The value at quantile q (nearest rank) of unsorted samples. */
const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];

/** One request on a keep-alive agent; resolves with its status, body and latency (ms). */
function request(agent: http.Agent, base: string, target: string, opts: { method?: string; headers?: Record<string, string | number>; body?: string } = {}): Promise<{ status: number; body: string; ms: number }> {
  const u = new URL(base);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: target, method: opts.method ?? 'GET', agent, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

let w: World;
let s: ProdServer;
const tokens = new Map<string, string>();
const labCodes: string[] = [];

// long: the build may wait for other builds holding the e2e lock
beforeAll(() => ensureOpsBuild(), 900_000);
beforeAll(async () => {
  w = await createSeededTestDb();
  for (const [code, actor] of [...w.labManagers].slice(0, 10)) {
    labCodes.push(code);
    tokens.set(code, (await createApiToken(w.db, actor, { name: 'LIS', scopes: ['iqc:write'] })).token);
  }
  s = await startProdServer(w.file);
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await w?.close();
});

describe('the public API during a 100,000-result import', () => {
  it('GET /api/v1/verify keeps p99 under 200 ms while the import runs, and the import is stored whole', async () => {
    const [code] = labCodes;
    const N = 100_000;
    const start = Date.now() - 300 * 86_400_000;
    const lines = ['measured_at,analyte_code,level,lot,value,instrument'];
    for (let i = 0; i < N; i++) lines.push(`${iso(start + Math.floor(i / 2) * 240_000)},K,${(i % 2) + 1},LOAD-${(i % 2) + 1},${(4 + (i % 7) * 0.01).toFixed(2)},AU`);
    const body = lines.join('\n');
    const before = await count(w);
    const importer = new http.Agent({ keepAlive: false });
    const verifier = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const verify = () => request(verifier, s.baseUrl, '/api/v1/verify?lab=GZ-001&analyte=K&date=2026-11-01');
    await verify(); // warm: connection and prepared statements

    let done = false;
    const t0 = performance.now();
    const imported = request(importer, s.baseUrl, `/api/v1/iqc/results?lab=${code}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) },
      body,
    }).finally(() => (done = true));
    const latencies: number[] = [];
    const statuses = new Set<number>();
    // a verify call every few ms for as long as the import runs (the import takes 1.5–3 s)
    while (!done) {
      const r = await verify();
      latencies.push(r.ms);
      statuses.add(r.status);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const answer = await imported;
    const importMs = performance.now() - t0;
    verifier.destroy();
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    console.log(`verify during a ${N.toLocaleString('en-US')}-result import (${Math.round(importMs)} ms): ${latencies.length} calls, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);

    expect(answer.status, answer.body.slice(0, 500)).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ inserted: N, skipped: 0 });
    expect((await count(w)) - before).toBe(N);
    // the import took long enough for the measure to mean something: a few hundred calls during it
    expect(latencies.length).toBeGreaterThanOrEqual(100);
    expect([...statuses]).toEqual([200]);
    expect(p99).toBeLessThan(200);
  }, 180_000);
});

describe('refusals decided in a job worker', () => {
  it('reach the client with their status and body (422 with the bad row), not as a 500', async () => {
    const [code] = labCodes;
    const body = `measured_at,analyte_code,level,lot,value,instrument\n${iso(Date.now() - 86_400_000)},K,1,BAD-1,abc,AU\n`;
    const r = await request(new http.Agent({ keepAlive: false }), s.baseUrl, `/api/v1/iqc/results?lab=${code}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) },
      body,
    });
    expect(r.status).toBe(422);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'iqc.invalidResults', errors: [{ row: 2, field: 'value' }] });
  });
});

describe('50 LIS clients posting at once', () => {
  it('each is answered when its own job is done: answers spread over the wave instead of all coming at its end', async () => {
    const CLIENTS = 50;
    const RUNS = 250; // 500 results per client
    const base = Date.now() - 200 * 86_400_000;
    const bodies = Array.from({ length: CLIENTS }, (_, c) => {
      const results = [];
      for (let i = 0; i < RUNS; i++) {
        for (const level of ['1', '2']) results.push({ analyte: 'NA', level, lot: `W${c}-${level}`, value: (level === '1' ? 135 : 155) + (i % 5) * 0.1, measuredAt: iso(base + (c * RUNS + i) * 60_000), instrument: `AU-${c}` });
      }
      return JSON.stringify({ results });
    });
    const before = await count(w);
    const t0 = performance.now();
    const answers = await Promise.all(
      bodies.map((body, c) => {
        const code = labCodes[c % labCodes.length];
        return request(new http.Agent({ keepAlive: false }), s.baseUrl, '/api/v1/iqc/results', {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          body,
        });
      }),
    );
    const total = performance.now() - t0;
    const times = answers.map((a) => a.ms);
    const first = Math.min(...times);
    const median = quantile(times, 0.5);
    const deciles = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((q) => Math.round(quantile(times, q)));
    console.log(`50 clients × ${RUNS * 2} results: wave ${Math.round(total)} ms; first answer ${Math.round(first)} ms, deciles ${deciles.join(' ')} ms, p99 ${Math.round(quantile(times, 0.99))} ms`);

    expect(answers.map((a) => a.status)).toEqual(Array(CLIENTS).fill(201));
    expect((await count(w)) - before).toBe(CLIENTS * RUNS * 2);
    // answers spread over the wave as jobs finish (writes are serialised by SQLite, so the k-th job
    // to finish waits for k-1 others; the first ones wait for the 50 bodies to arrive): a client is
    // not held until the whole wave is done. Measured on 2 cores: first 349 ms of a 1,338 ms wave,
    // deciles 543 615 728 825 894 965 1110 1155 1261 ms (answers held for the wave would bunch at its end).
    // On a loaded machine the bodies arrive later: first 694 ms of a 1,730 ms wave (0.40), deciles
    // 775 … 1669 ms; a wave held to its end would give its first answer at about the end
    expect(first).toBeLessThan(0.5 * total);
    expect(times.filter((t) => t < 0.75 * total).length).toBeGreaterThanOrEqual(0.4 * CLIENTS);
    expect(median).toBeLessThan(0.8 * total);
    // SQLite's own check of the file (PostgreSQL has no counterpart to ask)
    if (w.backend === 'sqlite') expect(w.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await verifyAuditChain(w.db)).ok).toBe(true);
  }, 180_000);
});
