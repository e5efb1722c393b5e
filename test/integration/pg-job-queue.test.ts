// Issue 14, several app instances: background jobs go through pg-boss in the PostgreSQL database
// (lib/jobs/pg-boss.ts). Two instances (child processes, test/support/job-instance.ts) work one
// database: when the instance running a job is killed (SIGKILL) mid-job, the other picks the job up
// within seconds and finishes it; the job's row is written exactly once and the job ends completed.
// A job sent through an instance that does not work its queue is done by one that does; a job whose
// effect committed but whose completion was lost is not run again; a refusal is an answer (not
// retried) and a failure is retried with its work undone; a stop with a grace still answers a reply
// awaited in it. PostgreSQL only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { PgBossJobQueue, type PgQueueSettings } from '@/lib/jobs/pg-boss';
import type { JobInfo } from '@/lib/jobs/queue';
import { pruneJobRuns, type PgTx } from '@/lib/jobs/runs';
import { jobRuns } from '@/db/pg/schema';
import { AppError } from '@/lib/errors';
import type { Actor } from '@/lib/auth/core';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { startInstance, stopInstances, type Instance } from '@/test/support/job-child';

/** Fast enough for a test: a dead instance's job is back within expire (2 s) + maintenance (1 s). */
const SETTINGS = { LABQC_JOB_EXPIRE_SECONDS: '2', LABQC_JOB_HEARTBEAT_SECONDS: '0.4', LABQC_JOB_MAINTENANCE_SECONDS: '1', LABQC_JOB_POLL_SECONDS: '0.5', LABQC_JOB_RETRY_DELAY_SECONDS: '0', LABQC_JOB_RETRY_LIMIT: '3' };
const settings = (instance: string): PgQueueSettings => ({ instance, expireInSeconds: 2, heartbeatSeconds: 0.4, maintenanceIntervalSeconds: 1, pollingIntervalSeconds: 0.5, retryLimit: 3, retryDelaySeconds: 0, schema: 'pgboss' });
const system: Actor = { userId: 0, email: 'jobs@labqc.local', name: 'jobs', role: 'admin', labId: null, labCode: null, regionId: null, regionCode: null, regionPath: null, via: 'system' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!pgUrl)('PostgreSQL job queue: several app instances', () => {
  let t: PgTestDatabase;
  let db: PgDB;
  let sender: PgBossJobQueue;
  const children: Instance[] = [];

  const start = (name: string, env: Record<string, string> = {}): Instance => {
    const instance = startInstance('test/support/job-instance.ts', name, { ...SETTINGS, DATABASE_URL: t.url, ...env });
    children.push(instance);
    return instance;
  };

  /** The job once it has ended (completed or failed for good), or as it is after `timeoutMs`. */
  async function settled(name: string, id: string, timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await sender.job(name, id);
      if (job?.state === 'completed' || job?.state === 'failed' || Date.now() > until) return job;
      await sleep(100);
    }
  }

  const effects = async (id: string) => (await db.execute<{ instance: string }>(sql`SELECT instance FROM test_effects WHERE job_id = ${id}`)).rows.map((r) => r.instance);
  const runs = async (id: string) => (await db.execute<{ instance: string; finished: boolean }>(sql`SELECT instance, finished_at IS NOT NULL AS finished FROM job_runs WHERE job_id = ${id}`)).rows;

  beforeAll(async () => {
    t = await createPgTestDatabase('labqc_jobs');
    db = openPostgres(t.url, { max: 4 });
    // pool.end() resolves before its connections have closed: the DROP … WITH (FORCE) after it may end them first
    db.$client.on('error', () => {});
    await runPgMigrations(db);
    await db.execute(sql`CREATE TABLE test_effects (job_id text NOT NULL, instance text NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
    // sends jobs and reads their state; works no queue (pg-boss's schema is made here, before the instances start)
    sender = new PgBossJobQueue(t.url, db, settings('test'));
    await sender.start();
  });
  // each test's instances end with it: none may take the next test's jobs
  const stopChildren = () => stopInstances(children);
  afterEach(stopChildren);
  afterAll(async () => {
    stopChildren();
    await sender?.stop();
    await db?.$client.end();
    await t?.drop();
  });

  it('an instance killed mid-job: the other picks the job up within seconds and finishes it, one effect row, job completed', async () => {
    const t0 = Date.now();
    const a = start('A');
    const b = start('B');
    await Promise.all([a.line('ready', 120_000), b.line('ready', 120_000)]);
    const readyMs = Date.now() - t0;

    const id = await sender.send('test.effect', system, { ms: 2_500 });
    const sentAt = Date.now();
    const first = await Promise.race([a, b].map((i) => i.line(`started ${id}`).then(() => i)));
    const startedMs = Date.now() - sentAt;
    const other = first === a ? b : a;
    await sleep(800); // mid-job: its row is written in the open transaction, the run not finished
    first.child.kill('SIGKILL');
    const killedAt = Date.now();

    expect(await other.line(`started ${id} 1`)).toBe(`started ${id} 1`); // the retry, attempt 1
    const pickedUpMs = Date.now() - killedAt;
    await other.line(`ran ${id}`);
    const job = await settled('test.effect', id);
    const doneMs = Date.now() - killedAt;
    console.log(`[pg-job-queue] instances ready in ${readyMs} ms; job started by ${first.name} ${startedMs} ms after send, killed 800 ms later; picked up by ${other.name} ${pickedUpMs} ms after the kill, completed ${doneMs} ms after it`);

    expect(job?.state).toBe('completed');
    // one retry (the kill): the heartbeat kept the 2.5 s run past the 2 s expiry alive
    expect(job?.retryCount).toBe(1);
    expect(job?.output).toEqual({ ok: true, value: { by: other.name } });
    expect(await effects(id)).toEqual([other.name]);
    expect(await runs(id)).toEqual([{ instance: other.name, finished: true }]);
    expect(first.lines.some((l) => l.startsWith(`ran ${id}`))).toBe(false);
    expect(pickedUpMs).toBeLessThan(15_000);
  }, 240_000);

  it('a job sent through an instance that does not work its queue is done by one that does', async () => {
    const b = start('B2');
    await b.line('ready', 120_000);
    const a = start('A2', { JOB_WORK: 'none', JOB_SEND: '50' });
    const id = (await a.line('sent ', 120_000)).slice('sent '.length);
    await b.line(`ran ${id}`);
    const job = await settled('test.effect', id);
    expect(job?.state).toBe('completed');
    expect(await effects(id)).toEqual(['B2']);
    expect(a.lines.some((l) => l.startsWith('started'))).toBe(false);
  }, 240_000);

  it('a stop with a grace (SIGTERM) keeps the queue open for a reply awaited here (a request in flight) while another instance finishes the job', async () => {
    const waiter = new PgBossJobQueue(t.url, db, settings('W'));
    const worker = new PgBossJobQueue(t.url, db, settings('R'));
    await Promise.all([waiter.start(), worker.start()]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    try {
      await worker.work({ 'test.awaited': async () => (await gate, 'done') });
      const id = await waiter.send('test.awaited', system, {});
      const reply = waiter.reply('test.awaited', id);
      for (let i = 0; (await sender.job('test.awaited', id))?.state !== 'active'; i++) {
        if (i > 300) throw new Error('the job did not start');
        await sleep(50);
      }
      const stopped = waiter.stop({ graceMs: 10_000 });
      await sleep(500);
      release();
      expect(await reply).toEqual({ ok: true, value: 'done' });
      await stopped;
    } finally {
      release();
      await worker.stop();
    }
  });

  it('two instances creating the same new queues at once both work them (pg-boss deadlocks one creation: it is retried)', async () => {
    const other = new PgBossJobQueue(t.url, db, settings('D'));
    await other.start();
    try {
      const names = Array.from({ length: 8 }, (_, i) => `test.race${i}`);
      const ids = await Promise.all(names.map(async (name) => (await Promise.all([other.work({ [name]: async () => name }), sender.send(name, system, {})]))[1]));
      for (const [i, id] of ids.entries()) expect((await settled(names[i], id))?.output).toEqual({ ok: true, value: names[i] });
    } finally {
      await other.stop();
    }
  });

  it('queues worked together run one job at a time in an instance (the app\'s long runs share one worker); stop() ends a loop waiting for its turn', async () => {
    const worker = new PgBossJobQueue(t.url, db, settings('T'));
    await worker.start();
    let running = 0;
    let most = 0;
    const done: string[] = [];
    const slow = (name: string) => async () => {
      most = Math.max(most, ++running);
      await sleep(300);
      running--;
      done.push(name);
      return name;
    };
    try {
      await worker.work({ 'test.long1': slow('test.long1'), 'test.long2': slow('test.long2'), 'test.long3': slow('test.long3') }, { together: 1 });
      const ids = await Promise.all(['test.long1', 'test.long2', 'test.long3'].map((name) => sender.send(name, system, {})));
      for (const [i, id] of ids.entries()) expect((await settled(`test.long${i + 1}`, id))?.state).toBe('completed');
      expect(most).toBe(1);
      expect(done.sort()).toEqual(['test.long1', 'test.long2', 'test.long3']);
    } finally {
      await worker.stop();
    }
  });

  it('a job whose effect committed but whose completion was lost runs again without a second effect', async () => {
    const worker = new PgBossJobQueue(t.url, db, settings('C'));
    await worker.start();
    let calls = 0;
    try {
      await worker.work({
        'test.once': async (tx, _actor, input: { n: number }, job) => {
          calls++;
          await tx.execute(sql`INSERT INTO test_effects (job_id, instance) VALUES (${job.id}, ${job.instance})`);
          return { n: input.n };
        },
      });
      const id = await sender.send('test.once', system, { n: 7 });
      expect((await settled('test.once', id))?.output).toEqual({ ok: true, value: { n: 7 } });
      // as if the instance died between its commit and pg-boss's completion: the job is back in the queue
      await db.execute(sql`UPDATE pgboss.job SET state = 'retry', completed_on = NULL, output = NULL WHERE id = ${id}`);
      const again = await settled('test.once', id);
      expect(again?.state).toBe('completed');
      expect(again?.output).toEqual({ ok: true, value: { n: 7 } }); // the recorded reply
      expect(calls).toBe(1);
      expect(await effects(id)).toEqual(['C']);
    } finally {
      await worker.stop();
    }
  });

  it('a refusal is the job\'s answer, recorded once and not retried; a failure undoes its work and is retried', async () => {
    const worker = new PgBossJobQueue(t.url, db, settings('E'));
    await worker.start();
    const attempts: number[] = [];
    const effect = (tx: PgTx, job: JobInfo) => tx.execute(sql`INSERT INTO test_effects (job_id, instance) VALUES (${job.id}, ${job.instance})`);
    try {
      await worker.work({
        'test.refused': async (tx, _actor, _input, job) => {
          await effect(tx, job);
          throw new AppError('common.invalid');
        },
        'test.flaky': async (tx, _actor, _input, job) => {
          attempts.push(job.attempt);
          await effect(tx, job);
          if (job.attempt === 0) throw new Error('a transient failure');
          return 'done';
        },
      });
      const refused = await sender.send('test.refused', system, {});
      const flaky = await sender.send('test.flaky', system, {});

      const r = await settled('test.refused', refused);
      expect([r?.state, r?.retryCount]).toEqual(['completed', 0]);
      expect(r?.output).toMatchObject({ ok: false, error: { kind: 'app', reason: 'common.invalid' } });
      expect(await effects(refused)).toEqual([]); // its work undone, its answer recorded
      expect(await runs(refused)).toEqual([{ instance: 'E', finished: true }]);

      const f = await settled('test.flaky', flaky);
      expect([f?.state, f?.retryCount, f?.output]).toEqual(['completed', 1, { ok: true, value: 'done' }]);
      expect(attempts).toEqual([0, 1]);
      expect(await effects(flaky)).toEqual(['E']); // the failed run's row rolled back with it
    } finally {
      await worker.stop();
    }
  });

  it('finished runs are forgotten after pg-boss has dropped their jobs; unfinished ones stay', async () => {
    const day = 86_400_000;
    const now = Date.now();
    await db.insert(jobRuns).values([
      { jobId: 'old', name: 'test.prune', instance: 'P', startedAt: now - 9 * day, finishedAt: now - 9 * day },
      { jobId: 'recent', name: 'test.prune', instance: 'P', startedAt: now - day, finishedAt: now - day },
    ]);
    expect(await pruneJobRuns(db, now - 8 * day)).toBe(1);
    expect((await db.select({ id: jobRuns.jobId }).from(jobRuns).where(eq(jobRuns.name, 'test.prune'))).map((r) => r.id)).toEqual(['recent']);
  });
});
