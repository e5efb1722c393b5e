// The production server: Next.js behind a plain node:http server whose first stop is the public
// verification API. Hospitals' systems may call /api/v1/verify for every result they receive (or
// POST batches of 10,000), so it is answered straight from the database (lib/public-api.ts, via
// lib/server/public-fast.ts) without the framework's per-request work; everything else, including the same paths' route handlers in development, goes
// to Next unchanged. Heavy work (imports, evaluations, eligibility runs) goes to a pool of worker
// threads (lib/server/pool.ts) that route handlers and actions reach through lib/jobs.ts. Compiled to
// JavaScript at build time (lib/server/build.mjs); `npm start` runs the compiled file with node.
import fs from 'node:fs';
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import next from 'next';
import { publicFastPath } from '@/lib/server/public-fast';
import { authSecret } from '@/lib/auth/secret';
import { applyServerLimits, CONNECTIONS_CHECK_INTERVAL_MS, lingerAfterEarlyAnswer, refuseMalformed, refuseUnboundedBody } from '@/lib/server/limits';
import { databasePath, getDb } from '@/db/client';
import { isPostgresUrl } from '@/db/pg/url';
import { runMigrations } from '@/db/migrate';
import { installJobRunner } from '@/lib/jobs';
import { JobPool } from '@/lib/server/pool';
import { serveJobs } from '@/lib/jobs/serve';
import { startWebhookDispatcher } from '@/lib/server/webhooks';
import { claimDatabase } from '@/db/backup';
import { clientOf, parseTrustedProxies } from '@/lib/auth/client-address';
import { CLIENT_ADDRESS_HEADER, CLIENT_PROTO_HEADER, commonSecurityHeaders, servedOverHttps } from '@/lib/server/headers';

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? '0.0.0.0';
process.env.AUTH_SECRET = authSecret();
process.env.AUTH_TRUST_HOST ??= 'true';
// next-auth builds its URLs from AUTH_URL when set: the configured public origin, never a Host header
if (process.env.PUBLIC_URL) process.env.AUTH_URL ??= process.env.PUBLIC_URL;
const trustedProxies = parseTrustedProxies(process.env.TRUSTED_PROXIES);

/** Resolve the client once (TRUSTED_PROXIES decides whether X-Forwarded-* count), pass it to Next in
 * internal headers that no client can set, and put the common security headers on the response. */
function stampClient(req: http.IncomingMessage, res: http.ServerResponse) {
  const client = clientOf(req.socket as { remoteAddress?: string; encrypted?: boolean }, req.headers, trustedProxies);
  delete req.headers[CLIENT_ADDRESS_HEADER];
  delete req.headers[CLIENT_PROTO_HEADER];
  if (client.address) req.headers[CLIENT_ADDRESS_HEADER] = client.address;
  req.headers[CLIENT_PROTO_HEADER] = client.https ? 'https' : 'http';
  for (const [name, value] of Object.entries(commonSecurityHeaders(servedOverHttps(req.headers[CLIENT_PROTO_HEADER])))) res.setHeader(name, value);
}

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
await serveJobs();

await app.prepare();
const server = http.createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS }, async (req, res) => {
  stampClient(req, res);
  if (refuseMalformed(req, res) || refuseUnboundedBody(req, res)) return;
  lingerAfterEarlyAnswer(req, res);
  if (!await publicFastPath(req, res)) void handle(req, res);
});
applyServerLimits(server);
// `npm run db:restore` refuses while this server runs (a SQLite file only: PostgreSQL has its own tools)
if (!onPostgres) claimDatabase(databasePath());
// hospitals' webhooks and the expiry check in a worker thread of their own (lib/server/webhooks.ts)
const webhookFile = new URL('./webhook-worker.mjs', import.meta.url);
if (fs.existsSync(webhookFile)) new Worker(webhookFile).on('error', (e) => console.error('[labqc] webhook worker failed:', e.message)).unref();
else startWebhookDispatcher(getDb());
server.listen(port, hostname, () => console.log(`[labqc] ready on http://localhost:${port}${pool ? ` (${pool.size} job workers)` : ''}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
