// Operating LabQC in public: database files readable by the owner only, decisions never back-dated,
// and (further down) bodies, origins, the first administrator, the audit chain and backups.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@/db/client';
import { createSeededTestDb } from '@/test/support/db';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { AppError } from '@/lib/errors';
import { readBodyCapped } from '@/lib/body';
import { crossSiteRefusal } from '@/lib/http';
import { postResults } from '@/lib/services/iqc/api';
import { fakeActor } from '@/test/support/db';
import { NOW, TODAY, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

const refusal = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

const tmpDirs: string[] = [];
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-secops-'));
  tmpDirs.push(d);
  return d;
};
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe('database files', () => {
  it('a new database, its WAL and its shared-memory file are readable by the owner only (0600)', () => {
    const file = path.join(tmpDir(), 'new.sqlite');
    const db = openDatabase(file);
    db.$client.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    expect([mode(file), mode(file + '-wal'), mode(file + '-shm')]).toEqual([0o600, 0o600, 0o600]);
    db.$client.close();
  });

  it('an existing world-readable database is narrowed to 0600 when opened', () => {
    const file = path.join(tmpDir(), 'old.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    const db = openDatabase(file);
    db.$client.exec('CREATE TABLE t (x)');
    expect(mode(file)).toBe(0o600);
    db.$client.close();
  });
});

describe('decisions take effect today, never earlier', () => {
  let w: ReturnType<typeof createSeededTestDb>;
  let K: number;
  beforeAll(() => {
    w = createSeededTestDb();
    K = analyteId(w.db, 'K');
    createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    for (const code of ['GZ-001', 'GZ-002']) addGoodEvidence(w.db, labId(w.db, code), K);
    computeEligibility(w.db, { withinPath: null, now: NOW });
  });
  afterAll(() => w.close());

  it('refuses a back-dated approval with a field error on effectiveOn (422), writing nothing', () => {
    const e = refusal(() => decide(w.db, w.regulators.gd, { action: 'approve', labId: labId(w.db, 'GZ-001'), analyteId: K, reason: 'meets the policy', effectiveOn: '2026-06-14' }, { now: NOW }));
    expect([e.status, e.errors.map((x) => x.field)]).toEqual([422, ['effectiveOn']]);
    expect(w.db.$client.prepare('SELECT count(*) AS n FROM certifications').get()).toEqual({ n: 0 });
  });

  it('accepts an approval effective today, and refuses a back-dated suspension of it', () => {
    const lab = labId(w.db, 'GZ-002');
    expect(decide(w.db, w.regulators.gd, { action: 'approve', labId: lab, analyteId: K, reason: 'meets the policy', effectiveOn: TODAY }, { now: NOW }).status).toBe('active');
    const e = refusal(() => decide(w.db, w.regulators.gd, { action: 'suspend', labId: lab, analyteId: K, reason: 'EQA failure', effectiveOn: '2026-06-01' }, { now: NOW }));
    expect([e.status, e.errors[0].field]).toEqual([422, 'effectiveOn']);
  });
});

/** A chunked body (no Content-Length) of `total` bytes in 64 KiB chunks that counts what was pulled. */
function chunkedBody(total: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x31);
  const seen = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= total) return controller.close();
      seen.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  return { body, seen };
}
const asyncRefusal = async (p: Promise<unknown>): Promise<AppError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('request bodies are capped while streaming', () => {
  const MB = 1024 * 1024;

  it('refuses a chunked 30 MB body with 413 after reading just past the cap, not the whole body', async () => {
    const { body, seen } = chunkedBody(30 * MB);
    const req = new Request('http://x/api', { method: 'POST', body, duplex: 'half' } as RequestInit);
    const e = await asyncRefusal(readBodyCapped(req, 1 * MB));
    expect(e.status).toBe(413);
    expect(seen.pulled).toBeLessThanOrEqual(1 * MB + 64 * 1024);
  });

  it('refuses a declared Content-Length over the cap before reading anything', async () => {
    const { body, seen } = chunkedBody(30 * MB);
    const req = new Request('http://x/api', { method: 'POST', body, headers: { 'content-length': String(30 * MB) }, duplex: 'half' } as RequestInit);
    expect((await asyncRefusal(readBodyCapped(req, 20 * MB))).status).toBe(413);
    expect(seen.pulled).toBe(0);
  });

  it('returns a body at the cap intact (UTF-8 across chunk boundaries)', async () => {
    const text = '血'.repeat(1000); // 3 bytes each: 3,000 bytes
    expect(await readBodyCapped(new Request('http://x', { method: 'POST', body: text }), 3000)).toBe(text);
    expect((await asyncRefusal(readBodyCapped(new Request('http://x', { method: 'POST', body: text + 'x' }), 3000))).status).toBe(413);
  });

  it('the IQC API (POST /api/v1/iqc/results) refuses a chunked 30 MB CSV with 413 without reading it whole', async () => {
    const w = createSeededTestDb();
    try {
      const { body, seen } = chunkedBody(30 * MB);
      const actor = fakeActor({ userId: 1, role: 'lab_manager', labId: labId(w.db, 'GZ-001'), labCode: 'GZ-001', via: 'token' });
      const req = new Request('http://x/api/v1/iqc/results', { method: 'POST', body, headers: { 'content-type': 'text/csv' }, duplex: 'half' } as RequestInit);
      const before = process.memoryUsage().rss;
      expect((await asyncRefusal(postResults(w.db, actor, req))).status).toBe(413);
      expect(seen.pulled).toBeLessThanOrEqual(20 * MB + 64 * 1024);
      expect(process.memoryUsage().rss - before).toBeLessThan(60 * MB);
    } finally {
      w.close();
    }
  });
});

