// The webhook dispatcher's own worker thread in the production server (lib/server/main.ts starts it
// when compiled next to it): its own SQLite connection, so a wait for the write lock or a slow
// receiver never holds up the request thread or the job workers.
import { isMainThread } from 'node:worker_threads';
import { getDb } from '@/db/client';
import { startWebhookDispatcher } from '@/lib/server/webhooks';

if (isMainThread) throw new Error('lib/server/webhook-worker.ts runs as a worker thread of lib/server/main.ts');
// on PostgreSQL a small pool of this thread's own (DATABASE_WORKER_POOL_SIZE, default 2), not the request thread's 10
process.env.DATABASE_POOL_SIZE = process.env.DATABASE_WORKER_POOL_SIZE ?? '2';
startWebhookDispatcher(getDb(), { keepAlive: true });
