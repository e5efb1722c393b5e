// The production server's fast path (lib/server/main.ts): the public API answered straight from
// lib/public-api.ts without the framework's per-request work. GETs of the public API (verify, labs,
// a lab's certifications) with their ETag, Cache-Control and 304; and anonymous batch verification
// (`POST /api/v1/verify` without an Authorization header or session cookie), rate-limited per client
// address as resolved by the server (TRUSTED_PROXIES), its body capped while it streams. Anything
// else — a batch with credentials included — goes to Next.
import type http from 'node:http';
import { batchRateLimited, carriesCredentials, MAX_BATCH_BODY_BYTES, publicApi, publicVerifyBatchBytes, renderPublic, type PublicAnswer } from '@/lib/public-api';
import { API_CSP, CLIENT_ADDRESS_HEADER, CLIENT_PROTO_HEADER } from './headers';
import { fhirBase, fhirRead, renderFhir, requestOrigin } from '@/lib/fhir/api';

function send(res: http.ServerResponse, r: { status: number; headers: Record<string, string>; body: string }, extra: Record<string, string> = {}) {
  res.writeHead(r.status, { ...r.headers, ...extra, 'content-length': Buffer.byteLength(r.body), 'content-security-policy': API_CSP });
  res.end(r.body);
}

function sendAnswer(res: http.ServerResponse, a: PublicAnswer & { bytes?: Buffer }, extra: Record<string, string> = {}) {
  // a batch's megabytes of JSON come as bytes already (or are encoded once: the length is the buffer's)
  const body = a.bytes ?? Buffer.from(JSON.stringify(a.body), 'utf8');
  res.writeHead(a.status, { 'content-type': 'application/json', 'cache-control': a.cache ?? 'no-store', ...extra, 'content-length': body.length, 'content-security-policy': API_CSP });
  res.end(body);
}

/** Answer the request here when it is a public GET or an anonymous batch; false: leave it to Next. */
export async function publicFastPath(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  if (req.method === 'GET' && req.url?.startsWith('/fhir/')) {
    // FHIR reads (lib/fhir/api.ts), with the same caching; absolute URLs from PUBLIC_URL or the Host
    const q = req.url.indexOf('?');
    const proto = req.headers[CLIENT_PROTO_HEADER];
    const origin = requestOrigin(typeof proto === 'string' ? proto : null, req.headers.host);
    const answer = await fhirRead(q < 0 ? req.url : req.url.slice(0, q), new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1)), { base: fhirBase(origin), accept: req.headers.accept });
    send(res, renderFhir(answer, req.headers['if-none-match']));
    return true;
  }
  if (!req.url?.startsWith('/api/v1/')) return false;
  const q = req.url.indexOf('?');
  const pathname = q < 0 ? req.url : req.url.slice(0, q);
  if (req.method === 'GET') {
    const answer = await publicApi(pathname, new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1)));
    if (!answer) return false;
    send(res, renderPublic(answer, req.headers['if-none-match']));
    return true;
  }
  if (req.method === 'POST' && (pathname === '/api/v1/verify' || pathname === '/api/v1/verify/') && !carriesCredentials(req.headers.authorization, req.headers.cookie)) {
    const address = req.headers[CLIENT_ADDRESS_HEADER];
    batchRateLimited(typeof address === 'string' ? address : null)
      .then((limited) => {
        if (!limited) return readCapped(req, MAX_BATCH_BODY_BYTES).then(async (bytes) => sendAnswer(res, bytes === null ? { status: 413, body: { error: `The body is larger than ${MAX_BATCH_BODY_BYTES / 1024 / 1024} MB`, code: 'body.tooLarge' } } : await publicVerifyBatchBytes(bytes)));
        req.resume();
        sendAnswer(res, limited.answer, { 'retry-after': String(limited.retryAfter) });
      })
      .catch(() => res.destroy());
    return true;
  }
  return false;
}

/** The body's bytes, or null as soon as they pass maxBytes (the rest is drained, see limits.ts). */
function readCapped(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > maxBytes) {
      req.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      total += c.length;
      if (total > maxBytes) {
        over = true;
        chunks.length = 0;
        return resolve(null);
      }
      chunks.push(c);
    });
    req.on('end', () => over || resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
