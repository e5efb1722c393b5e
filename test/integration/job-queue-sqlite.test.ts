// Issue 14: on SQLite (no DATABASE_URL) the job queue of lib/jobs/queue.ts is today's runner: a named
// job of lib/jobs.ts goes to startJob (the installed worker pool, else this thread), unchanged; a
// handler given to work() runs once in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeDb } from '@/db/client';
import { installJobRunner, type JobName } from '@/lib/jobs';
import { openJobQueue } from '@/lib/jobs/queue';
import type { Actor } from '@/lib/auth/core';

const system: Actor = { userId: 0, email: 'jobs@labqc.local', name: 'jobs', role: 'admin', labId: null, labCode: null, regionId: null, regionCode: null, regionPath: null, via: 'system' };
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-queue-'));
  process.env.DATABASE_PATH = path.join(dir, 'q.sqlite');
});
afterAll(async () => {
  await closeDb();
  delete process.env.DATABASE_PATH;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the job queue on SQLite', () => {
  it('is the in-process runner without DATABASE_URL', async () => {
    const queue = await openJobQueue({});
    expect(queue.backend).toBe('sqlite');
    await queue.stop();
  });

  it('sends a named job to the installed runner, as startJob does', async () => {
    const queue = await openJobQueue({});
    const seen: { name: JobName; input: unknown }[] = [];
    installJobRunner({ run: async (name, _actor, input) => (seen.push({ name, input }), { ok: true, value: null }) });
    try {
      const id = await queue.send('recognition.recompute', system, { regionCode: '440000' });
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await new Promise((r) => setImmediate(r));
      expect(seen).toEqual([{ name: 'recognition.recompute', input: { regionCode: '440000' } }]);
    } finally {
      installJobRunner(null);
      await queue.stop();
    }
  });

  it('runs a handler given to work() once, after the caller goes on; refuses unknown jobs', async () => {
    const queue = await openJobQueue({});
    const calls: unknown[] = [];
    await queue.work({ 'test.note': (_db, _actor, input: { n: number }, job) => calls.push([input.n, job.attempt]) });
    await queue.send('test.note', system, { n: 3 });
    expect(calls).toEqual([]);
    await queue.stop(); // waits for the running one
    expect(calls).toEqual([[3, 0]]);
    await expect(queue.send('test.note', system, {})).rejects.toThrow(/stopped/);
    const other = await openJobQueue({});
    await expect(other.send('no.such', system, {})).rejects.toThrow(/unknown job/);
  });
});
