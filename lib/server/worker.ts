// A job worker of the production server (started by lib/server/pool.ts): its own SQLite connection
// (db/client.ts getDb: DATABASE_PATH, WAL, foreign keys, busy_timeout), or its own PostgreSQL pool
// on DATABASE_URL, one job at a time.
import { parentPort } from 'node:worker_threads';
import { closeDb, getDb } from '@/db/client';
import { isPostgresUrl } from '@/db/pg/url';
import { workerApplicationName } from '@/lib/jobs/queue';
import { executeJob, isJobName, serializeError, transferablesOf, type JobName } from '@/lib/jobs';
import type { Actor } from '@/lib/auth/core';

if (!parentPort) throw new Error('lib/server/worker.ts runs as a worker thread of lib/server/pool.ts');
const port = parentPort;
// on PostgreSQL a small pool of this thread's own (DATABASE_WORKER_POOL_SIZE, default 2), not the request thread's 10
process.env.DATABASE_POOL_SIZE = process.env.DATABASE_WORKER_POOL_SIZE ?? '2';
// named, so that a stop aborting this thread's job ends its backends too (lib/jobs/queue.ts workerApplicationName)
if (isPostgresUrl(process.env.DATABASE_URL)) {
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set('application_name', workerApplicationName());
  process.env.DATABASE_URL = url.toString();
}
const db = getDb();

port.on('message', async (m: { id: number; name: JobName; actor: Actor; input: unknown } | { close: true }) => {
  // the pool closes (the server stops): this thread's connection closes cleanly, then the thread ends
  if ('close' in m) return void closeDb().finally(() => process.exit(0));
  try {
    if (!isJobName(m.name)) throw new Error(`unknown job ${String(m.name)}`);
    const value = await executeJob(db, m.name, m.actor, m.input as never);
    // an answer's bytes (the JSON of an import or a read) are handed over, not copied
    port.postMessage({ id: m.id, ok: true, value }, transferablesOf(value));
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, error: serializeError(e) });
  }
});
