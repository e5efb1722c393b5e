// Heavy work in worker threads (issue 10 "heavy work off the request thread", issue 11 item 5): the
// production server's JobPool (lib/server/pool.ts, compiled as `npm run build` compiles it) runs the
// same service functions as the request thread would, on its own SQLite connection, and answers with
// the same result or the same refusal; runJob (lib/jobs.ts) uses the pool once it is installed and the
// request thread otherwise. Expected values: the in-process call on an identical database.
// Both backends (raw SQL through sqlRows); on PostgreSQL the 40 concurrent posts also show that
// concurrent audit appends keep one chain (db/pg/audit-chain.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows, testBackend, useAsProcessDb } from '../support/db';
import { closeDb } from '@/db/client';
import { runOnPool, startJobPool, stopJobPool } from '../support/job-pool';
import type { JobPool } from '@/lib/server/pool';
import { executeJob, installJobQueue, installJobRunner, laneOf, runJob, startJob, startedJobsSettled, transferablesOf, type JobName } from '@/lib/jobs';
import { errorBody } from '@/lib/errors';
import { verifyAuditChain } from '@/db/queries/audit-chain';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const iso = (ms: number) => new Date(ms).toISOString();
/** A two-level potassium run of `lot` at `at` (in the past: results from the future are refused). */
const run = (lot: string, at: number, shift = 0) =>
  ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `${lot}-${level}`, value: (level === '1' ? 4 : 6) + shift, measuredAt: iso(at), instrument: 'AU' }));
const bytes = (text: string) => new TextEncoder().encode(text);
const posted = (results: unknown[]) => ({ type: 'application/json', body: bytes(JSON.stringify({ results })), lab: null });
/** a job's JSON answer (UTF-8 bytes) */
const answer = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString('utf8'));

let a: World; // served by the worker pool
let b: World; // the same calls in this thread
let pool: JobPool;
const BASE = Date.now() - 3 * 86_400_000;

beforeAll(async () => {
  a = await createSeededTestDb();
  b = await createSeededTestDb();
  pool = startJobPool(a.file, 2);
});
afterAll(async () => {
  installJobRunner(null);
  await stopJobPool(pool);
  await a.close();
  await b.close();
});

