// The production server under load and faults, through real HTTP on 127.0.0.1 (lib/server/main.ts as
// `npm start` runs it, built into .next-ops): malformed URLs, slow clients and the connection cap;
// 50 LIS clients posting IQC runs at once; SIGKILL in the middle of a large import; a backup taken
// while the server writes. Every test is bounded and stops its server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createSeededTestDb, sqlRows, testBackend } from '@/test/support/db';
import { ensureOpsBuild, startProdServer, type ProdServer } from '@/test/support/prod-server';
import { createApiToken } from '@/lib/services/tokens';
import { backupDatabase } from '@/db/backup';
import { openDatabase } from '@/db/client';
import { verifyAuditChain } from '@/db/queries/audit-chain';
import { malformedTarget } from '@/lib/server/limits';
import { holdSqliteWriteLock } from '@/test/support/write-lock';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const resultCount = async (w: World) => (await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM iqc_results'))[0].n;

/** One GET on a fresh connection (no keep-alive pool), so connection counts stay exact. */
function rawGet(baseUrl: string, target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: target, method: 'GET', agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Open a raw connection; resolves with how it ended: data received, closed by the server, or still open after `ms`. */
function probe(port: number, send: string, ms: number): Promise<{ outcome: 'data' | 'closed' | 'open'; data: string; after: number; socket: net.Socket }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (outcome: 'data' | 'closed' | 'open') => {
      if (done) return;
      done = true;
      resolve({ outcome, data, after: Date.now() - t0, socket });
    };
    socket.on('connect', () => send && socket.write(send));
    socket.on('data', (d) => {
      data += d;
    });
    socket.on('close', () => finish(data ? 'data' : 'closed'));
    socket.on('error', () => finish('closed'));
    setTimeout(() => finish('open'), ms);
  });
}

/** Resident memory (MB) of the server's process group (npx, tsx and the server's node). */
function groupRssMb(pgid: number): number {
  let kb = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended meanwhile
    }
  }
  return kb / 1024;
}

const iso = (ms: number) => new Date(ms).toISOString();
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

// long: the build may wait for other builds holding the e2e lock (browser tests, other server tests)
beforeAll(() => ensureOpsBuild(), 900_000);

describe('request targets that cannot be decoded', () => {
  it.each([
    ['/api/v1/labs/%/certifications', true],
    ['/verify/labs/%', true],
    ['/certificates/%E0%A4%A', true],
    ['/lab/eqa/%zz?x=1', true],
    ['/api/v1/labs/GZ-001/certifications?date=%', false], // the query is parsed leniently
    ['/verify/labs/%E5%B9%BF', false],
    // a NUL character, in the path or the query
    ['/fhir/Organization/A%00B', true],
    ['/api/v1/verify?lab=A%00B&analyte=K', true],
    ['/verify?q=%00', true],
    ['/api/v1/verify?lab=A%2500B', false], // "%00" as text: a percent sign, then 00
    // a dot segment: Next resolves it before routing, so the path judged here would not be the route
    ['/api/v1/../auth/callback/credentials', true],
    ['/api/v1/%2e%2e/auth/callback/credentials', true],
    ['/fhir/%2E./api/auth/callback/credentials', true],
    ['/api/v1/./labs', true],
    ['/api/v1\\..\\auth/session', true],
    ['/api/v1/verify?lab=..&analyte=K', false], // in the query it is text
    ['/verify/labs/GZ-001..x', false],
    ['/certificates/...', false],
  ])('malformedTarget(%j) = %s', (target, expected) => expect(malformedTarget(target)).toBe(expected));
});