describe('CSRF: cookie-authenticated writes must come from the application itself', () => {
  const post = (headers: Record<string, string>, method = 'POST') => new Request('http://labqc.test/api/v1/iqc/results', { method, headers });
  const status = (r: Response | null) => r?.status ?? 'allowed';

  it.each([
    ['same Host, JSON', { origin: 'http://labqc.test', host: 'labqc.test', 'content-type': 'application/json' }, 'allowed'],
    ['same Host, CSV', { origin: 'http://labqc.test', host: 'labqc.test', 'content-type': 'text/csv' }, 'allowed'],
    ['another origin', { origin: 'https://evil.example', host: 'labqc.test', 'content-type': 'application/json' }, 403],
    ['no Origin at all', { host: 'labqc.test', 'content-type': 'application/json' }, 403],
    ['Origin null (sandboxed frame)', { origin: 'null', host: 'labqc.test' }, 403],
    ['same origin but text/plain (a cross-site form could send it)', { origin: 'http://labqc.test', host: 'labqc.test', 'content-type': 'text/plain;charset=UTF-8' }, 415],
    ['same origin but an HTML form encoding', { origin: 'http://labqc.test', host: 'labqc.test', 'content-type': 'application/x-www-form-urlencoded' }, 415],
  ])('%s → %s', (_t, headers, expected) => expect(status(crossSiteRefusal(post(headers)))).toBe(expected));

  it('reads are not checked', () => expect(crossSiteRefusal(post({ origin: 'https://evil.example' }, 'GET'))).toBeNull());

  it('with PUBLIC_URL set, only its origin is accepted, whatever the Host header says', () => {
    const before = process.env.PUBLIC_URL;
    process.env.PUBLIC_URL = 'https://labqc.example.gov.cn/';
    try {
      expect(status(crossSiteRefusal(post({ origin: 'https://labqc.example.gov.cn', host: 'internal:3000', 'content-type': 'application/json' })))).toBe('allowed');
      expect(status(crossSiteRefusal(post({ origin: 'http://evil.example', host: 'evil.example', 'content-type': 'application/json' })))).toBe(403);
    } finally {
      if (before === undefined) delete process.env.PUBLIC_URL;
      else process.env.PUBLIC_URL = before;
    }
  });
});