const lab = (w: World, code = 'GZ-001') => w.labManagers.get(code)!;
const count = async (w: World, text: string) => Number((await sqlRows<{ n: number }>(w.db, text))[0].n);
const caught = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe('a job in a worker thread answers as the request thread would', () => {
  it('an IQC post through the pool returns the same 201 body as in-process (runs, verdicts, counts)', async () => {
    const results = [...run('W', BASE), ...run('W', BASE + 3_600_000, 0.01), ...run('W', BASE + 7_200_000, 0.9)];
    const input = posted(results);
    const viaWorker = await runOnPool(pool, 'iqc.post', lab(a), input);
    // the body's bytes went to the worker without a copy: this thread's view of them is empty now
    expect(input.body.byteLength).toBe(0);
    const inProcess = await executeJob(b.db, 'iqc.post', lab(b), posted(results));
    // the answer is the JSON the route sends (written out in the worker), as UTF-8 bytes
    expect(viaWorker).toBeInstanceOf(Uint8Array);
    expect(answer(viaWorker)).toEqual(answer(inProcess));
    expect(answer(viaWorker)).toMatchObject({ inserted: 6, skipped: 0 });
    // the worker wrote through its own connection: this thread's connection sees the commit
    expect(await count(a, "SELECT count(*) AS n FROM iqc_results r JOIN control_lots l ON l.id = r.control_lot_id WHERE l.lot_number LIKE 'W-%'")).toBe(6);
    expect((await verifyAuditChain(a.db)).ok).toBe(true);
  });

  it.each([
    ['422 with every bad row (row, field, reason code)', posted([{ analyte: 'K', level: '1', lot: 'X', value: 'abc', measuredAt: iso(BASE), instrument: 'AU' }, { analyte: 'ZZZ', level: '1', lot: 'X', value: 1, measuredAt: iso(BASE), instrument: 'AU' }])],
    ['422 for a body that is not JSON', { type: 'application/json', body: bytes('{'), lab: null }],
    ['415 for an unsupported media type', { type: 'application/xml', body: bytes('<x/>'), lab: null }],
    ['403 for a lab that is not the actor\'s', { ...posted(run('Y', BASE)), lab: 'HZ-001' }],
  ])('a refusal crosses the thread boundary intact: %s', async (_title, input) => {
    const copy = { ...input, body: input.body.slice() }; // the pool takes the body's buffer
    const viaWorker = await caught(runOnPool(pool, 'iqc.post', lab(a), input));
    const inProcess = await caught(executeJob(b.db, 'iqc.post', lab(b), copy));
    expect(viaWorker).toBeInstanceOf(Error);
    expect(errorBody(viaWorker)).toEqual(errorBody(inProcess));
    expect(errorBody(viaWorker).status).not.toBe(500);
  });

  it.each([
    ['422 body.notJson for a body that is not JSON', 'application/json', '{', 'body.notJson'],
    ['422 body.invalid for JSON without results', 'application/json', '{"rows": []}', 'body.invalid'],
    ['404 for a round that does not exist', 'text/csv', 'sample,analyte,value\nS1,K,4.1', 'round.notFound'],
  ])('an EQA submission posted to the API is parsed in the worker, its refusal as in-process: %s', async (_title, type, text, code) => {
    const input = (roundCode: string) => ({ roundCode, type, body: bytes(text) });
    const viaWorker = await caught(runOnPool(pool, 'eqa.post', lab(a), input('NOPE-1')));
    const inProcess = await caught(executeJob(b.db, 'eqa.post', lab(b), input('NOPE-1')));
    expect(errorBody(viaWorker)).toEqual(errorBody(inProcess));
    expect(errorBody(viaWorker).body.code).toBe(code);
  });

  it('the import page’s CSV commit answers its counts without an entry per run (the page shows counts)', async () => {
    const csv = ['measured_at,analyte_code,level,lot,value,instrument', ...[0, 1, 2].flatMap((i) => run('CSV', BASE + i * 3_600_000).map((r) => `${r.measuredAt},K,${r.level},${r.lot},${r.value},AU`))].join('\n');
    const out = (await runOnPool(pool, 'iqc.importCsv', lab(a), { text: csv, dryRun: false })) as { inserted: number; runCount: number; runs: unknown[] };
    expect(out).toMatchObject({ inserted: 6, runCount: 3, runs: [] });
    expect(await count(a, "SELECT count(*) AS n FROM iqc_runs u JOIN iqc_results r ON r.run_id = u.id JOIN control_lots l ON l.id = r.control_lot_id WHERE l.lot_number LIKE 'CSV-%'")).toBe(6);
  });

  it('runJob goes to the installed pool, and runs in this thread without one', async () => {
    const seen: string[] = [];
    installJobRunner({ run: (name, actor, input) => (seen.push(name), pool.run(name, actor, input)) });
    try {
      expect(answer(await runJob('iqc.post', lab(a), posted(run('R', BASE + 60_000))))).toMatchObject({ inserted: 2 });
    } finally {
      installJobRunner(null);
    }
    expect(seen).toEqual(['iqc.post']);
    // no runner: the process-wide connection (DATABASE_PATH or DATABASE_URL) of this thread
    await useAsProcessDb(b);
    try {
      expect(answer(await runJob('iqc.post', lab(b), posted(run('R', BASE + 60_000))))).toMatchObject({ inserted: 2 });
    } finally {
      await closeDb();
      delete process.env.DATABASE_PATH;
      delete process.env.DATABASE_URL;
    }
  });
});

describe('what a job hands to the other thread instead of copying', () => {
  it('a Uint8Array over a buffer of its own (the value or a property), never a slice of a shared one', () => {
    const own = new TextEncoder().encode('x'.repeat(10_000));
    expect(transferablesOf(own)).toEqual([own.buffer]);
    expect(transferablesOf({ type: 'text/csv', body: own, lab: null })).toEqual([own.buffer]);
    // Node's pool of small Buffers: one ArrayBuffer shared by many
    const pooled = Buffer.from('small');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    expect(transferablesOf(pooled)).toEqual([]);
    expect(transferablesOf(own.subarray(1))).toEqual([]);
    expect(transferablesOf(new Uint8Array(new SharedArrayBuffer(8)))).toEqual([]);
    expect(transferablesOf('text')).toEqual([]);
    expect(transferablesOf({ deeper: { body: own } })).toEqual([]);
  });
});

describe('several workers writing the same database', () => {
  it('40 posts from 10 labs on 2 workers at once: every one stored once, none refused for a lock', async () => {
    const codes = [...a.labManagers.keys()].slice(0, 10);
    const before = await count(a, 'SELECT count(*) AS n FROM iqc_results');
    const outs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => runOnPool(pool, 'iqc.post', lab(a, codes[i % 10]), posted(run(`C${i}`, BASE + 86_400_000 + i * 60_000)))),
    );
    expect(outs.map((o) => answer(o).inserted)).toEqual(Array(40).fill(2));
    expect((await count(a, 'SELECT count(*) AS n FROM iqc_results')) - before).toBe(80);
    if (testBackend === 'sqlite') expect(a.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await verifyAuditChain(a.db)).ok).toBe(true);
  });

  it('a job queued behind busy workers still runs: the pool never has more jobs running than workers', async () => {
    const codes = [...a.labManagers.keys()].slice(0, 4);
    const jobs = Array.from({ length: 6 }, (_, i) => runOnPool(pool, 'iqc.post', lab(a, codes[i % 4]), posted(run(`Q${i}`, BASE + 2 * 86_400_000 + i * 60_000))));
    expect(pool.waiting).toBe(4);
    expect((await Promise.all(jobs)).length).toBe(6);
    expect(pool.waiting).toBe(0);
  });
});

