// The production server: Next.js behind a plain node:http server whose first stop is the public
// verification API. Hospitals' systems may call /api/v1/verify for every result they receive (or
// POST batches of 10,000), so it is answered straight from the database (lib/public-api.ts, via
// lib/server/public-fast.ts) without the framework's per-request work; everything else, including the same paths' route handlers in development, goes
// to Next unchanged. Heavy work (imports, evaluations, eligibility runs) goes to a pool of worker
// threads (lib/server/pool.ts) that route handlers and actions reach through lib/jobs.ts. Compiled to
// JavaScript at build time (lib/server/build.mjs); `npm start` runs the compiled file with node.
//
// Stop (SIGTERM, SIGINT: a rolling deploy, Kubernetes before its SIGKILL): at once no new connection
// and no new queued job; requests in flight, jobs in the worker pool and the queued job running here
// get LABQC_SHUTDOWN_GRACE_MS (default 10 s, under pg-boss's 30 s expiry and Kubernetes' 30 s grace)
// to end. A queued job still running then is aborted and handed back to the queue for another
// instance at once (lib/jobs/pg-boss.ts stop); connections still open are closed. Then the webhook
// thread, the worker pool and the database (SQLite: checkpointed, the WAL emptied) close, and the
// process exits 0. A second signal exits at once.
import fs from 'node:fs';
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import next from 'next';
import { publicFastPath } from '@/lib/server/public-fast';
import { authSecret } from '@/lib/auth/secret';
import { applyServerLimits, CONNECTIONS_CHECK_INTERVAL_MS, lingerAfterEarlyAnswer, refuseForeignAction, refuseMalformed, refuseUnboundedBody } from '@/lib/server/limits';
import { closeDb, databasePath, getDb } from '@/db/client';
import { isPostgresUrl } from '@/db/pg/url';
import { runMigrations } from '@/db/migrate';
import { rawAll } from '@/db/dialect';
import { sql } from 'drizzle-orm';
import { installJobRunner, startedJobsSettled } from '@/lib/jobs';
import { JobPool } from '@/lib/server/pool';
import { serveJobs } from '@/lib/jobs/serve';
import { startWebhookDispatcher } from '@/lib/server/webhooks';
import { superviseWorker } from '@/lib/server/supervised-worker';
import { startStorageUpkeep } from '@/lib/server/storage-upkeep';
import { within } from '@/lib/async';
import { claimDatabase } from '@/db/backup';
import { clientOf, dropUntrustedForwarding, parseTrustedProxies } from '@/lib/auth/client-address';
import { CLIENT_ADDRESS_HEADER, CLIENT_PROTO_HEADER, commonSecurityHeaders, servedOverHttps } from '@/lib/server/headers';
import { defaultContentSecurityPolicy } from '@/lib/server/default-policy';

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? '0.0.0.0';
process.env.AUTH_SECRET = authSecret();
process.env.AUTH_TRUST_HOST ??= 'true';
// next-auth builds its URLs from AUTH_URL when set: the configured public origin, never a Host header
if (process.env.PUBLIC_URL) process.env.AUTH_URL ??= process.env.PUBLIC_URL;
const trustedProxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);

/** Resolve the client once (TRUSTED_PROXIES decides whether X-Forwarded-* count), pass it to Next in
 * internal headers that no client can set, and put the common security headers on the response, with
 * a Content-Security-Policy when nothing else gives it one (static files, redirects). */
function stampClient(req: http.IncomingMessage, res: http.ServerResponse) {
  const client = clientOf(req.socket as { remoteAddress?: string; encrypted?: boolean }, req.headers, trustedProxies);
  dropUntrustedForwarding(req.socket, req.headers, trustedProxies);
  delete req.headers[CLIENT_ADDRESS_HEADER];
  delete req.headers[CLIENT_PROTO_HEADER];
  if (client.address) req.headers[CLIENT_ADDRESS_HEADER] = client.address;
  req.headers[CLIENT_PROTO_HEADER] = client.https ? 'https' : 'http';
  for (const [name, value] of Object.entries(commonSecurityHeaders(servedOverHttps(req.headers[CLIENT_PROTO_HEADER])))) res.setHeader(name, value);
  defaultContentSecurityPolicy(res);
}