describe('the production server: malformed URLs, slow clients, connection cap', () => {
  let w: World;
  let s: ProdServer;
  beforeAll(async () => {
    w = await createSeededTestDb();
    s = await startProdServer(w.file, { SERVER_HEADERS_TIMEOUT_MS: '1500', SERVER_REQUEST_TIMEOUT_MS: '3000', MAX_CONNECTIONS: '6' });
  }, 120_000);
  afterAll(async () => {
    await s?.stop();
    await w?.close();
  });

  it.each([
    '/api/v1/labs/%/certifications',
    '/verify/labs/%',
    '/certificates/%',
    '/lab/eqa/%',
    // a NUL character: PostgreSQL refused the whole statement (500) where SQLite answered not found
    '/api/v1/verify?lab=GZ%00-001&analyte=K&date=2026-11-20',
    '/api/v1/labs?q=GZ%00',
    '/fhir/Organization/GZ-001%00',
    '/verify?lab=GZ-001%00&analyte=K',
  ])('GET %s answers 400, never 500, with no stack trace in the log', async (target) => {
    const r = await rawGet(s.baseUrl, target);
    // under /fhir an OperationOutcome, as every FHIR refusal
    const expected = target.startsWith('/fhir/')
      ? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { coding: [{ system: 'urn:labqc:reason', code: 'request.malformedUrl' }], text: 'Malformed URL' } }] }
      : { error: 'Malformed URL', code: 'request.malformedUrl' };
    expect([r.status, JSON.parse(r.body)]).toEqual([400, expected]);
    expect(s.log()).not.toMatch(/URIError|\n\s+at /);
  });

  it('a server action from another origin (or Origin: null) answers 403 (auth.crossOrigin), not a 500 with a stack trace', async () => {
    for (const origin of ['https://evil.example', 'null']) {
      const r = await fetch(`${s.baseUrl}/lab/eqa/2026-4`, {
        method: 'POST',
        headers: { 'next-action': '0123456789abcdef0123456789abcdef01234567', 'content-type': 'text/plain;charset=UTF-8', origin },
        body: '["x"]',
      });
      expect([r.status, await r.json()], String(origin)).toEqual([403, { error: 'Requests to this application must come from its own pages', code: 'auth.crossOrigin' }]);
    }
    // the same from the application's own origin reaches Next (an unknown action: not our 403)
    const own = await fetch(`${s.baseUrl}/lab/eqa/2026-4`, { method: 'POST', headers: { 'next-action': '0123456789abcdef0123456789abcdef01234567', origin: s.baseUrl }, body: '["x"]' });
    expect(own.status).not.toBe(403);
    expect(s.log()).not.toMatch(/Invalid Server Actions request/);
  });

  it('a path under /api/v1 that no route serves answers a JSON 404 (request.unknownPath), and the FHIR base an OperationOutcome, never the HTML page', async () => {
    for (const target of ['/api/v1/nope', '/api/v1/labs/GZ-001', '/api/v1/analytes/K']) {
      const r = await rawGet(s.baseUrl, target);
      expect([r.status, JSON.parse(r.body)], target).toEqual([404, { error: `No such API path: GET ${target}`, code: 'request.unknownPath' }]);
    }
    expect((await rawGet(s.baseUrl, '/api/v1/labs/GZ-001/certifications')).status).toBe(200);
    const base = await rawGet(s.baseUrl, '/fhir');
    expect([base.status, JSON.parse(base.body).resourceType]).toEqual([404, 'OperationOutcome']);
    const post = await probe(s.port, 'POST /fhir HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/fhir+json\r\nContent-Length: 2\r\n\r\n{}', 5_000);
    expect(post.data).toMatch(/^HTTP\/1\.1 404/);
    expect(post.data).toMatch(/content-type: application\/fhir\+json/i);
  });

  it('a client that never finishes its headers is answered 408 and disconnected after headersTimeout (1.5 s here)', async () => {
    const r = await probe(s.port, 'GET /api/v1/labs HTTP/1.1\r\nHost: x\r\nX-Slow: ', 8_000);
    expect(r.outcome).toBe('data');
    expect(r.data).toMatch(/^HTTP\/1\.1 408/);
    expect(r.after).toBeGreaterThanOrEqual(1_400);
    expect(r.after).toBeLessThan(4_500);
  });

  it('a body that never completes is cut off after requestTimeout (3 s here)', async () => {
    const r = await probe(s.port, 'POST /api/v1/iqc/results HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nmeasured_at', 10_000);
    expect(r.outcome).not.toBe('open');
    expect(r.after).toBeLessThan(7_000);
  });

  it.each([
    ['a declared 30 MB body to a page is refused unread (413)', 'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 31457280\r\n\r\n', 413],
    ['a chunked body to the sign-in endpoint (which reads bodies whole) needs a length (411)', 'POST /api/auth/callback/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nemail\r\n', 411],
    ['the same through a dot segment under /api/v1 (which Next resolves to the sign-in endpoint) is refused before routing (400)', 'POST /api/v1/%2e%2e/auth/callback/credentials HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nemail\r\n', 400],
  ])('%s', async (_t, request, status) => {
    const r = await probe(s.port, request, 2_000);
    expect(r.data).toMatch(new RegExp(`^HTTP/1\\.1 ${status}`));
  });

  it('a FHIR client streaming its $verify-recognition body (chunked, no length) is answered, as the API is; a declared 30 MB body is refused (413) as an OperationOutcome', async () => {
    const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:labqc:item-code', code: 'K' }] }, performer: [{ reference: 'Organization/GZ-001' }], effectiveDateTime: '2026-06-01' } }] });
    const chunked = `POST /fhir/Observation/$verify-recognition HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(bundle).toString(16)}\r\n${bundle}\r\n0\r\n\r\n`;
    const r = await probe(s.port, chunked, 10_000);
    expect(r.data).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(r.data.slice(r.data.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, ''))).toMatchObject({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Observation' } }] });
    const big = await probe(s.port, 'POST /fhir/Observation/$verify-recognition HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 31457280\r\n\r\n', 2_000);
    expect(big.data).toMatch(/^HTTP\/1\.1 413/);
    expect(big.data).toMatch(/content-type: application\/fhir\+json/i);
    expect(JSON.parse(big.data.slice(big.data.indexOf('\r\n\r\n') + 4))).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly', details: { coding: [{ code: 'body.tooLargeUnread' }] } }] });
  });

  it('a client sending a declared 30 MB body to a page receives the 413 instead of a reset connection', async () => {
    const u = new URL(s.baseUrl);
    const status = await new Promise<number | string>((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, path: '/login', method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': 30 * 1024 * 1024 } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on('error', (e) => resolve(e.message));
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 30 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
  });

  it('connections beyond MAX_CONNECTIONS (6 here) are closed at once; the server serves again when they go', async () => {
    // open connections one by one until the server refuses one (other clients may hold a few)
    const held: net.Socket[] = [];
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) {
      const p = await probe(s.port, '', 250);
      if (p.outcome === 'open') held.push(p.socket);
      else refused = true;
    }
    expect(refused).toBe(true);
    expect(held.length).toBeLessThanOrEqual(6);
    const extra = await probe(s.port, 'GET /api/v1/labs?q=x HTTP/1.1\r\nHost: x\r\n\r\n', 1_000);
    expect(extra.outcome).toBe('closed');
    held.forEach((h) => h.destroy());
    await new Promise((r) => setTimeout(r, 200));
    expect((await rawGet(s.baseUrl, '/api/v1/labs?q=GZ')).status).toBe(200);
  });
});

