// The production server: Next.js behind a plain node:http server whose first stop is the public
// verification API. Hospitals' systems may call /api/v1/verify for every result they receive, so it
// is answered straight from prepared SQLite statements (lib/public-api.ts) without the framework's
// per-request work; everything else, including the same paths' route handlers in development, goes
// to Next unchanged.
import http from 'node:http';
import next from 'next';
import { publicApi } from '@/lib/public-api';
import { authSecret } from '@/lib/auth/secret';

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? '0.0.0.0';
process.env.AUTH_SECRET = authSecret();
process.env.AUTH_TRUST_HOST ??= 'true';

const app = next({ dev: false, dir: process.cwd(), port, hostname: 'localhost' });
const handle = app.getRequestHandler();

function fastPath(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method !== 'GET' || !req.url?.startsWith('/api/v1/')) return false;
  const q = req.url.indexOf('?');
  const pathname = q < 0 ? req.url : req.url.slice(0, q);
  const answer = publicApi(pathname, new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1)));
  if (!answer) return false;
  const json = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'cache-control': 'no-store' });
  res.end(json);
  return true;
}

await app.prepare();
const server = http.createServer((req, res) => {
  if (!fastPath(req, res)) void handle(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => console.log(`[labqc] ready on http://localhost:${port}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
