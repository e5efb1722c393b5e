// Limits of the production server (lib/server/main.ts): how long a client may take to send its
// headers and its whole request, how long an idle keep-alive connection stays open, how many
// connections are served at once, and the refusal of request targets that cannot be decoded.
import type http from 'node:http';
import { API_CSP } from './headers';
import { FHIR_JSON } from '@/lib/fhir/constants';
import { issueTypeOf, operationOutcome } from '@/lib/fhir/resources';

/** How often the server looks for requests past their timeouts (Node's default, 30 s, would let a
 * slow client hold a connection up to 30 s beyond headersTimeout). */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1_000;

const envMs = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

export interface ServerLimits {
  /** the request's headers must arrive within this (slow-header clients are cut off: 408) */
  headersTimeout: number;
  /** the whole request, body included, must arrive within this (a 20 MB upload at 2 Mbit/s fits) */
  requestTimeout: number;
  /** an idle keep-alive connection is closed after this (longer than common proxies' 60 s) */
  keepAliveTimeout: number;
  /** connections beyond this are closed on arrival */
  maxConnections: number;
}

/** From SERVER_HEADERS_TIMEOUT_MS, SERVER_REQUEST_TIMEOUT_MS, SERVER_KEEP_ALIVE_TIMEOUT_MS, MAX_CONNECTIONS. */
export function serverLimits(): ServerLimits {
  const requestTimeout = envMs('SERVER_REQUEST_TIMEOUT_MS', 120_000);
  return {
    headersTimeout: Math.min(envMs('SERVER_HEADERS_TIMEOUT_MS', 20_000), requestTimeout),
    requestTimeout,
    keepAliveTimeout: envMs('SERVER_KEEP_ALIVE_TIMEOUT_MS', 65_000),
    maxConnections: Math.floor(envMs('MAX_CONNECTIONS', 1_000)),
  };
}

export function applyServerLimits(server: http.Server, limits = serverLimits()): ServerLimits {
  server.headersTimeout = limits.headersTimeout;
  server.requestTimeout = limits.requestTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  server.maxConnections = limits.maxConnections;
  return limits;
}

/** Whether the request target's path is not valid percent-encoding (e.g. `/verify/labs/%`), names
 * a NUL character (`%00`, in the path or the query: no code, name or date holds one, and PostgreSQL
 * cannot store or compare text with one), or holds a dot segment (`/api/v1/../auth/…`, also as
 * `%2e%2e`): Next resolves those before it routes, so the path this server judged (a body's limit,
 * the fast path) would not be the route that answers; no link of the app holds one. */
export function malformedTarget(url: string | undefined): boolean {
  if (!url) return true;
  if (url.includes('%00')) return true;
  const q = url.indexOf('?');
  let path: string;
  try {
    path = decodeURIComponent(q < 0 ? url : url.slice(0, q));
  } catch {
    return true;
  }
  return path.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

/** Answer 400 to a target that cannot be decoded, before any routing (no stack trace, no 500). */
export function refuseMalformed(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!malformedTarget(req.url)) return false;
  const { type, body } = refusalAnswer(req.url, 400, { error: 'Malformed URL', code: 'request.malformedUrl' });
  res.writeHead(400, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'content-security-policy': API_CSP });
  res.end(body);
  return true;
}

/** A refusal before Next in the shape of its path: under /fhir an OperationOutcome, as every FHIR
 * refusal is; elsewhere the API's `{ error, code }`. */
function refusalAnswer(url: string | undefined, status: number, refusal: { error: string; code: string }): { type: string; body: string } {
  const fhir = url === '/fhir' || url?.startsWith('/fhir/') || url?.startsWith('/fhir?');
  return fhir
    ? { type: FHIR_JSON, body: JSON.stringify(operationOutcome([{ code: issueTypeOf(status), message: refusal.error, reason: refusal.code }])) }
    : { type: 'application/json', body: JSON.stringify(refusal) };
}

/**
 * A server action (a POST carrying Next-Action) whose Origin is not the host it was sent to (or is
 * `null`): 403 before Next, which refuses exactly these too (its CSRF check compares the Origin's
 * host with X-Forwarded-Host, which the server keeps only from a trusted proxy, else Host) but as a
 * 500 with a stack trace in the log. Without an Origin the request goes on to Next, which lets it
 * through as it does (browsers send one; the action still needs its session).
 */
