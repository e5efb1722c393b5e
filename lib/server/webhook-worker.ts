// The webhook dispatcher's own worker thread in the production server (lib/server/main.ts starts it
// when compiled next to it): its own SQLite connection, so a wait for the write lock or a slow
// receiver never holds up the request thread or the job workers. On the server's stop (the message
// 'stop') it finishes the round under way and closes its connection.
import { isMainThread, parentPort } from 'node:worker_threads';
import { closeDb, getDb } from '@/db/client';
import { startWebhookDispatcher } from '@/lib/server/webhooks';

if (isMainThread) throw new Error('lib/server/webhook-worker.ts runs as a worker thread of lib/server/main.ts');
// on PostgreSQL a small pool of this thread's own (DATABASE_WORKER_POOL_SIZE, default 2), not the request thread's 10
process.env.DATABASE_POOL_SIZE = process.env.DATABASE_WORKER_POOL_SIZE ?? '2';
const stop = startWebhookDispatcher(getDb(), { keepAlive: true });
// the server stops: the round under way ends, this thread's connection closes, then the thread ends
parentPort?.once('message', (m: unknown) => {
  if (m === 'stop') void stop().then(closeDb).finally(() => process.exit(0));
});
