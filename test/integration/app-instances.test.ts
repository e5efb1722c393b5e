// Issue 14, several app instances on one PostgreSQL database: nothing that another instance must see
// is kept in memory. Two app instances run as child processes (test/support/job-app-instance.ts: the
// job queue with the app's queued jobs, as lib/server/main.ts starts it, and the webhook dispatcher):
// a certification decision taken through one is answered by the other's verify at once; an EQA
// evaluation started through one is run once even when the instance running it is killed (kill -9)
// in the middle of its result transaction (the other finishes it: one result set, one audit row),
// and its progress is in the database while it runs; a long run that a request waits for (runJob)
// answers with the reply of whichever instance ran it, refusals included; each webhook delivery is
// sent once although both instances dispatch the outbox; audit rows appended at once still form one
// hash chain, and a certification event committed out of id order still reaches another instance's
// verify index. Stopping (SIGTERM to the production server, lib/server/main.ts): the evaluation running
// in the stopped instance is finished by it within the grace, or handed back after the grace and
// finished by the other long before pg-boss's expiry; requests in flight are answered while new connections are refused; an evaluation whose
// instance is killed on every attempt is marked failed once, by an instance alive when the queue gives
// it up (its dead letter). PostgreSQL, but for the stop on SQLite (the database closed checkpointed).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { ensureOpsBuild, startProdServer, type ProdServer } from '@/test/support/prod-server';
import { serverPidFile } from '@/db/backup';
import { createSeededTestDb, sqlRows, sqlRun, testBackend, reopenTestDb } from '@/test/support/db';
import { startInstance, stopInstances, type Instance } from '@/test/support/job-child';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { insertDelivery, insertEndpoint, leaseDueDeliveries } from '@/db/queries/hospital';
import { insertCertification, insertCertificationEvent } from '@/db/queries/certifications';
import { pairKey } from '@/db/queries/public';
import { reserveEvaluation } from '@/lib/services/eqa/evaluation';
import { givenUpQueue } from '@/lib/jobs/serve';
import { certificationsOfPairs } from '@/lib/services/recognition/pair-index';
import type { DB } from '@/db/client';
import { withTx } from '@/db/tx';
import { rawAll } from '@/db/dialect';
import { sql } from 'drizzle-orm';
import { insertAudit } from '@/db/queries/audit';
import { verifyAuditChain } from '@/db/queries/audit-chain';
import { GD_LABS, makeRound, makeScheme, submitAs, type World } from './eqa-support';
import { NOW, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

/** A dead instance's job is back within expire (2 s) + maintenance (1 s). */
const SETTINGS = { LABQC_JOB_EXPIRE_SECONDS: '2', LABQC_JOB_HEARTBEAT_SECONDS: '0.4', LABQC_JOB_MAINTENANCE_SECONDS: '1', LABQC_JOB_POLL_SECONDS: '0.5', LABQC_JOB_RETRY_DELAY_SECONDS: '0', LABQC_JOB_RETRY_LIMIT: '3' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A POST /api/v1/verify whose body is half sent (a request in flight), on a raw socket: `finish`
 * sends the rest and resolves with the whole answer once the server closes the connection. */
async function requestInFlight(port: number) {
  const body = JSON.stringify({ checks: [{ lab: 'GZ-004', analyte: 'K' }] });
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  let error: Error | null = null;
  socket.on('data', (d) => (answer += d));
  socket.on('error', (e) => (error = e));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
  await sleep(300); // the server has the request
  return {
    finish: async () => {
      socket.write(body.slice(10));
      await ended;
      return { answer, error };
    },
  };
}

/** Whether a new TCP connection to `port` is accepted. */
const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** SIGTERM with a request in flight: new connections are refused at once, the request is answered
 * in full (no reset), then the server exits 0; resolves with how long it took to exit. */
async function stopWithRequestInFlight(s: ProdServer) {
  const pending = await requestInFlight(s.port);
  const exited = new Promise<void>((resolve) => s.proc.once('exit', () => resolve()));
  const t0 = Date.now();
  process.kill(s.proc.pid!, 'SIGTERM');
  await sleep(300);
  expect(await connects(s.port)).toBe(false);
  const { answer, error } = await pending.finish();
  expect(error).toBeNull();
  expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  expect(answer).toMatch(/connection: close/i);
  expect(answer).toContain('{"results":[{"recognized":');
  await exited;
  expect(s.proc.exitCode).toBe(0);
  expect(s.log()).toContain('[labqc] stopped');
  return Date.now() - t0;
}

describe.skipIf(testBackend !== 'pg')('two app instances on one PostgreSQL database', () => {
  let w: World;
  const instances: Instance[] = [];
  const start = (name: string, env: Record<string, string> = {}) => {
    const i = startInstance('test/support/job-app-instance.ts', name, { ...SETTINGS, DATABASE_URL: w.file, WEBHOOK_ALLOW_PRIVATE: '1', ...env });
    instances.push(i);
    return i;
  };
  const rows = async <T,>(text: string, ...p: unknown[]) => await sqlRows<T>(w.db, text, ...p);
  const until = async <T,>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    w = await createSeededTestDb();
    // pg-boss's schema once, before two instances start together
    const { openPgBossQueue, queueSettingsFromEnv } = await import('@/lib/jobs/pg-boss');
    await (await openPgBossQueue(w.file, queueSettingsFromEnv({ ...SETTINGS, LABQC_INSTANCE: 'setup' }))).stop();
  });
  afterEach(() => stopInstances(instances));
  afterAll(async () => {
    stopInstances(instances);
    await w?.close();
  });

  it('a certification decision taken through one instance is answered by the other\'s verify at once', async () => {
    const a = start('A');
    const b = start('B');
    await Promise.all([a.line('ready', 120_000), b.line('ready', 120_000)]);
    // GZ-004 is certified for potassium from 15 June 2026 (a year): set up through the test's own connection
    const pair = { labId: await labId(w.db, 'GZ-004'), analyteId: await analyteId(w.db, 'K') };
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    await addGoodEvidence(w.db, pair.labId, pair.analyteId);
    await computeEligibility(w.db, { now: NOW });
    await decide(w.db, w.regulators.gd, { ...pair, action: 'approve', reason: 'meets the policy', effectiveOn: '2026-06-15' }, { now: NOW });
    const verify = async (i: Instance) => (await i.call<{ status: number; body: { recognized: boolean; reason: string } }>('verify', null, { lab: 'GZ-004', analyte: 'K' })).body;

    expect(await verify(b)).toMatchObject({ recognized: true, reason: 'recognized' }); // B has answered for this pair before
    await a.call('decide', w.regulators.gd, { ...pair, action: 'suspend', reason: 'EQA failed twice' });
    expect(await verify(b)).toMatchObject({ recognized: false, reason: 'suspended' });
    await b.call('decide', w.regulators.gd, { ...pair, action: 'reinstate', reason: 'corrected' });
    expect(await verify(a)).toMatchObject({ recognized: true, reason: 'recognized' });
  }, 240_000);

  it('an evaluation started through one instance is finished once by the other when the one running it is killed mid-job', async () => {
    await makeScheme(w, 'MI');
    await makeRound(w, 'MI', 'MI-1', ['S1', 'S2']);
    for (const [i, lab] of GD_LABS.entries()) {
      await submitAs(w, lab, 'MI-1', [
        { sample: 'S1', analyte: 'K', value: 4 + (i % 5) * 0.02, method: 'ISE' },
        { sample: 'S2', analyte: 'K', value: 5 + (i % 7) * 0.02, method: 'ISE' },
      ]);
    }
    // the result rows' insert takes 3 s (a statement trigger of this test): long enough to kill the instance inside its result transaction
    await sqlRun(w.db, `CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$`);
    await sqlRun(w.db, `CREATE TRIGGER test_slow AFTER INSERT ON eqa_result_evaluations FOR EACH STATEMENT EXECUTE FUNCTION test_slow()`);
    try {
      const a = start('A');
      const b = start('B');
      await Promise.all([a.line('ready', 120_000), b.line('ready', 120_000)]);
      const reserved = await a.call<{ evaluationId: number; version: number }>('evaluate', w.regulators.gd, { roundCode: 'MI-1' });
      const started = '[labqc] job eqa.evaluate ';
      const first = await Promise.race([a, b].map((i) => i.line(started, 30_000).then(() => i)));
      const other = first === a ? b : a;
      // its progress is in the database for every instance to see, then it is inside its result transaction
      await until('progress', async () => (await rows<{ progress: number; status: string }>(`SELECT progress, status FROM eqa_evaluations WHERE id = ?`, reserved.evaluationId))[0], (e) => e.progress >= 0.6);
      await until('the result insert', async () => (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE 'insert into "eqa_result_evaluations"%'`))[0].n, (n) => n > 0);
      first.crash();
      const killedAt = Date.now();

      const retry = await other.line(`${started}`, 30_000);
      expect(retry).toMatch(new RegExp(`started on ${other.name} \\(attempt 2\\)`));
      const done = await until('the evaluation', async () => (await rows<{ status: string; progress: number }>(`SELECT status, progress FROM eqa_evaluations WHERE id = ?`, reserved.evaluationId))[0], (e) => e.status !== 'running');
      const job = await until('the job', async () => (await rows<{ id: string; state: string; retry_count: number }>(`SELECT id, state, retry_count FROM pgboss.job WHERE name = 'eqa.evaluate'`))[0], (j) => j.state === 'completed');
      console.log(`[app-instances] evaluation picked up and finished by ${other.name} ${Date.now() - killedAt} ms after ${first.name} was killed`);

      expect(done).toEqual({ status: 'complete', progress: 1 });
      expect(job.retry_count).toBe(1);
      // one result set, one audit row, one evaluation of the round, one recorded run (by the survivor)
      expect(await rows(`SELECT evaluation_id AS id, count(*)::int AS n FROM eqa_result_evaluations GROUP BY evaluation_id`)).toEqual([{ id: reserved.evaluationId, n: GD_LABS.length * 2 }]);
      expect((await rows<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'eqa.round.evaluate'`))[0].n).toBe(1);
      expect((await rows(`SELECT e.version, e.status FROM eqa_evaluations e JOIN eqa_rounds r ON r.id = e.round_id WHERE r.code = 'MI-1'`))).toEqual([{ version: reserved.version, status: 'complete' }]);
      expect(await rows(`SELECT instance, finished_at IS NOT NULL AS finished FROM job_runs WHERE job_id = ?`, job.id)).toEqual([{ instance: other.name, finished: true }]);
      expect(first.lines.filter((l) => l.startsWith(started))).toHaveLength(1);
    } finally {
      await sqlRun(w.db, `DROP TRIGGER IF EXISTS test_slow ON eqa_result_evaluations`);
    }

    // a long run a request waits for goes through the queue too: the answer, then a refusal, come back
    const a = instances.find((i) => i.child.exitCode === null && i.child.signalCode === null)!;
    expect(await a.call('run', w.regulators.gd, { name: 'eqa.publish', input: { roundCode: 'MI-1' } })).toMatchObject({ round: 'MI-1', status: 'published' });
    await expect(a.call('run', w.regulators.gd, { name: 'eqa.publish', input: { roundCode: 'MI-1' } })).rejects.toMatchObject({ reply: { kind: 'app', reason: 'round.alreadyPublished' } });
    expect((await rows<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = 'eqa.publish'`)).map((j) => j.state)).toEqual(['completed', 'completed']);
  }, 240_000);

  it('a reserved evaluation its job refuses is marked failed by the instance that ran it, and the refusal answers the caller', async () => {
    await makeRound(w, 'MI', 'MI-2', ['S1']);
    for (const lab of GD_LABS.slice(0, 3)) await submitAs(w, lab, 'MI-2', [{ sample: 'S1', analyte: 'K', value: 4, method: 'ISE' }]);
    const reserved = (await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'MI-2' }, { threshold: 1 }))!;
    // the round reopened meanwhile (its closing moved later): the evaluation can no longer run
    await sqlRun(w.db, `UPDATE eqa_rounds SET closes_at = ? WHERE code = 'MI-2'`, Date.now() + 86_400_000);
    const a = start('A');
    await a.line('ready', 120_000);
    await expect(a.call('run', w.regulators.gd, { name: 'eqa.evaluate', input: { roundCode: 'MI-2', evaluationId: reserved.evaluationId } })).rejects.toMatchObject({ reply: { kind: 'app', reason: 'round.notClosed' } });
    expect((await rows<{ status: string }>(`SELECT status FROM eqa_evaluations WHERE id = ?`, reserved.evaluationId))[0].status).toBe('failed');
    expect(a.lines.some((l) => l.startsWith('[labqc] job eqa.evaluate '))).toBe(true);
  }, 240_000);

  describe('stopping', () => {
    const servers: ProdServer[] = [];
    beforeAll(() => ensureOpsBuild(), 900_000);
    afterEach(async () => void (await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')))));
    const serve = async (name: string, env: Record<string, string> = {}) => {
      const s = await startProdServer(w.file, { ...SETTINGS, LABQC_INSTANCE: name, ...env });
      servers.push(s);
      return s;
    };
    /** A closed round of `scheme` with the GD labs' results, and a statement trigger that makes the
     * insert of its graded results take `sleepS` seconds (long enough to stop an instance inside it);
     * `firstOnly`: only the first insert (a sequence: not undone with the transaction). */
    const slowRound = async (scheme: string, round: string, sleepS: number, firstOnly = false) => {
      await makeScheme(w, scheme);
      await makeRound(w, scheme, round, ['S1', 'S2']);
      for (const [i, lab] of GD_LABS.entries()) {
        await submitAs(w, lab, round, [
          { sample: 'S1', analyte: 'K', value: 4 + (i % 5) * 0.02, method: 'ISE' },
          { sample: 'S2', analyte: 'K', value: 5 + (i % 7) * 0.02, method: 'ISE' },
        ]);
      }
      await sqlRun(w.db, `CREATE SEQUENCE IF NOT EXISTS test_slow_stop_seq`);
      await sqlRun(w.db, `SELECT setval('test_slow_stop_seq', 1, false)`);
      const when = firstOnly ? `nextval('test_slow_stop_seq') = 1` : 'true';
      await sqlRun(w.db, `CREATE OR REPLACE FUNCTION test_slow_stop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${when} THEN PERFORM pg_sleep(${sleepS}); END IF; RETURN NULL; END $$`);
      await sqlRun(w.db, `CREATE TRIGGER test_slow_stop AFTER INSERT ON eqa_result_evaluations FOR EACH STATEMENT EXECUTE FUNCTION test_slow_stop()`);
    };
    /** An instance's evaluation is inside its result transaction (on a connection opened after `since`:
     * a killed instance's backend goes on with its statement until the trigger's sleep is over). */
    const inResultInsert = (since = 0) =>
      until('the result insert', async () => (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND wait_event = 'PgSleep' AND backend_start > to_timestamp(?::float8 / 1000)`, since))[0].n, (n) => n > 0);
    const evaluateCount = async () => (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'eqa.round.evaluate'`))[0].n;

    it('SIGTERM to the instance running an evaluation: handed back after the grace, finished by the other long before the expiry, the stopped one exits 0', async () => {
      // the first run's insert takes 60 s: A is stopped inside it; B's run is quick
      await slowRound('MS', 'MS-1', 60, true);
      try {
        // the expiry at its default (30 s): only the hand-back lets the other instance take the job soon
        const env = { LABQC_JOB_EXPIRE_SECONDS: '30', LABQC_JOB_HEARTBEAT_SECONDS: '5', LABQC_SHUTDOWN_GRACE_MS: '1500' };
        const a = await serve('A', env);
        const audits = await evaluateCount();
        const reserved = (await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'MS-1' }, { threshold: 1 }))!;
        // sent as the regulator's page sends it (through the queue, with its dead letter)
        const { openPgBossQueue, queueSettingsFromEnv } = await import('@/lib/jobs/pg-boss');
        const sender = await openPgBossQueue(w.file, queueSettingsFromEnv({ ...SETTINGS, ...env, LABQC_INSTANCE: 'sender' }));
        const jobId = await sender.send('eqa.evaluate', w.regulators.gd, { roundCode: 'MS-1', evaluationId: reserved.evaluationId }, { deadLetter: givenUpQueue('eqa.evaluate') });
        await sender.stop();
        await until('A starts the job', async () => a.log(), (l) => l.includes(`[labqc] job eqa.evaluate ${jobId} started on A (attempt 1)`));
        const b = start('B', env);
        await b.line('ready', 120_000);
        await inResultInsert().catch(async (e: Error) => {
          throw new Error(`${e.message}\nA:\n${a.log()}\n${JSON.stringify(await rows(`SELECT pid, application_name, state, wait_event_type, wait_event, left(query, 120) AS q FROM pg_stat_activity WHERE datname = current_database()`), null, 1)}\n${JSON.stringify(await rows(`SELECT id, status, progress FROM eqa_evaluations`))}`);
        });

        const t0 = Date.now();
        await a.stop('SIGTERM');
        const stoppedMs = Date.now() - t0;
        expect(a.proc.exitCode).toBe(0);
        expect(a.log()).toContain('[labqc] stopped');
        expect(a.log()).toContain(`[labqc] job eqa.evaluate ${jobId} handed back by A (attempt 1 not counted)`);
        // the other instance takes it at its next poll: the same attempt (a hand-back is not a failure)
        expect(await b.line(`[labqc] job eqa.evaluate ${jobId} started on B`, 15_000)).toContain('(attempt 1)');
        const done = await until('the evaluation', async () => (await rows<{ status: string; progress: number }>(`SELECT status, progress FROM eqa_evaluations WHERE id = ?`, reserved.evaluationId))[0], (e) => e.status !== 'running', 30_000);
        const finishedMs = Date.now() - t0;
        const job = await until('the job', async () => (await rows<{ state: string; retry_count: number }>(`SELECT state, retry_count FROM pgboss.job WHERE id = ?`, jobId))[0], (j) => j.state === 'completed');
        console.log(`[app-instances] SIGTERM: A exited 0 after ${stoppedMs} ms (grace 1500 ms), B finished the evaluation ${finishedMs} ms after the signal`);

        expect(stoppedMs).toBeLessThan(1_500 + 3_000);
        expect(finishedMs).toBeLessThan(15_000);
        expect(done).toEqual({ status: 'complete', progress: 1 });
        expect(job.retry_count).toBe(0);
        expect(await rows(`SELECT count(*)::int AS n FROM eqa_result_evaluations WHERE evaluation_id = ?`, reserved.evaluationId)).toEqual([{ n: GD_LABS.length * 2 }]);
        expect(await evaluateCount()).toBe(audits + 1);
        expect(await rows(`SELECT e.version, e.status FROM eqa_evaluations e JOIN eqa_rounds r ON r.id = e.round_id WHERE r.code = 'MS-1'`)).toEqual([{ version: reserved.version, status: 'complete' }]);
        expect(await rows(`SELECT instance, finished_at IS NOT NULL AS finished FROM job_runs WHERE job_id = ?`, jobId)).toEqual([{ instance: 'B', finished: true }]);
      } finally {
        await sqlRun(w.db, `DROP TRIGGER IF EXISTS test_slow_stop ON eqa_result_evaluations`);
      }
    }, 300_000);

    it('SIGTERM to the instance running an evaluation that ends within the grace: it finishes the job itself, then exits 0', async () => {
      await slowRound('MT', 'MT-1', 2, true);
      try {
        const a = await serve('A', { LABQC_SHUTDOWN_GRACE_MS: '20000' });
        const reserved = (await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'MT-1' }, { threshold: 1 }))!;
        const { openPgBossQueue, queueSettingsFromEnv } = await import('@/lib/jobs/pg-boss');
        const sender = await openPgBossQueue(w.file, queueSettingsFromEnv({ ...SETTINGS, LABQC_INSTANCE: 'sender' }));
        const jobId = await sender.send('eqa.evaluate', w.regulators.gd, { roundCode: 'MT-1', evaluationId: reserved.evaluationId }, { deadLetter: givenUpQueue('eqa.evaluate') });
        await sender.stop();
        await inResultInsert();
        const t0 = Date.now();
        await a.stop('SIGTERM');
        const stoppedMs = Date.now() - t0;
        console.log(`[app-instances] SIGTERM during a job shorter than the grace: A finished it and exited 0 after ${stoppedMs} ms`);
        expect(a.proc.exitCode).toBe(0);
        expect(a.log()).toContain('[labqc] stopped');
        expect(a.log()).not.toContain('handed back');
        expect(stoppedMs).toBeLessThan(20_000);
        expect(await rows(`SELECT status, progress FROM eqa_evaluations WHERE id = ?`, reserved.evaluationId)).toEqual([{ status: 'complete', progress: 1 }]);
        expect(await rows(`SELECT state, retry_count FROM pgboss.job WHERE id = ?`, jobId)).toEqual([{ state: 'completed', retry_count: 0 }]);
        expect(await rows(`SELECT instance, finished_at IS NOT NULL AS finished FROM job_runs WHERE job_id = ?`, jobId)).toEqual([{ instance: 'A', finished: true }]);
      } finally {
        await sqlRun(w.db, `DROP TRIGGER IF EXISTS test_slow_stop ON eqa_result_evaluations`);
      }
    }, 300_000);

    it('SIGTERM with a request in flight: answered in full, new connections refused, exit 0', async () => {
      const a = await serve('A', { LABQC_SHUTDOWN_GRACE_MS: '5000' });
      const ms = await stopWithRequestInFlight(a);
      console.log(`[app-instances] SIGTERM with a request in flight: exited 0 after ${ms} ms`);
    }, 300_000);

    it('an evaluation whose instance is killed on every attempt is marked failed once, by an instance alive when the queue gives it up', async () => {
      await slowRound('MG', 'MG-1', 4);
      try {
        const env = { LABQC_JOB_RETRY_LIMIT: '1' };
        const a = start('A', env);
        await a.line('ready', 120_000);
        const reserved = await a.call<{ evaluationId: number }>('evaluate', w.regulators.gd, { roundCode: 'MG-1' });
        await a.line('[labqc] job eqa.evaluate ', 30_000);
        await inResultInsert();
        a.crash();
        const aKilledAt = Date.now();
        const b = start('B', env);
        expect(await b.line('[labqc] job eqa.evaluate ', 60_000)).toContain('(attempt 2)');
        await inResultInsert(aKilledAt);
        b.crash();
        const killedAt = Date.now();
        // two instances alive when the last attempt expires: one of them gives the job up
        const c = start('C', env);
        const d = start('D', env);
        const failed = await until('the evaluation', async () => (await rows<{ status: string; diff: unknown }>(`SELECT status, diff FROM eqa_evaluations WHERE id = ?`, reserved.evaluationId))[0], (e) => e.status !== 'running', 60_000);
        console.log(`[app-instances] evaluation given up ${Date.now() - killedAt} ms after its last attempt's instance was killed`);
        expect(failed.status).toBe('failed');
        const diff = (typeof failed.diff === 'string' ? JSON.parse(failed.diff) : failed.diff) as { error: string };
        expect(diff.error).toMatch(/given up after its last attempt/);
        await sleep(1_500); // a second give-up would show by now
        const handled = [c, d].flatMap((i) => i.lines.filter((l) => l.startsWith('[labqc] job eqa.evaluate given up')));
        expect(handled).toHaveLength(1);
        expect([c, d].some((i) => i.lines.some((l) => l.startsWith('[labqc] job eqa.evaluate ') && l.includes(' started on ')))).toBe(false);
        expect(await rows(`SELECT state, retry_count FROM pgboss.job WHERE name = 'eqa.evaluate' AND data->'input'->>'evaluationId' = ?`, String(reserved.evaluationId))).toEqual([{ state: 'failed', retry_count: 1 }]);
        expect(await rows(`SELECT state FROM pgboss.job WHERE name = ?`, givenUpQueue('eqa.evaluate'))).toEqual([{ state: 'completed' }]);
        expect(await rows(`SELECT count(*)::int AS n FROM eqa_result_evaluations WHERE evaluation_id = ?`, reserved.evaluationId)).toEqual([{ n: 0 }]);
      } finally {
        await sqlRun(w.db, `DROP TRIGGER IF EXISTS test_slow_stop ON eqa_result_evaluations`);
      }
    }, 300_000);
  });

  it('each webhook delivery is sent once while both instances dispatch the outbox', async () => {
    const got: string[] = [];
    const server = http.createServer((req, res) => {
      got.push(String(req.headers['labqc-delivery']));
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(200).end('ok'), 20));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const owner = (await rows<{ id: number }>(`SELECT id FROM users WHERE role = 'hospital' LIMIT 1`))[0].id;
      const ep = await insertEndpoint(w.db, { ownerId: owner, name: 'two instances', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, secret: 'whsec_test' }, Date.now());
      const now = Date.now();
      for (let i = 0; i < 60; i++) await insertDelivery(w.db, { endpointId: ep.id, event: 'test', certificationEventId: null, payload: JSON.stringify({ i }), now: now - 1000, giveUpAt: now + 3_600_000 });
      const ids = (await rows<{ id: number }>(`SELECT id FROM webhook_deliveries WHERE endpoint_id = ?`, ep.id)).map((r) => String(r.id));
      const a = start('A', { DISPATCH_MS: '30' });
      const b = start('B', { DISPATCH_MS: '30' });
      await Promise.all([a.line('ready', 120_000), b.line('ready', 120_000)]);
      await until('deliveries', async () => (await rows<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'delivered'`, ep.id))[0].n, (n) => n === ids.length);
      await sleep(300);
      expect(got.sort()).toEqual(ids.sort());
      expect((await rows<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?`, ep.id))[0].n).toBe(ids.length);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 240_000);

  it('leasing due deliveries from four connections at once gives each row to one of them (FOR UPDATE SKIP LOCKED)', async () => {
    const owner = (await rows<{ id: number }>(`SELECT id FROM users WHERE role = 'hospital' LIMIT 1`))[0].id;
    const ep = await insertEndpoint(w.db, { ownerId: owner, name: 'lease race', url: 'https://example.org/hook', secret: 'whsec_test' }, Date.now());
    // a month ahead: the running instances' own dispatchers (real clock) must not find these rows due
    // and lease some of them away from the four connections under test
    const now = Date.now() + 30 * 86_400_000;
    for (let i = 0; i < 200; i++) await insertDelivery(w.db, { endpointId: ep.id, event: 'test', certificationEventId: null, payload: JSON.stringify({ i }), now: now - 1000, giveUpAt: now + 3_600_000 });
    const conns = await Promise.all(Array.from({ length: 4 }, () => reopenTestDb(w)));
    try {
      const leased: number[] = [];
      const take = async (db: DB, k: number) => {
        for (;;) {
          const got = await leaseDueDeliveries(db, `owner-${k}`, now, now + 600_000, 7);
          if (!got.length) return;
          leased.push(...got.map((d) => d.id));
        }
      };
      await Promise.all(conns.map((c, k) => take(c.db, k)));
      expect(leased.length).toBe(200);
      expect(new Set(leased).size).toBe(200);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
      await sqlRun(w.db, `UPDATE webhook_deliveries SET status = 'failed' WHERE endpoint_id = ?`, ep.id);
    }
  });

  it('audit rows appended at once from several connections form one chain (appends take turns; a repeatable-read snapshot older than the last append runs again)', async () => {
    const conns = await Promise.all(Array.from({ length: 4 }, () => reopenTestDb(w)));
    try {
      await Promise.all(conns.flatMap((c, k) => Array.from({ length: 10 }, (_, i) => withTx(c.db, async (tx) => await insertAudit(tx, { action: 'test.concurrent', details: { k, i } })))));
      let runs = 0;
      await withTx(conns[0].db, async (tx) => {
        runs++;
        await rawAll(tx, sql`SELECT count(*) AS n FROM audit_log`); // the snapshot is taken here
        if (runs === 1) await insertAudit(conns[1].db, { action: 'test.meanwhile' }); // committed after it
        await insertAudit(tx, { action: 'test.repeatable' });
      }, { isolation: 'repeatable read' });
      expect(runs).toBe(2);
      expect((await rows<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM audit_log WHERE action LIKE 'test.%' GROUP BY action ORDER BY action`))).toEqual([
        { action: 'test.concurrent', n: 40 },
        { action: 'test.meanwhile', n: 1 },
        { action: 'test.repeatable', n: 1 },
      ]);
      expect(await verifyAuditChain(w.db)).toMatchObject({ ok: true });
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });

  it('a certification event that commits after a higher-numbered one still reaches another instance\'s verify index (appends in commit order)', async () => {
    const [c1, c2, reader] = await Promise.all([reopenTestDb(w), reopenTestDb(w), reopenTestDb(w)]);
    try {
      const scope = (await rows<{ id: number }>(`SELECT id FROM regions WHERE code = '440000'`))[0].id;
      const pairs = [{ labId: await labId(w.db, 'GZ-006'), analyteId: await analyteId(w.db, 'K') }, { labId: await labId(w.db, 'GZ-007'), analyteId: await analyteId(w.db, 'K') }];
      const certs: { id: number }[] = [];
      for (const [i, p] of pairs.entries()) certs.push(await insertCertification(w.db, { ...p, scopeRegionId: scope, scope: '广东省', mark: '广东HR', certificateNo: `T-ORDER-${i}`, status: 'active', validFrom: '2026-01-01', validTo: '2099-12-31', createdAt: Date.now(), updatedAt: Date.now() }));
      const suspend = (i: number) => ({ certificationId: certs[i].id, ...pairs[i], action: 'suspend' as const, fromStatus: 'active' as const, toStatus: 'suspended' as const, effectiveOn: '2026-11-01', reason: 'test', actorId: null, at: Date.now() });
      const keys = pairs.map((p) => pairKey(p.labId, p.analyteId));
      await certificationsOfPairs(reader.db, keys); // the reader's index holds both pairs

      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((r) => (inserted = r));
      const first = withTx(c1.db, async (tx) => {
        await insertCertificationEvent(tx, suspend(0));
        inserted();
        await gate; // commits last
      });
      await firstInserted;
      const second = withTx(c2.db, async (tx) => void (await insertCertificationEvent(tx, suspend(1))));
      await Promise.race([second, sleep(300)]); // unordered, the second would commit here with the higher id
      await certificationsOfPairs(reader.db, keys); // the index takes its stamp meanwhile
      release();
      await Promise.all([first, second]);
      const idx = await certificationsOfPairs(reader.db, keys);
      expect(keys.map((k) => idx.get(k)!.certs[0].events.map((e) => e.toStatus))).toEqual([['suspended'], ['suspended']]);
    } finally {
      await Promise.all([c1, c2, reader].map((c) => c.close()));
    }
  });
});

describe.skipIf(testBackend === 'pg')('stopping the production server on SQLite', () => {
  let w: Awaited<ReturnType<typeof createSeededTestDb>>;
  let s: ProdServer | undefined;
  beforeAll(async () => {
    ensureOpsBuild();
    w = await createSeededTestDb();
  }, 900_000);
  afterEach(async () => void (await s?.stop('SIGKILL')));
  afterAll(async () => await w?.close());

  it('SIGTERM: the request in flight answered, new connections refused, the database closed checkpointed (WAL emptied, intact), exit 0', async () => {
    s = await startProdServer(w.file, { LABQC_SHUTDOWN_GRACE_MS: '5000' });
    // something in the WAL for the stop to checkpoint
    await insertAudit(w.db, { action: 'test.before-stop' });
    const wal = `${w.file}-wal`;
    expect(fs.statSync(wal).size).toBeGreaterThan(0);
    const ms = await stopWithRequestInFlight(s);
    console.log(`[app-instances] SQLite SIGTERM with a request in flight: exited 0 after ${ms} ms`);
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
    const check = new Database(w.file, { readonly: true });
    try {
      expect(check.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(check.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'test.before-stop'`).get()).toEqual({ n: 1 });
    } finally {
      check.close();
    }
    expect(fs.existsSync(serverPidFile(w.file))).toBe(false);
  }, 300_000);

  it('a second signal exits at once', async () => {
    s = await startProdServer(w.file, { LABQC_SHUTDOWN_GRACE_MS: '20000' });
    const pending = await requestInFlight(s.port); // holds the stop for its grace
    const exited = new Promise<void>((resolve) => s!.proc.once('exit', () => resolve()));
    process.kill(s.proc.pid!, 'SIGTERM');
    await sleep(300);
    const t0 = Date.now();
    process.kill(s.proc.pid!, 'SIGTERM');
    await exited;
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(s.proc.exitCode).toBe(1);
    expect(s.log()).toContain('again: exiting now');
    void pending.finish();
  }, 300_000);
});