describe('the production server under concurrent LIS clients and during backups', () => {
  let w: World;
  let s: ProdServer;
  const tokens = new Map<string, string>();
  const labCodes: string[] = [];
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

  const post = (code: string, results: unknown[]) =>
    fetch(`${s.baseUrl}/api/v1/iqc/results`, { method: 'POST', headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'application/json' }, body: JSON.stringify({ results }) });
  const run = (client: number, i: number, base: number) =>
    ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-C${client}`, value: level === '1' ? 4 + (i % 5) * 0.01 : 6 + (i % 5) * 0.01, measuredAt: iso(base - (client * 100 + i) * 60_000), instrument: `AU-${client}` }));

  /** How long each public GET took, one after another, until `work` ends. */
  /** `work`, or a failure naming the step and showing the server's log once `ms` have passed: a step
   * that hangs under a loaded run then says which one it was, not only the test's timeout */
  const bounded = <T>(what: string, work: Promise<T>, ms: number): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms\nthe server's log:\n${s.log().slice(-4000)}`)), ms);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  };

  const publicGetsUntil = async (work: Promise<unknown>) => {
    let done = false;
    // ends when the work ends, a failure included (the test then reports that failure, not a timeout)
    const end = () => void (done = true);
    work.then(end, end);
    const gets: number[] = [];
    while (!done) {
      const t = performance.now();
      expect((await bounded('a public GET during the work', fetch(`${s.baseUrl}/api/v1/labs`), 10_000)).status).toBe(200);
      gets.push(performance.now() - t);
    }
    return gets;
  };

  it('50 clients posting 4 runs each at once (plus one retry each) lose nothing and store nothing twice', async () => {
    const base = Date.now() - 3_600_000 * 2;
    const before = await resultCount(w);
    const clients = Array.from({ length: 50 }, (_, c) => c);
    const statuses = await Promise.all(
      clients.map(async (c) => {
        const code = labCodes[c % labCodes.length];
        const out: number[] = [];
        for (let i = 0; i < 4; i++) out.push((await post(code, run(c, i, base))).status);
        // the LIS retries its first run (e.g. after a timeout): the same results again
        const retry = await post(code, run(c, 0, base));
        out.push(retry.status, ((await retry.json()) as { inserted: number }).inserted);
        return out;
      }),
    );
    expect(statuses.every((o) => o.slice(0, 5).every((x) => x === 201) && o[5] === 0)).toBe(true);
    expect((await resultCount(w)) - before).toBe(50 * 4 * 2);
    expect(await sqlRows(w.db, 'SELECT count(*) AS n FROM (SELECT 1 FROM iqc_results r JOIN control_lots l ON l.id = r.control_lot_id GROUP BY l.lab_id, l.id, r.measured_at HAVING count(*) > 1) AS twice')).toEqual([{ n: 0 }]);
    if (w.backend === 'sqlite') expect(w.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await verifyAuditChain(w.db)).ok).toBe(true);
  }, 60_000);

  it('a signed-in browser session writes only from the application origin, and never with text/plain (CSRF)', async () => {
    const csrf = await fetch(`${s.baseUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signIn = await fetch(`${s.baseUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { cookie: csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, email: w.labManagers.get(labCodes[0])!.email, password: 'labqc-demo' }),
      redirect: 'manual',
    });
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => /session-token=./.test(c))!;
    expect(cookie).toBeTruthy();
    const body = JSON.stringify({ results: run(8, 0, Date.now() - 3_600_000) });
    const post = (headers: Record<string, string>) => fetch(`${s.baseUrl}/api/v1/iqc/results`, { method: 'POST', headers: { cookie, ...headers }, body }).then((r) => r.status);
    expect(await post({ origin: 'https://evil.example', 'content-type': 'application/json' })).toBe(403);
    expect(await post({ 'content-type': 'application/json' })).toBe(403); // no Origin at all
    expect(await post({ origin: s.baseUrl, 'content-type': 'text/plain' })).toBe(415);
    expect(await post({ origin: s.baseUrl, 'content-type': 'application/json' })).toBe(201);
  });

  // SQLite's write lock, held by another connection (a job worker's import holds it for seconds)
  it.skipIf(testBackend === 'pg')('a write on the request thread waits for the write lock without stopping the thread: the public API answers meanwhile', async () => {
    const HOLD_MS = 2_000;
    const held = await holdSqliteWriteLock(w.file, HOLD_MS);
    const t0 = Date.now();
    // a sign-in attempt writes on the request thread (the throttle's count, in a transaction)
    const csrf = await fetch(`${s.baseUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signIn = fetch(`${s.baseUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { cookie: csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, email: 'nobody@lock.test', password: 'wrong password' }),
      redirect: 'manual',
    }).then((r) => ({ status: r.status, at: Date.now() - t0 }));
    const gets: number[] = [];
    while (Date.now() - t0 < HOLD_MS - 300) {
      const t = performance.now();
      expect((await fetch(`${s.baseUrl}/api/v1/labs`)).status).toBe(200);
      gets.push(performance.now() - t);
    }
    const answered = await signIn;
    expect(await held.released).toBe(0);
    // the sign-in waited for the lock; the reads meanwhile did not wait for it (they stalled for the
    // whole hold when the request thread waited in SQLite's busy handler)
    expect(answered.at).toBeGreaterThanOrEqual(HOLD_MS - 300);
    expect(answered.status).toBe(302);
    expect(gets.length).toBeGreaterThan(5);
    expect(Math.max(...gets)).toBeLessThan(500);
  }, 30_000);

  // retried as the large import below is: on a slow shared machine one clean-clone run saw this read
  // stall past its bound on PostgreSQL once (read alone again: 3.4 s); a read on the request thread
  // stops the public GETs on every attempt. A retry imports nothing new (the same results are skipped)
  it('a large read (the results API, 50,000 results of 80,000 in the period) runs in a job worker: the public API answers meanwhile', { retry: 2, timeout: 90_000 }, async () => {
    const code = labCodes[9];
    const manager = w.labManagers.get(code)!;
    const reader = (await createApiToken(w.db, manager, { name: 'reader', scopes: ['read'] })).token;
    const N = 80_000;
    const start = Date.now() - 300 * 86_400_000;
    const lines = ['measured_at,analyte_code,level,lot,value,instrument'];
    for (let i = 0; i < N; i++) lines.push(`${iso(start + Math.floor(i / 2) * 300_000)},K,${(i % 2) + 1},READ-${(i % 2) + 1},${(4 + (i % 7) * 0.01).toFixed(2)},AU-R`);
    const imported = await bounded('the import of 80,000', fetch(`${s.baseUrl}/api/v1/iqc/results`, { method: 'POST', headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'text/csv' }, body: lines.join('\n') }), 25_000);
    expect(imported.status).toBe(201);
    const t0 = performance.now();
    // on a connection of its own: a kept-alive one of the tests before may be closed by the server
    // as it is reused (RFC 9112 §9.6 lets a server close an idle connection at any time), which
    // fetch reports as "other side closed" without retrying
    const read = bounded('the read of 50,000', rawGet(s.baseUrl, `/api/v1/iqc/results?from=${iso(start).slice(0, 10)}&to=${iso(Date.now()).slice(0, 10)}`, { authorization: `Bearer ${reader}` }), 25_000).then((r) => ({
      status: r.status,
      rows: r.status === 200 ? (JSON.parse(r.body) as unknown[]).length : r.body,
      ms: performance.now() - t0,
    }));
    const gets = await publicGetsUntil(read);
    const answer = await read.catch((e: unknown) => {
      throw /no answer within/.test((e as Error).message) ? e : new Error(`the read failed: ${(e as Error).message}\nthe server's log:\n${s.log().slice(-4000)}`);
    });
    expect([answer.status, answer.rows]).toEqual([200, 50_000]);
    console.log(`results read of 50,000: ${answer.ms.toFixed(0)} ms; ${gets.length} public GETs meanwhile, the slowest ${Math.max(...gets).toFixed(0)} ms`);
    // on the request thread the read stopped every other request for most of its time
    expect(Math.max(...gets)).toBeLessThan(Math.max(150, answer.ms / 2));
  });

  // retried: on a shared 2-core machine a GET waits ~300-450 ms now and then under other load (seen
  // before and after this session's changes alike), while the stall it guards against comes back on
  // every attempt
  it('a large import (200,000 results: 100,000 runs in its answer) runs in a job worker, its answer written out there: the public API answers meanwhile', { retry: 2, timeout: 90_000 }, async () => {
    const code = labCodes[8];
    const N = 200_000;
    const start = Date.now() - 400 * 86_400_000;
    const lines = ['measured_at,analyte_code,level,lot,value,instrument'];
    for (let i = 0; i < N; i++) lines.push(`${iso(start + Math.floor(i / 2) * 300_000)},K,${(i % 2) + 1},BIG-${(i % 2) + 1},${(4 + (i % 7) * 0.01).toFixed(2)},AU-B`);
    const body = Buffer.from(lines.join('\n')); // encoded before the probes start
    const t0 = performance.now();
    // the answer is parsed after the probes (parsing it here would stop this process's probes)
    const imported = bounded('the import of 200,000', fetch(`${s.baseUrl}/api/v1/iqc/results`, { method: 'POST', headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'text/csv' }, body }).then(async (r) => ({
      status: r.status,
      text: await r.text(),
      ms: performance.now() - t0,
    })), 75_000);
    const gets = await publicGetsUntil(imported);
    const answer = await imported;
    const out = JSON.parse(answer.text) as { inserted: number; runs: { runId: number }[] };
    expect([answer.status, out.inserted, out.runs.length]).toEqual([201, N, N / 2]);
    expect(new Set(out.runs.map((r) => r.runId)).size).toBe(N / 2);
    const slowest = Math.max(...gets);
    console.log(`import of ${N}: ${answer.ms.toFixed(0)} ms; ${gets.length} public GETs meanwhile, the slowest ${slowest.toFixed(0)} ms`);
    // the answer's 100,000 runs cloned from the worker and written out as JSON on the request thread
    // stopped every other request for ~0.5 s at the end (now under 0.2 s, while the body arrives)
    expect(slowest).toBeLessThan(300);
  });

  it('refusals (403) and CSV exports over the API are audited, one row per actor and action per minute', async () => {
    const [, code, other] = labCodes; // not labCodes[0]: the CSRF test above already opened its refusal minute
    const audits = async (action: string) => (await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM audit_log WHERE action = ? AND actor_email = ?', action, w.labManagers.get(code)!.email))[0].n;
    const refusedBefore = await audits('access.refused');
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${s.baseUrl}/api/v1/iqc/results?lab=${other}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.get(code)}`, 'content-type': 'application/json' }, body: JSON.stringify({ results: run(7, i, Date.now() - 3_600_000) }) });
      expect(r.status).toBe(403);
    }
    expect((await audits('access.refused')) - refusedBefore).toBe(1);
    const reader = (await createApiToken(w.db, w.labManagers.get(code)!, { name: 'reports', scopes: ['read'] })).token;
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${s.baseUrl}/api/v1/iqc/summary`, { headers: { authorization: `Bearer ${reader}` } });
      expect([r.status, r.headers.get('content-type')]).toEqual([200, expect.stringMatching(/^text\/csv/)]);
      await r.text();
    }
    expect(await audits('data.export')).toBe(1);
    expect((await verifyAuditChain(w.db)).ok).toBe(true);
  });

  it('a chunked 30 MB upload is answered 413 once it passes the 20 MB cap, and the server stays small', async () => {
    const u = new URL(s.baseUrl);
    const rssBefore = groupRssMb(s.proc.pid!);
    let sent = 0;
    let sentWhenAnswered = -1;
    let peak = rssBefore;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: '/api/v1/iqc/results', method: 'POST', agent: false, headers: { authorization: `Bearer ${tokens.get(labCodes[0])}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } }, (res) => {
        sentWhenAnswered = sent;
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on('error', (e) => (sentWhenAnswered >= 0 || sent > 20 * 1024 * 1024 ? undefined : reject(e)));
      const chunk = Buffer.alloc(64 * 1024, '1');
      const pump = () => {
        while (sent < 30 * 1024 * 1024 && sentWhenAnswered < 0) {
          sent += chunk.length;
          if (sent % (4 * 1024 * 1024) === 0) peak = Math.max(peak, groupRssMb(s.proc.pid!));
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (sentWhenAnswered < 0) req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(sentWhenAnswered).toBeGreaterThan(20 * 1024 * 1024); // refused at the cap, not on a declared length
    const grown = Math.max(peak, groupRssMb(s.proc.pid!)) - rssBefore;
    console.log(`server memory grew ${grown.toFixed(1)} MB during a refused 30 MB upload`);
    expect(grown).toBeLessThan(60);
  }, 60_000);

  // SQLite's online backup (db:backup) and restore; a PostgreSQL deployment uses pg_dump/pg_restore
  it.skipIf(testBackend === 'pg')('a backup taken while the server writes restores to a consistent database holding a prefix of the writes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-backup-'));
    tmpDirs.push(dir);
    const base = Date.now() - 3_600_000 * 5;
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing && i < 400; i++) {
        const r = await post(labCodes[i % labCodes.length], run(900 + (i % 50), i, base));
        if (r.status === 201) written++;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    // a separate connection, as `npm run db:backup` opens one beside the running server
    const reader = openDatabase(w.file);
    const backup = path.join(dir, 'during.sqlite');
    try {
      await backupDatabase(reader, backup);
    } finally {
      reader.$client.close();
    }
    const writtenAtBackup = written;
    await new Promise((r) => setTimeout(r, 300));
    writing = false;
    await writer;
    expect(writtenAtBackup).toBeGreaterThan(0);
    expect(written).toBeGreaterThan(writtenAtBackup);
    // restore: the CLI with no server on that file
    const restored = path.join(dir, 'restored.sqlite');
    const r = spawnSync('npx', ['tsx', 'db/cli.ts', 'db:restore', backup], { env: { ...process.env, DATABASE_PATH: restored }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const db = new Database(restored, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // every run is whole: each posted run has both levels or neither
      expect(db.prepare("SELECT count(*) AS n FROM (SELECT r.measured_at FROM iqc_results r JOIN control_lots l ON l.id = r.control_lot_id WHERE l.lot_number LIKE 'K_-C9%' GROUP BY l.lab_id, r.measured_at HAVING count(*) <> 2)").get()).toEqual({ n: 0 });
      const live = w.db.$client.prepare('SELECT count(*) AS n FROM iqc_results').get() as { n: number };
      const inBackup = db.prepare('SELECT count(*) AS n FROM iqc_results').get() as { n: number };
      expect(inBackup.n).toBeLessThan(live.n);
      expect((await verifyAuditChain({ $client: db } as never)).ok).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('SIGKILL in the middle of a large import', () => {
  it('leaves the database intact (integrity_check ok) with the import all or nothing', async () => {
    const w = await createSeededTestDb();
    const [code, actor] = [...w.labManagers][0];
    const token = (await createApiToken(w.db, actor, { name: 'LIS', scopes: ['iqc:write'] })).token;
    const before = await resultCount(w);
    const s = await startProdServer(w.file);
    try {
      const N = 120_000;
      const start = Date.now() - 400 * 86_400_000;
      const lines = ['measured_at,analyte_code,level,lot,value,instrument'];
      for (let i = 0; i < N; i++) lines.push(`${iso(start + Math.floor(i / 2) * 240_000)},K,${(i % 2) + 1},BIG-${(i % 2) + 1},${(4 + (i % 7) * 0.01).toFixed(2)},AU`);
      const body = lines.join('\n');
      const u = new URL(s.baseUrl);
      const answered = new Promise<string>((resolve) => {
        const req = http.request({ host: u.hostname, port: u.port, path: `/api/v1/iqc/results?lab=${code}`, method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(`answered ${res.statusCode}`));
        });
        req.on('error', () => resolve('connection lost'));
        const walSize = () => (fs.existsSync(`${w.file}-wal`) ? fs.statSync(`${w.file}-wal`).size : 0);
        const walBefore = walSize();
        // writing has begun: SQLite's write-ahead log grows; on PostgreSQL another session of the
        // database holds a transaction id (it has written a row)
        const writing = async () =>
          w.backend === 'pg'
            ? (await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()'))[0].n > 0
            : walSize() > walBefore + 512 * 1024;
        // PostgreSQL's ingest of 120,000 results takes tens of seconds before its writes (SQLite ~1 s)
        const latest = w.backend === 'pg' ? 60_000 : 3_000;
        req.end(body, () => {
          // the body is sent; the server parses, evaluates, then writes in one transaction: kill it
          // once writing has begun, or after `latest` ms at the latest
          const sentAt = Date.now();
          const poll = async () => {
            if ((await writing()) || Date.now() - sentAt > latest) return void s.stop('SIGKILL');
            setTimeout(() => void poll(), 10);
          };
          void poll();
        });
      });
      const outcome = await answered;
      expect(outcome).toBe('connection lost');
    } finally {
      await s.stop('SIGKILL');
    }
    if (w.backend === 'sqlite') expect(w.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect([before, before + 120_000]).toContain(await resultCount(w));
    expect((await verifyAuditChain(w.db)).ok).toBe(true);
    await w.close();
  }, 150_000);
});