export function refuseForeignAction(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (req.method !== 'POST' || req.headers['next-action'] === undefined) return false;
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return false;
  const forwarded = req.headers['x-forwarded-host'];
  const host = (typeof forwarded === 'string' && forwarded.split(',')[0].trim()) || req.headers.host;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // `null` and other unreadable origins: refused
  }
  if (originHost && originHost === host) return false;
  const body = JSON.stringify({ error: 'Requests to this application must come from its own pages', code: 'auth.crossOrigin' });
  res.shouldKeepAlive = true;
  res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'content-security-policy': API_CSP });
  res.end(body);
  req.resume();
  closeUnlessComplete(req, LINGER_MS);
  return true;
}

/** The paths whose handlers read a body of no declared length as it streams, up to their own cap. */
const STREAMED_BODIES = /^\/(api\/v1|fhir)\//;

/** How long a connection stays open after an answer sent before its request body had arrived. */
export const LINGER_MS = 2_000;

/** Above every route's own cap (server actions accept 25 MB, the API 20 MB): refused unread. */
export const MAX_REQUEST_BODY_BYTES = 26 * 1024 * 1024;

/**
 * Bodies the framework would read whole (sign-in forms, server actions) are bounded before Next sees
 * them: a declared Content-Length over MAX_REQUEST_BODY_BYTES answers 413, and a body without a
 * length (chunked) answers 411 except on /api/v1 and /fhir, whose handlers cap bodies while they
 * stream (lib/body.ts; FHIR clients and integration engines stream their requests). Browsers always
 * send a length with form posts and server actions. Under /fhir the refusal is an OperationOutcome,
 * as every FHIR refusal is.
 */
export function refuseUnboundedBody(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const length = req.headers['content-length'];
  let status = 0;
  if (length !== undefined && Number(length) > MAX_REQUEST_BODY_BYTES) status = 413;
  else if (length === undefined && req.headers['transfer-encoding'] && !STREAMED_BODIES.test(req.url ?? '')) status = 411;
  if (!status) return false;
  const refusal = status === 413 ? { error: 'The body is too large', code: 'body.tooLargeUnread' } : { error: 'A Content-Length is required', code: 'body.lengthRequired' };
  const { type, body } = refusalAnswer(req.url, status, refusal);
  // the body is never stored: it is discarded as it arrives while the answer reaches the client,
  // then the connection is closed (see lingerAfterEarlyAnswer for why not at once)
  res.shouldKeepAlive = true;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'content-security-policy': API_CSP });
  res.end(body);
  req.resume();
  closeUnlessComplete(req, LINGER_MS);
  return true;
}

/**
 * Close `req`'s connection `ms` from now unless its body has arrived by then. The check waits for
 * the next poll of the sockets (setImmediate): when this process's own event loop was busy for
 * longer than `ms` (a large import, a garbage collection), the timer comes due before the bytes the
 * client sent meanwhile have been read, and closing then would drop a keep-alive connection whose
 * client did everything right; it reuses the socket for its next request and meets a closed one.
 */
function closeUnlessComplete(req: http.IncomingMessage, ms: number): void {
  const timer = setTimeout(() => setImmediate(() => req.complete || req.socket.destroy()), ms);
  req.socket.once('close', () => clearTimeout(timer));
}

/**
 * An answer sent before the request body has fully arrived (413 at the cap, 401, 403) must reach
 * the client. When the client asked for `Connection: close`, Node closes the socket right after the
 * answer, and closing a socket that still has unread incoming data makes the kernel reset the
 * connection, which can discard the answer before the client reads it (the client sees EPIPE or
 * ECONNRESET instead of 413). So such an answer keeps the connection open, the rest of the body is
 * drained meanwhile (lib/body.ts), and the connection is closed LINGER_MS later at the latest.
 */
export function lingerAfterEarlyAnswer(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (!req.headers['transfer-encoding'] && !(Number(req.headers['content-length']) > 0)) return;
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!req.complete) {
      res.shouldKeepAlive = true;
      res.once('finish', () => req.complete || closeUnlessComplete(req, LINGER_MS));
    }
    return writeHead.apply(this, args);
  } as typeof writeHead;
}