describe('the server\'s stop (lib/server/main.ts): the pool lets its jobs end, then closes', () => {
  it('idle() resolves once the jobs running and waiting have answered; close() ends every worker once, and a job after it is refused', async () => {
    const p = startJobPool(a.file, 1);
    try {
      await p.idle(); // nothing running: at once
      const codes = [...a.labManagers.keys()].slice(4, 6);
      const jobs = codes.map((code, i) => p.run('iqc.post', lab(a, code), posted(run(`S${i}`, BASE + 2.5 * 86_400_000 + i * 60_000))));
      let idle = false;
      const idled = p.idle().then(() => (idle = true));
      const first = await jobs[0];
      expect(first.ok).toBe(true);
      expect(idle).toBe(false); // the second job still runs (one import worker)
      await idled;
      expect((await jobs[1]).ok).toBe(true);
      await p.close();
      await p.close(); // the server closes it again after its stop: done once
      expect(await p.run('iqc.post', lab(a), posted(run('S9', BASE)))).toMatchObject({ ok: false, error: { message: 'the job pool is closed' } });
      await p.idle();
    } finally {
      await p.close();
    }
  });
});

describe('lanes: long runs never wait behind imports, audit rows go first', () => {
  it.each<[JobName, string]>([
    ['iqc.post', 'import'],
    ['iqc.importCsv', 'import'],
    ['iqc.enter', 'import'],
    ['eqa.submit', 'import'],
    ['eqa.post', 'import'],
    ['eqa.evaluate', 'long'],
    ['eqa.publish', 'long'],
    ['recognition.recompute', 'long'],
    ['audit.tokenUse', 'import'],
    ['iqc.readResults', 'read'],
    ['eqa.exportRound', 'read'],
  ])('%s runs in the %s lane', (name, lane) => expect(laneOf(name)).toBe(lane));

  it('a large read runs in the read lane, beside busy import workers, and answers as in-process (the results API as JSON bytes, a refusal as a refusal)', async () => {
    const codes = [...a.labManagers.keys()].slice(0, 4);
    const readerCode = [...a.labManagers.keys()][6];
    await runOnPool(pool, 'iqc.post', lab(a, readerCode), posted([...run('RD', BASE), ...run('RD', BASE + 3_600_000, 0.02)]));
    const batch = (i: number) => Array.from({ length: 2_000 }, (_, k) => run(`RL${i}`, Date.now() - 200 * 86_400_000 + k * 60_000)).flat();
    const imports = Array.from({ length: 4 }, (_, i) => runOnPool(pool, 'iqc.post', lab(a, codes[i]), posted(batch(i))));
    let importsDone = 0;
    imports.forEach((p) => void p.then(() => importsDone++));
    const q = { lab: null, analyte: 'K', from: iso(BASE - 86_400_000).slice(0, 10), to: iso(BASE + 86_400_000).slice(0, 10) };
    const read = await runOnPool(pool, 'iqc.readResults', lab(a, readerCode), q);
    expect(importsDone).toBe(0); // not queued behind the imports (2 import workers, 4 jobs)
    expect(answer(read.body)).toEqual(answer((await executeJob(a.db, 'iqc.readResults', lab(a, readerCode), q)).body));
    expect(read.next).toBeNull();
    expect((answer(read.body) as { lot: string }[]).filter((r) => r.lot.startsWith('RD-'))).toHaveLength(4);
    const refused = await caught(runOnPool(pool, 'iqc.readResults', lab(a, readerCode), { ...q, from: 'yesterday' }));
    expect(errorBody(refused)).toEqual(errorBody(await caught(executeJob(a.db, 'iqc.readResults', lab(a, readerCode), { ...q, from: 'yesterday' }))));
    expect(errorBody(refused).status).toBe(422);
    await Promise.all(imports);
  });

  it('a token-use audit row is written before the imports waiting in the queue', async () => {
    const codes = [...a.labManagers.keys()].slice(0, 4);
    const token = { ...lab(a), via: 'token' as const, token: { id: 4242, scopes: ['iqc:write' as const] } };
    const audit = () => runOnPool(pool, 'audit.tokenUse', token, { method: 'POST', url: 'http://localhost/api/v1/iqc/results', status: 201 });
    await audit(); // the audit worker's first job (module load, connection) out of the measure
    // 12 imports of 500 runs each on 2 import workers: the audit row goes to the front of the queue
    // and is written after at most the 2 imports under way (a few more when its wait for SQLite's write
    // lock loses to a worker that commits and begins its next import on a loaded machine): far from all 12
    const IMPORTS = 12;
    const batch = (i: number) => Array.from({ length: 500 }, (_, k) => run(`L${i}`, Date.now() - 400 * 86_400_000 + k * 60_000)).flat();
    const imports = Array.from({ length: IMPORTS }, (_, i) => runOnPool(pool, 'iqc.post', lab(a, codes[i % 4]), posted(batch(i))));
    let importsDone = 0;
    imports.forEach((p) => void p.then(() => importsDone++));
    await audit();
    // answered before the import queue drained
    expect(importsDone).toBeLessThan(IMPORTS);
    await Promise.all(imports);
    const [row] = await sqlRows<{ id: string; details: unknown }>(a.db, "SELECT entity_id AS id, details FROM audit_log WHERE action = 'apiToken.use' ORDER BY id DESC LIMIT 1");
    expect([row.id, typeof row.details === 'string' ? JSON.parse(row.details) : row.details]).toEqual(['4242', { method: 'POST', path: '/api/v1/iqc/results', status: 201 }]);
  });
});