/** LABQC_SHUTDOWN_GRACE_MS: how long a stop waits for requests and jobs in flight (default 10 s). */
const graceMs = Number.isFinite(Number(process.env.LABQC_SHUTDOWN_GRACE_MS)) && process.env.LABQC_SHUTDOWN_GRACE_MS ? Math.max(0, Number(process.env.LABQC_SHUTDOWN_GRACE_MS)) : 10_000;
let stopping = false;
/** responses not yet sent: a stop makes them close their connection */
const inFlight = new Set<http.ServerResponse>();

const app = next({ dev: false, dir: process.cwd(), port, hostname: 'localhost' });
const handle = app.getRequestHandler();

// DATABASE_URL=postgres://… : the app on PostgreSQL (several instances may share it); else the SQLite file
const onPostgres = isPostgresUrl(process.env.DATABASE_URL);
// newer migrations first (a restored or older database; on PostgreSQL one instance migrates under an
// advisory lock while the others wait), then the job workers on the same database
await runMigrations(getDb());
const workerFile = new URL('./worker.mjs', import.meta.url);
const pool = fs.existsSync(workerFile) ? new JobPool(workerFile) : null;
if (pool) installJobRunner(pool);
else console.warn('[labqc] no compiled job worker next to the server (run `npm run build`): heavy jobs run on the request thread');
// PostgreSQL: evaluations, publications and eligibility runs through the job queue in the database (any instance runs them once)
const stopJobs = await serveJobs();
// what the migrations made sure of at start (the coming months' partitions), again every few hours
const stopUpkeep = startStorageUpkeep(getDb());

await app.prepare();
const server = http.createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS }, async (req, res) => {
  stampClient(req, res);
  // while stopping, each answer closes its connection (Connection: close)
  if (stopping) res.shouldKeepAlive = false;
  else {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  }
  if (refuseMalformed(req, res) || refuseUnboundedBody(req, res) || refuseForeignAction(req, res)) return;
  lingerAfterEarlyAnswer(req, res);
  if (!await publicFastPath(req, res)) void handle(req, res);
});
applyServerLimits(server);
// `npm run db:restore` refuses while this server runs (a SQLite file only: PostgreSQL has its own tools)
if (!onPostgres) claimDatabase(databasePath());
// hospitals' webhooks and the expiry check in a worker thread of their own (lib/server/webhooks.ts),
// started again if it ever ends unasked
const webhookFile = new URL('./webhook-worker.mjs', import.meta.url);
const webhookWorker = fs.existsSync(webhookFile) ? superviseWorker(() => new Worker(webhookFile), { name: 'webhook' }) : null;
const stopWebhooks = webhookWorker ? null : startWebhookDispatcher(getDb());
server.listen(port, hostname, () => console.log(`[labqc] ready on http://localhost:${port}${pool ? ` (${pool.size} job workers)` : ''}`));


async function stop(signal: string): Promise<void> {
  const deadline = Date.now() + graceMs;
  console.log(`[labqc] ${signal}: stopping (grace ${graceMs} ms)`);
  // no new connection from now (the listening socket closes; idle kept-alive ones too, and each
  // connection as its last request is answered)
  const requests = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  // the webhook thread ends its round under way within the grace, else it is terminated
  const webhooks = webhookWorker ? webhookWorker.stop('stop', deadline - Date.now()) : (stopWebhooks?.() ?? Promise.resolve());
  await Promise.all([
    // the queued job running here: ended within the grace, else aborted (its worker terminated) and handed back
    stopJobs?.({ graceMs, abort: async () => await pool?.close() }),
    within(requests, deadline - Date.now()).then((done) => void (done || server.closeAllConnections())),
    pool ? within(pool.idle(), deadline - Date.now()) : null,
    within(webhooks, deadline - Date.now() + 1_000),
    within(stopUpkeep(), deadline - Date.now()),
  ]);
  clearInterval(idle);
  // what the last requests started in the background (a token use's audit) ends before the pool and the database close
  await within(startedJobsSettled(), deadline - Date.now());
  await pool?.close();
  if (!onPostgres) await rawAll(getDb(), sql`PRAGMA wal_checkpoint(TRUNCATE)`).catch((e: unknown) => console.error('[labqc] checkpoint failed:', (e as Error)?.message ?? e));
  await within(closeDb(), 2_000);
  console.log('[labqc] stopped');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      console.log(`[labqc] ${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (e: unknown) => {
        console.error('[labqc] stopping failed:', e);
        process.exit(1);
      },
    );
  });
}
