// Operating LabQC in public: database files readable by the owner only, decisions never back-dated,
// and (further down) bodies, origins, the first administrator, the audit chain and backups.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase, type DB } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { verifyAuditChain } from '@/db/queries/audit-chain';
import { insertAudit } from '@/db/queries/audit';
import { verifyPassword } from '@/lib/auth/passwords';
import { auditExport, auditRefusal, resetAuditFolding, sweepFoldedAudits } from '@/lib/services/audit';
import { createSeededTestDb, sqlRows, sqlRun, testBackend } from '@/test/support/db';
import { databaseEnv } from '@/test/support/prod-server';
import { createPgTestDatabase } from '@/test/support/pg';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { AppError } from '@/lib/errors';
import { readBodyCapped } from '@/lib/body';
import { crossSiteRefusal } from '@/lib/http';
import { postResults } from '@/lib/services/iqc/api';
import { fakeActor } from '@/test/support/db';
import { NOW, TODAY, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

const refusal = async (fn: () => unknown): Promise<AppError> => {
  try {
    await fn();
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

// SQLite files and their modes (a PostgreSQL server keeps its own files)
describe.skipIf(testBackend === 'pg')('database files', () => {
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

  it('opening a second connection in the process keeps the first one\'s locks: another process that opens and closes the database leaves the WAL, and later commits reach new connections', () => {
    const file = path.join(tmpDir(), 'shared.sqlite');
    // the server's request thread, then a job worker's connection in the same process
    const server = openDatabase(file);
    server.$client.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    const worker = openDatabase(file);
    try {
      // an operator's look with the sqlite3 shell (Debian's: SQLite 3.40, which deletes the WAL on
      // closing when it finds the database unlocked): open, read, close
      const look = spawnSync('sqlite3', [file, 'SELECT count(*) FROM t'], { encoding: 'utf8' });
      expect([look.stdout.trim(), look.stderr]).toEqual(['1', '']);
      expect(fs.existsSync(`${file}-wal`)).toBe(true);
      worker.$client.exec('INSERT INTO t VALUES (2)');
      server.$client.exec('INSERT INTO t VALUES (3)');
      const fresh = spawnSync('sqlite3', [file, 'SELECT count(*) FROM t'], { encoding: 'utf8' });
      expect([fresh.stdout.trim(), fresh.stderr]).toEqual(['3', '']);
    } finally {
      worker.$client.close();
      server.$client.close();
    }
  });
});

describe('decisions take effect today, never earlier', () => {
  let w: Awaited<ReturnType<typeof createSeededTestDb>>;
  let K: number;
  beforeAll(async () => {
    w = await createSeededTestDb();
    K = await analyteId(w.db, 'K');
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    for (const code of ['GZ-001', 'GZ-002']) await addGoodEvidence(w.db, await labId(w.db, code), K);
    await computeEligibility(w.db, { now: NOW });
  });
  afterAll(() => w.close());

  it('refuses a back-dated approval with a field error on effectiveOn (422), writing nothing', async () => {
    const e = await refusal(async () => await decide(w.db, w.regulators.gd, { action: 'approve', labId: await labId(w.db, 'GZ-001'), analyteId: K, reason: 'meets the policy', effectiveOn: '2026-06-14' }, { now: NOW }));
    expect([e.status, e.errors.map((x) => x.field)]).toEqual([422, ['effectiveOn']]);
    expect(await count(w.db, 'SELECT count(*) AS n FROM certifications')).toBe(0);
  });

  it('accepts an approval effective today, and refuses a back-dated suspension of it', async () => {
    const lab = await labId(w.db, 'GZ-002');
    expect((await decide(w.db, w.regulators.gd, { action: 'approve', labId: lab, analyteId: K, reason: 'meets the policy', effectiveOn: TODAY }, { now: NOW })).status).toBe('active');
    const e = await refusal(async () => await decide(w.db, w.regulators.gd, { action: 'suspend', labId: lab, analyteId: K, reason: 'EQA failure', effectiveOn: '2026-06-01' }, { now: NOW }));
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
    const w = await createSeededTestDb();
    try {
      const { body, seen } = chunkedBody(30 * MB);
      const actor = fakeActor({ userId: 1, role: 'lab_manager', labId: await labId(w.db, 'GZ-001'), labCode: 'GZ-001', via: 'token' });
      const req = new Request('http://x/api/v1/iqc/results', { method: 'POST', body, headers: { 'content-type': 'text/csv' }, duplex: 'half' } as RequestInit);
      const before = process.memoryUsage().rss;
      expect((await asyncRefusal(postResults(w.db, actor, req))).status).toBe(413);
      expect(seen.pulled).toBeLessThanOrEqual(20 * MB + 64 * 1024);
      expect(process.memoryUsage().rss - before).toBeLessThan(60 * MB);
    } finally {
      await w.close();
    }
  });
});

describe('every route that reads a body caps it while streaming', () => {
  it('the EQA administration API (schemes, enrolments, rounds) refuses a chunked 5 MB JSON body after 2 MB', async () => {
    const { jsonBody } = await import('@/app/api/v1/eqa/json-body');
    const { body, seen } = chunkedBody(5 * 1024 * 1024);
    const req = new Request('http://x/api/v1/eqa/schemes', { method: 'POST', body, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect((await asyncRefusal(jsonBody(req))).status).toBe(413);
    expect(seen.pulled).toBeLessThanOrEqual(2 * 1024 * 1024 + 64 * 1024);
  });

  it('no route handler reads a body whole (req.text(), req.json(), req.formData(), req.arrayBuffer())', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && /\breq(uest)?\.(text|json|formData|arrayBuffer|blob)\(\)/.test(fs.readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk('app/api');
    walk('lib/services');
    expect(offenders).toEqual([]);
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

// ---------------------------------------------------------------------------------------------
// The command line: first administrator, demo-seed refusal, audit verification, backup and restore

// a SQLite file unless the env given names a PostgreSQL database (DATABASE_URL, TEST_BACKEND=pg)
const cli = (args: string[], env: Record<string, string | undefined> = {}) => {
  const r = spawnSync('npx', ['tsx', 'db/cli.ts', ...args], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: undefined, TEST_BACKEND: undefined, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, out: r.stdout + r.stderr };
};
const count = async (db: DB, sqlText: string) => (await sqlRows<{ n: number }>(db, sqlText))[0].n;
/** Several statements at once (tampering by hand), on either backend. */
const exec = async (db: DB, text: string) => {
  if (testBackend === 'pg') await sqlRun(db, text);
  else db.$client.exec(text);
};
/** DROP TRIGGER as each backend spells it (PostgreSQL names the table). */
const dropTrigger = (name: string, table: string) => (testBackend === 'pg' ? `DROP TRIGGER ${name} ON ${table};` : `DROP TRIGGER ${name};`);

describe('the audit log is a hash chain', () => {
  let t: Awaited<ReturnType<typeof createSeededTestDb>>;
  beforeAll(async () => {
    t = await createSeededTestDb(); // regions, catalogue, labs and accounts: many audited writes
  });
  afterAll(() => t.close());

  it('every row written by the services is sealed, and the chain verifies', async () => {
    expect(await count(t.db, 'SELECT count(*) AS n FROM audit_log WHERE hash IS NULL')).toBe(0);
    const v = await verifyAuditChain(t.db);
    expect(v.ok).toBe(true);
    expect(v.rows).toBe(await count(t.db, 'SELECT count(*) AS n FROM audit_log'));
    expect(v.rows).toBeGreaterThan(10);
  });

  // the details as the text stored, on both backends (PostgreSQL keeps it as written: json, not jsonb)
  it('row 1 chains from 64 zeros and each hash is SHA-256(prev_hash, newline, canonical content) (hand-computed)', async () => {
    const r = (await sqlRows<Record<string, unknown>>(t.db, `SELECT id, at, actor_id, actor_email, action, entity_type, entity_id, lab_id, region_id, ${testBackend === 'pg' ? 'details::text AS details' : 'details'}, ip, prev_hash, hash FROM audit_log WHERE id = 1`))[0];
    const canonical = JSON.stringify([r.id, r.at, r.actor_id, r.actor_email, r.action, r.entity_type, r.entity_id, r.lab_id, r.region_id, r.details, r.ip]);
    expect(r.prev_hash).toBe('0'.repeat(64));
    expect(r.hash).toBe(createHash('sha256').update(`${'0'.repeat(64)}\n${canonical}`).digest('hex'));
  });

  it('a sealed row cannot be re-sealed or altered while the triggers stand', async () => {
    await expect(sqlRun(t.db, "UPDATE audit_log SET hash = 'x' WHERE id = 2")).rejects.toThrow(/append-only/);
    await expect(sqlRun(t.db, "UPDATE audit_log SET action = 'x' WHERE id = 2")).rejects.toThrow(/append-only/);
    await expect(sqlRun(t.db, 'DELETE FROM audit_log WHERE id = 2')).rejects.toThrow(/append-only/);
  });

  it('npm run audit:verify passes, then names the altered row (exit 1) once a row is changed with the triggers dropped', async () => {
    const ok = cli(['audit:verify'], { ...databaseEnv(t.file), TEST_BACKEND: testBackend === 'pg' ? 'pg' : undefined });
    expect([ok.status, ok.out]).toEqual([0, expect.stringMatching(/audit chain intact/)]);
    await exec(t.db, `${dropTrigger('audit_log_no_update', 'audit_log')} UPDATE audit_log SET details = '{"forged":true}' WHERE id = 5;`);
    expect((await verifyAuditChain(t.db)).broken).toMatchObject({ id: 5, reason: expect.stringMatching(/altered/) });
    const bad = cli(['audit:verify'], { ...databaseEnv(t.file), TEST_BACKEND: testBackend === 'pg' ? 'pg' : undefined });
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/BROKEN at row 5\b/);
  });
});

describe('tampering the chain in other ways', () => {
  it.each([
    ['a deleted row is found at the row after it', `${dropTrigger('audit_log_no_delete', 'audit_log')} DELETE FROM audit_log WHERE id = 3;`, 4],
    ['a row re-hashed after editing breaks the next row', `${dropTrigger('audit_log_no_update', 'audit_log')} UPDATE audit_log SET action = 'x', hash = '${'a'.repeat(64)}' WHERE id = 3;`, 3],
    ['a row appended without a hash', "INSERT INTO audit_log (at, action) VALUES (1, 'forged');", 'last'],
  ])('%s', async (_t, tamper, expected) => {
    const t = await createSeededTestDb();
    try {
      await exec(t.db, tamper);
      const last = await count(t.db, 'SELECT max(id) AS n FROM audit_log');
      expect((await verifyAuditChain(t.db)).broken?.id).toBe(expected === 'last' ? last : expected);
    } finally {
      await t.close();
    }
  });

  // SQLite databases older than the chain; PostgreSQL's audit log is chained from its first migration
  it.skipIf(testBackend === 'pg')('rows written before the chain existed are sealed in order on the next migration run', async () => {
    const t = await createSeededTestDb();
    try {
      t.db.$client.exec('DROP TRIGGER audit_log_no_update; UPDATE audit_log SET prev_hash = NULL, hash = NULL;');
      expect((await verifyAuditChain(t.db)).ok).toBe(false);
      await runMigrations(t.db);
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
    } finally {
      await t.close();
    }
  });
});

// The chain cannot show rows removed from its end: SQLite's id counter can (sqlite_sequence, written in
// the inserting transaction), and on both backends the head an earlier run printed, given back as --head
describe('rows removed from the end of the log', () => {
  const verifyCli = (file: string, ...args: string[]) => cli(['audit:verify', ...args], { ...databaseEnv(file), TEST_BACKEND: testBackend === 'pg' ? 'pg' : undefined });
  const headOf = (out: string) => /head (\d+:[0-9a-f]{64})/.exec(out)?.[1];
  const hashOf = async (db: DB, id: number) => (await sqlRows<{ hash: string }>(db, `SELECT hash FROM audit_log WHERE id = ${id}`))[0].hash;
  const removeFrom = (db: DB, id: number) => exec(db, `${dropTrigger('audit_log_no_delete', 'audit_log')} DELETE FROM audit_log WHERE id >= ${id};`);

  it('audit:verify prints the head; given back with --head it passes while that row stands, and fails (exit 1) once it is removed, on SQLite without --head too', async () => {
    const t = await createSeededTestDb();
    try {
      const last = await count(t.db, 'SELECT max(id) AS n FROM audit_log');
      const first = verifyCli(t.file);
      expect(first).toMatchObject({ status: 0, out: expect.stringMatching(/audit chain intact: \d+ rows/) });
      const head = headOf(first.out)!;
      expect(head).toBe(`${last}:${await hashOf(t.db, last)}`);
      // later appends keep the head kept inside the chain
      await insertAudit(t.db, { action: 'test.later' });
      expect(verifyCli(t.file, '--head', head)).toMatchObject({ status: 0, out: expect.stringMatching(`the head kept \\(row ${last}\\) is in it`) });
      // the probe's tampering: the last rows deleted with the trigger dropped (the head and the one after it)
      await removeFrom(t.db, last);
      const withHead = verifyCli(t.file, `--head=${head}`);
      expect(withHead.status).toBe(1);
      const withoutHead = verifyCli(t.file);
      if (testBackend === 'pg') {
        expect(withHead.out).toMatch(`BROKEN at row ${last}: row ${last}, the head kept from an earlier verification, is gone (rows at the end were removed; the log now ends at row ${last - 1})`);
        // PostgreSQL's sequence runs ahead of the rows whenever an append rolls back: only the head kept shows it
        expect(withoutHead.status).toBe(0);
      } else {
        // the counter is checked first: it names how many are missing
        expect(withHead.out).toMatch(`BROKEN at row ${last}: 2 rows are missing after row ${last - 1}, the last (ids up to ${last + 1} were handed out`);
        expect([withoutHead.status, withoutHead.out]).toEqual([1, expect.stringMatching(`BROKEN at row ${last}: 2 rows are missing after row ${last - 1}`)]);
      }
    } finally {
      await t.close();
    }
  }, 60_000);

  it('--head refuses a head that is not <id>:<hash>, and fails on a row whose hash is not the one kept', async () => {
    const t = await createSeededTestDb();
    try {
      expect(verifyCli(t.file, '--head', '12')).toMatchObject({ status: 1, out: expect.stringMatching(/refused: --head takes .*<id>:<64 hex digits>/) });
      expect(verifyCli(t.file, '--head')).toMatchObject({ status: 1, out: expect.stringMatching(/refused: --head takes/) });
      const other = verifyCli(t.file, '--head', `3:${'a'.repeat(64)}`);
      expect([other.status, other.out]).toEqual([1, expect.stringMatching(/BROKEN at row 3: its hash is not the head’s kept/)]);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('the head kept is checked as the chain is walked: verifyAuditChain({ head }) (hand-made heads)', async () => {
    const t = await createSeededTestDb();
    try {
      const last = await count(t.db, 'SELECT max(id) AS n FROM audit_log');
      const head = { id: last, hash: await hashOf(t.db, last) };
      expect(await verifyAuditChain(t.db, { head })).toEqual({ ok: true, rows: last, head });
      expect(await verifyAuditChain(t.db, { head: { id: last + 1, hash: head.hash } })).toMatchObject({ ok: false, broken: { id: last + 1, reason: expect.stringMatching(/is gone/) } });
      expect(await verifyAuditChain(t.db, { head: { id: 2, hash: head.hash } })).toMatchObject({ ok: false, broken: { id: 2, reason: expect.stringMatching(/not the head’s kept/) } });
    } finally {
      await t.close();
    }
  });

  // SQLite hands out the log's ids one after another (a rolled-back append takes its id back)
  it.skipIf(testBackend === 'pg')('SQLite: rows removed from the end and then an append by the application leave a gap in the ids, found at the row after it', async () => {
    const t = await createSeededTestDb();
    try {
      const last = await count(t.db, 'SELECT max(id) AS n FROM audit_log');
      await removeFrom(t.db, last - 2);
      await insertAudit(t.db, { action: 'test.after-removal' });
      // sealed onto the row now last, so the hashes chain
      expect(await count(t.db, 'SELECT max(id) AS n FROM audit_log')).toBe(last + 1);
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, broken: { id: last + 1, reason: expect.stringMatching(`^3 rows are missing before it, after row ${last - 3} `) } });
    } finally {
      await t.close();
    }
  });

  it.skipIf(testBackend === 'pg')('SQLite: an append rolled back takes its id back, so the log still verifies (no row missing)', async () => {
    const t = await createSeededTestDb();
    try {
      const last = await count(t.db, 'SELECT max(id) AS n FROM audit_log');
      expect(() => t.db.$client.transaction(() => {
        t.db.$client.prepare("INSERT INTO audit_log (at, action) VALUES (1, 'test.rolled-back')").run();
        throw new Error('roll back');
      })()).toThrow('roll back');
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rows: last });
      await insertAudit(t.db, { action: 'test.next' });
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rows: last + 1, head: { id: last + 1 } });
    } finally {
      await t.close();
    }
  });
});

describe('decision history and entity versions are append-only', () => {
  it.each([
    ['UPDATE certification_events SET reason = ?', 'certification_events'],
    ['DELETE FROM certification_events WHERE reason = ?', 'certification_events'],
    ['UPDATE entity_versions SET reason = ?', 'entity_versions'],
    ['DELETE FROM entity_versions WHERE reason = ?', 'entity_versions'],
  ])('%s is refused', async (statement, table) => {
    const t = await createSeededTestDb();
    try {
      await sqlRun(t.db, "INSERT INTO certification_events (lab_id, analyte_id, action, effective_on, reason, at) VALUES (1, 1, 'reject', '2026-01-01', 'r', 1)");
      await sqlRun(t.db, "INSERT INTO entity_versions (entity_type, entity_id, version, data, reason, changed_at) VALUES ('lab', 1, 99, '{}', 'r', 1)");
      await expect(sqlRun(t.db, statement, 'r')).rejects.toThrow(new RegExp(`${table} is append-only`));
    } finally {
      await t.close();
    }
  });
});

// the commands on new SQLite files (the same commands on PostgreSQL: README's production section)
describe.skipIf(testBackend === 'pg')('production start: the first administrator, never the demo data', () => {
  it('admin:create creates an administrator with a generated temporary password printed once, and refuses the same email again', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'prod.sqlite');
    const first = cli(['admin:create', '--email', 'Ops@Health.example'], { DATABASE_PATH: file, NODE_ENV: 'production' });
    expect(first.status).toBe(0);
    const password = /temporary password[^:]*: (\S+)/.exec(first.out)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    const db = openDatabase(file);
    try {
      const u = db.$client.prepare('SELECT email, role, password_hash AS hash, must_change_password AS mustChange FROM users').all() as { email: string; role: string; hash: string; mustChange: number }[];
      expect(u.map((x) => [x.email, x.role, x.mustChange])).toEqual([['ops@health.example', 'admin', 1]]);
      expect(u[0].hash).not.toContain(password!);
      expect((await verifyPassword(password!, u[0].hash)).ok).toBe(true);
      expect(await count(db, "SELECT count(*) AS n FROM audit_log WHERE action = 'user.create_admin'")).toBe(1);
    } finally {
      db.$client.close();
    }
    const again = cli(['admin:create', '--email', 'ops@health.example'], { DATABASE_PATH: file });
    expect(again.status).toBe(1);
    expect(again.out).toMatch(/already exists/);
    expect(again.out).not.toMatch(/temporary password/);
  });

  it('on a terminal, admin:create asks for the password twice without echoing it, and stores it as the permanent one', async () => {
    const file = path.join(tmpDir(), 'tty.sqlite');
    const password = 'correct-horse-9';
    // `script` gives the command a pseudo-terminal, as an operator's shell would
    const child = spawn('script', ['-qfec', 'npx tsx db/cli.ts admin:create --email tty@health.example', '/dev/null'], { env: { ...process.env, DATABASE_PATH: file }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let answered = 0;
    child.stdout.on('data', (d) => {
      out += d;
      if ((answered === 0 && out.includes('password for the new administrator')) || (answered === 1 && out.includes('again:'))) {
        answered++;
        child.stdin.write(`${password}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect([code, out]).toEqual([0, expect.stringMatching(/administrator tty@health\.example created/)]);
    expect(out).not.toContain(password);
    const db = openDatabase(file);
    try {
      const u = db.$client.prepare('SELECT password_hash AS hash, must_change_password AS mustChange FROM users').get() as { hash: string; mustChange: number };
      expect(u.mustChange).toBe(0);
      expect((await verifyPassword(password, u.hash)).ok).toBe(true);
    } finally {
      db.$client.close();
    }
  });

  it('the demo seed refuses a database that has data, and refuses NODE_ENV=production even on an empty one', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'prod.sqlite');
    expect(cli(['admin:create', '--email', 'ops@health.example'], { DATABASE_PATH: file }).status).toBe(0);
    const seeded = cli(['seed'], { DATABASE_PATH: file });
    expect([seeded.status, seeded.out]).toEqual([1, expect.stringMatching(/already has data/)]);
    const empty = path.join(dir, 'empty.sqlite');
    const prod = cli(['seed'], { DATABASE_PATH: empty, NODE_ENV: 'production' });
    expect([prod.status, prod.out]).toEqual([1, expect.stringMatching(/NODE_ENV=production/)]);
    const prodReset = cli(['seed', '--reset'], { DATABASE_PATH: file, NODE_ENV: 'production' });
    expect(prodReset.status).toBe(1);
    // --if-empty lets a production database with data be; beside --reset it must not remove it first
    for (const env of [{ NODE_ENV: 'production' }, {}]) {
      const ifEmptyReset = cli(['seed', '--reset', '--if-empty'], { DATABASE_PATH: file, ...env });
      expect([ifEmptyReset.status, ifEmptyReset.out]).toEqual([1, expect.stringMatching(/--reset removes the database/)]);
    }
    const db = openDatabase(file);
    try {
      expect(db.$client.prepare('SELECT email FROM users').all()).toEqual([{ email: 'ops@health.example' }]);
    } finally {
      db.$client.close();
    }
  });
});

// The same commands on a new, empty PostgreSQL database (DATABASE_URL), as README's "Running on PostgreSQL"
describe.skipIf(testBackend !== 'pg')('production start on PostgreSQL: migrate, the first administrator, never the demo data', () => {
  it('db:migrate, admin:create (refusing the email again), seed refused (data, NODE_ENV=production), audit:verify; db:backup refused', async () => {
    const created = await createPgTestDatabase('labqc_ops');
    const env = { DATABASE_URL: created.url };
    try {
      const migrated = cli(['migrate'], env);
      expect([migrated.status, migrated.out]).toEqual([0, expect.stringMatching(/migrated PostgreSQL .*labqc_ops_[\s\S]*catalogue: added \d+ items/)]);
      const first = cli(['admin:create', '--email', 'Ops@Health.example'], { ...env, NODE_ENV: 'production' });
      expect(first.status).toBe(0);
      const password = /temporary password[^:]*: (\S+)/.exec(first.out)?.[1];
      expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
      expect(cli(['admin:create', '--email', 'ops@health.example'], env)).toMatchObject({ status: 1, out: expect.stringMatching(/already exists/) });
      expect(cli(['seed'], env)).toMatchObject({ status: 1, out: expect.stringMatching(/already has data/) });
      expect(cli(['seed', '--reset'], { ...env, NODE_ENV: 'production' }).status).toBe(1);
      expect(cli(['seed', '--reset', '--if-empty'], { ...env, NODE_ENV: 'production' }).status).toBe(1);
      expect(cli(['audit:verify'], env)).toMatchObject({ status: 0, out: expect.stringMatching(/audit chain intact: \d+ rows/) });
      expect(cli(['db:backup', path.join(tmpDir(), 'b.sqlite')], env)).toMatchObject({ status: 1, out: expect.stringMatching(/pg_dump/) });
      const { openPostgres } = await import('@/db/pg/client');
      const db = openPostgres(created.url, { max: 1 });
      try {
        const u = (await db.$client.query('SELECT email, role, password_hash AS hash, must_change_password AS "mustChange" FROM users')).rows as { email: string; role: string; hash: string; mustChange: boolean }[];
        expect(u.map((x) => [x.email, x.role, x.mustChange])).toEqual([['ops@health.example', 'admin', true]]);
        expect((await verifyPassword(password!, u[0].hash)).ok).toBe(true);
      } finally {
        await db.$client.end();
      }
    } finally {
      await created.drop();
    }
  }, 180_000);
});

// SQLite's online backup and restore (PostgreSQL deployments use pg_dump/pg_restore; the CLI refuses there)
describe.skipIf(testBackend === 'pg')('backup and restore', () => {
  it('db:backup copies the database online (0600, intact); db:restore brings it back, refusing while a server holds the database or another program has it open', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'live.sqlite');
    const backup = path.join(dir, 'backups', 'b1.sqlite');
    expect(cli(['admin:create', '--email', 'ops@health.example'], { DATABASE_PATH: file }).status).toBe(0);
    const b = cli(['db:backup', backup], { DATABASE_PATH: file });
    expect([b.status, b.out]).toEqual([0, expect.stringMatching(/integrity ok/)]);
    expect(mode(backup)).toBe(0o600);
    expect(cli(['db:backup', backup], { DATABASE_PATH: file }).status).toBe(1); // never overwrites

    // after the backup: another account, then the database is damaged beyond use
    expect(cli(['admin:create', '--email', 'later@health.example'], { DATABASE_PATH: file }).status).toBe(0);
    // a live server (this test process stands in for it) holds the database: restore refuses
    fs.writeFileSync(`${file}.pid`, String(process.pid === 1 ? 2 : 1));
    const refused = cli(['db:restore', backup], { DATABASE_PATH: file });
    expect([refused.status, refused.out]).toEqual([1, expect.stringMatching(/stop it first/)]);
    fs.rmSync(`${file}.pid`);
    // no pid file, but another program has the database open (a server started otherwise, a script,
    // the sqlite3 shell): restore refuses until it closes it
    const holder = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.prepare('SELECT 1').get(); console.log('open'); process.stdin.on('end', () => d.close()).resume();`], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => d.toString().includes('open') && resolve()));
    const inUse = cli(['db:restore', backup], { DATABASE_PATH: file });
    const closed = new Promise((resolve) => holder.on('exit', resolve));
    holder.stdin.end();
    await closed;
    expect([inUse.status, inUse.out]).toEqual([1, expect.stringMatching(/open .*close it first/)]);
    const after = new Database(file, { fileMustExist: true });
    try {
      // the refusal left it as it was: in WAL mode, the later account still there
      expect([after.pragma('journal_mode', { simple: true }), after.prepare('SELECT count(*) AS n FROM users').get()]).toEqual(['wal', { n: 2 }]);
    } finally {
      after.close();
    }
    fs.writeFileSync(file, 'not a database any more');
    const r = cli(['db:restore', backup], { DATABASE_PATH: file });
    expect([r.status, r.out]).toEqual([0, expect.stringMatching(/audit chain of the restored database intact/)]);
    const db = openDatabase(file);
    try {
      expect(db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.$client.prepare('SELECT email FROM users').all()).toEqual([{ email: 'ops@health.example' }]);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      db.$client.close();
    }
    expect(mode(file)).toBe(0o600);
  });

  it('db:restore refuses a file that is not an intact LabQC database and leaves the current one alone', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'live.sqlite');
    expect(cli(['admin:create', '--email', 'ops@health.example'], { DATABASE_PATH: file }).status).toBe(0);
    const junk = path.join(dir, 'junk.sqlite');
    fs.writeFileSync(junk, 'SQLite format 3\0garbage');
    expect(cli(['db:restore', junk], { DATABASE_PATH: file }).status).toBe(1);
    const db = openDatabase(file);
    try {
      expect(db.$client.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 1 });
    } finally {
      db.$client.close();
    }
  });
});

describe('refusals and exports are audited, folded per actor × action per minute', () => {
  let t: Awaited<ReturnType<typeof createSeededTestDb>>;
  // details: text on SQLite, json (parsed by the driver) on PostgreSQL
  const rows = async (action: string) =>
    (await sqlRows<{ email: string; details: unknown }>(t.db, 'SELECT actor_email AS email, details FROM audit_log WHERE action = ? ORDER BY id', action)).map((r) => ({ email: r.email, details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details }));
  beforeAll(async () => {
    t = await createSeededTestDb();
    resetAuditFolding();
  });
  afterAll(() => t.close());

  it('500 refusals of one actor within a minute write one row; the next minute writes one more that counts the 499 folded ones', async () => {
    const lab = t.labManagers.get('GZ-001')!;
    const T = Date.parse('2026-06-15T04:00:00Z');
    for (let i = 0; i < 500; i++) await auditRefusal(t.db, lab, { method: 'POST', path: `/api/v1/eqa/rounds/X${i}/evaluate` }, T + i * 100);
    expect(await rows('access.refused')).toHaveLength(1);
    await auditRefusal(t.db, lab, { method: 'POST', path: '/api/v1/x' }, T + 61_000);
    const r = await rows('access.refused');
    expect(r).toHaveLength(2);
    expect(r[1]).toMatchObject({ email: lab.email, details: { path: '/api/v1/x', foldedIntoPreviousRow: 499 } });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('a burst followed by silence: a minute after the first folded refusal the count is written on its own row, with the paths refused', async () => {
    const lab = t.labManagers.get('GZ-002')!;
    const T = Date.parse('2026-06-15T06:00:00Z');
    const before = (await rows('access.refused')).length;
    await auditRefusal(t.db, lab, { method: 'GET', path: '/api/v1/iqc/lots' }, T);
    for (let i = 0; i < 49; i++) await auditRefusal(t.db, lab, { method: 'POST', path: '/api/v1/eqa/rounds/2026-4/publish' }, T + 1_000 + i * 1_000);
    expect(await sweepFoldedAudits()).toBe(0); // not a minute yet
    expect(await sweepFoldedAudits(Date.now() + 60_000)).toBe(1);
    const r = (await rows('access.refused')).slice(before);
    expect(r).toEqual([
      { email: lab.email, details: { method: 'GET', path: '/api/v1/iqc/lots', via: 'session' } },
      { email: lab.email, details: { foldedIntoPreviousRow: 49, foldedPaths: ['/api/v1/eqa/rounds/2026-4/publish'] } },
    ]);
    // written once: the next refusal starts a new row without a count
    expect(await sweepFoldedAudits(Date.now() + 120_000)).toBe(0);
    await auditRefusal(t.db, lab, { method: 'GET', path: '/api/v1/iqc/lots' }, T + 70_000);
    expect((await rows('access.refused')).slice(before)[2].details).toEqual({ method: 'GET', path: '/api/v1/iqc/lots', via: 'session' });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('another actor, or another action (an export), gets its own row in the same minute', async () => {
    const T = Date.parse('2026-06-15T05:00:00Z');
    const other = t.labManagers.get('HZ-001')!;
    expect(await auditRefusal(t.db, other, { method: 'POST', path: '/a' }, T)).toBe(true);
    expect(await auditExport(t.db, other, { path: '/api/v1/iqc/summary', query: '?month=2026-05' }, T + 1)).toBe(true);
    expect(await auditExport(t.db, other, { path: '/api/v1/iqc/summary', query: '?month=2026-04' }, T + 2)).toBe(false);
    expect(await rows('data.export')).toEqual([{ email: other.email, details: { path: '/api/v1/iqc/summary', query: '?month=2026-05', via: 'session' } }]);
  });
});