describe('the job queue in the database (installed by the server on PostgreSQL) takes the long runs only', () => {
  it('a publication, an eligibility run and a reserved evaluation go to the queue; imports and a small evaluation stay in this instance', async () => {
    const queued: string[] = [];
    const local: string[] = [];
    const failures: string[] = [];
    installJobRunner({ run: async (name) => (local.push(name), { ok: true, value: 'local' }) });
    installJobQueue({
      run: async (name) => (queued.push(name), { ok: true, value: 'queued' }),
      start: async (name, _actor, input) => {
        if ((input as { evaluationId?: number }).evaluationId === 13) throw new Error('the queue is unreachable');
        queued.push(`start ${name}`);
      },
    });
    try {
      const regulator = a.regulators.gd;
      expect(await runJob('eqa.publish', regulator, { roundCode: 'R' })).toBe('queued');
      expect(await runJob('recognition.recompute', regulator, {})).toBe('queued');
      expect(await runJob('eqa.evaluate', regulator, { roundCode: 'R' })).toBe('local');
      expect(await runJob('iqc.post', lab(a), posted([]))).toBe('local');
      startJob('eqa.evaluate', regulator, { roundCode: 'R', evaluationId: 12 }, (m) => void failures.push(m));
      startJob('eqa.evaluate', regulator, { roundCode: 'R', evaluationId: 13 }, (m) => void failures.push(m));
      await new Promise((r) => setTimeout(r, 10));
      expect(queued).toEqual(['eqa.publish', 'recognition.recompute', 'start eqa.evaluate']);
      expect(local).toEqual(['eqa.evaluate', 'iqc.post']);
      expect(failures).toEqual(['the queue is unreachable']); // a job that could not be stored fails as before
    } finally {
      installJobQueue(null);
      installJobRunner(null);
    }
  });
});

describe('what a stop (and a test database\'s close) waits for: the jobs started without waiting', () => {
  const use = { method: 'POST', url: 'http://localhost/api/v1/iqc/results', status: 201 };
  const tokenOf = (w: World) => ({ ...lab(w), via: 'token' as const, token: { id: 4343, scopes: ['iqc:write' as const] } });
  const uses = async (w: World) => await count(w, "SELECT count(*) AS n FROM audit_log WHERE action = 'apiToken.use' AND entity_id = '4343'");

  it('on the server\'s runner: startedJobsSettled resolves once the job has ended, not before', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ended: string[] = [];
    installJobRunner({ run: async (name) => (await gate, ended.push(name), { ok: true, value: null }) });
    try {
      startJob('audit.tokenUse', tokenOf(a), use, () => {});
      let settled = false;
      const waiting = startedJobsSettled().then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 50));
      expect([settled, ended]).toEqual([false, []]);
      release();
      await waiting;
      expect(ended).toEqual(['audit.tokenUse']);
    } finally {
      installJobRunner(null);
    }
  });

  it('in this thread (no runner): the audit row is written once startedJobsSettled resolves, failures included', async () => {
    await useAsProcessDb(b);
    try {
      const before = await uses(b);
      const failures: string[] = [];
      startJob('audit.tokenUse', tokenOf(b), use, (m) => void failures.push(m));
      startJob('audit.tokenUse', tokenOf(b), { ...use, url: 'not a url' }, (m) => void failures.push(m));
      expect(await uses(b)).toBe(before); // started after the current turn
      await startedJobsSettled();
      expect(await uses(b)).toBe(before + 1);
      expect(failures).toHaveLength(1);
    } finally {
      await closeDb();
    }
  });
});
