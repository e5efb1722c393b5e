// The production server's job workers outside the server, for integration tests: lib/server compiled
// to JavaScript (lib/server/build.mjs --server-only, a second or two) into a temporary folder, and a
// JobPool whose workers open DATABASE_PATH, the test's database.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobPool } from '@/lib/server/pool';
import { installJobRunner, runJob, type JobInput, type JobName, type JobOutput } from '@/lib/jobs';
import type { Actor } from '@/lib/auth/core';

let compiled: string | undefined;

/** Compile lib/server once per test file; returns the worker's file. */
export function compiledWorker(): URL {
  if (!compiled) {
    // inside the project (gitignored .next-*), so the compiled worker finds node_modules
    const dist = fs.mkdtempSync(path.join(process.cwd(), '.next-jobs-'));
    const r = spawnSync('node', ['lib/server/build.mjs', '--server-only'], { env: { ...process.env, NEXT_DIST_DIR: dist }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`compiling lib/server failed:\n${r.stdout}\n${r.stderr}`);
    compiled = path.join(dist, 'labqc-server', 'worker.mjs');
  }
  return pathToFileURL(compiled);
}

/** A pool of `size` workers on `databasePath`. */
export function startJobPool(databasePath: string, size = 2): JobPool {
  // the workers copy the environment when they start; a PostgreSQL test database is a URL
  const key = /^postgres(ql)?:\/\//.test(databasePath) ? 'DATABASE_URL' : 'DATABASE_PATH';
  const before = process.env[key];
  process.env[key] = databasePath;
  try {
    return new JobPool(compiledWorker(), size);
  } finally {
    if (before === undefined) delete process.env[key];
    else process.env[key] = before;
  }
}

/** Stop the pool's workers and remove the compiled files. */
export async function stopJobPool(pool: JobPool | undefined): Promise<void> {
  await pool?.close();
  if (compiled) fs.rmSync(path.dirname(path.dirname(compiled)), { recursive: true, force: true });
  compiled = undefined;
}

/** runJob with `pool` installed, as a route handler in the production server calls it: the answer,
 * or the refusal rebuilt as this bundle's AppError. */
export async function runOnPool<N extends JobName>(pool: JobPool, name: N, actor: Actor, input: JobInput<N>): Promise<JobOutput<N>> {
  installJobRunner(pool);
  try {
    return await runJob(name, actor, input);
  } finally {
    installJobRunner(null);
  }
}
