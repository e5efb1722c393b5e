// The Next route handlers of /fhir (app/fhir/[...path]/route.ts): GETs through fhirRead (the
// production server answers them on its fast path, lib/server/public-fast.ts), and the
// `$verify-recognition` POST with the caller resolved as for POST /api/v1/verify (a signed-in hospital
// or regulator, or its API token holding `verify`, gets its local codes), rate-limited per client
// with the same budget, its body capped while it streams.
import { readBodyCapped } from '@/lib/body';
import { clientAddressOf } from '@/lib/auth/client-address';
import { batchRateLimited } from '@/lib/public-api';
import { batchCallerOptions } from '@/lib/public-batch';
import { AppError, englishText } from '@/lib/errors';
import { API_CSP } from '@/lib/server/headers';
import { FHIR_JSON } from './constants';
import { fhirBase, fhirRead, fhirRefusal, fhirVerify, MAX_FHIR_BODY_BYTES, negotiate, renderFhir, requestOrigin, type FhirAnswer } from './api';
import { CLIENT_PROTO_HEADER } from '@/lib/server/headers';
import { FhirError } from './verify-recognition';

export const VERIFY_PATH = /^\/fhir\/Observation\/\$verify-recognition\/?$/;

/** This server's FHIR base as the caller reached it (PUBLIC_URL, else the request's Host, as the
 * production server's fast path answers the reads; Next's own URL says localhost behind it). */
const baseOf = (req: Request, url: URL) => fhirBase(requestOrigin(req.headers.get(CLIENT_PROTO_HEADER), req.headers.get('host'), url.origin));

function respond(r: { status: number; headers: Record<string, string>; body: string }, extra: Record<string, string> = {}): Response {
  return new Response(r.body || null, { status: r.status, headers: { ...r.headers, ...extra, 'content-security-policy': API_CSP } });
}

function respondAnswer(a: FhirAnswer, extra: Record<string, string> = {}): Response {
  return respond({ status: a.status, headers: { 'content-type': `${FHIR_JSON}; charset=utf-8`, 'cache-control': 'no-store' }, body: JSON.stringify(a.body) }, extra);
}

export async function fhirGetRoute(req: Request): Promise<Response> {
  const url = new URL(req.url);
  return respond(renderFhir(await fhirRead(url.pathname, url.searchParams, { base: baseOf(req, url), accept: req.headers.get('accept') }), req.headers.get('if-none-match')));
}

/** PUT, PATCH and DELETE: an OperationOutcome with Allow, as every refusal under /fhir (Next's own
 * 405 has neither a body nor an Allow header). */
export async function fhirMethodNotAllowed(req: Request): Promise<Response> {
  const allow = allowOf(new URL(req.url).pathname);
  return respondAnswer(fhirRefusal(405, englishText('request.methodNotAllowed', { method: req.method, allow }), 'request.methodNotAllowed'), { allow });
}

/** OPTIONS: the same Allow (Next's own would list the refusing handlers too). */
export function fhirOptions(req: Request): Response {
  return new Response(null, { status: 204, headers: { allow: allowOf(new URL(req.url).pathname) } });
}

/** The methods a path under /fhir takes: POST for the verification, reads everywhere else. */
function allowOf(pathname: string): string {
  return VERIFY_PATH.test(pathname) ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS';
}

export async function fhirPostRoute(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (!VERIFY_PATH.test(url.pathname)) return respondAnswer(fhirRefusal(404, englishText('fhir.unknownInteraction', { method: 'POST', path: url.pathname, base: baseOf(req, url) }), 'fhir.unknownInteraction'));
  // before the rate limit and the body: a request for another format costs nothing
  try {
    negotiate(url.searchParams, req.headers.get('accept'), req.headers.get('content-type'));
  } catch (e) {
    if (e instanceof FhirError) return respondAnswer(fhirRefusal(e.status, e.message, e.reason));
    throw e;
  }
  const limited = await batchRateLimited(clientAddressOf(req.headers));
  if (limited) {
    const b = limited.answer.body as { error: string; code: string };
    return respondAnswer(fhirRefusal(429, b.error, b.code), { 'retry-after': String(limited.retryAfter) });
  }
  try {
    const options = await batchCallerOptions(req);
    if (options instanceof Response) {
      const b = (await options.json().catch(() => ({}))) as { error?: string; code?: string };
      return respondAnswer(fhirRefusal(options.status, b.error ?? 'Refused', b.code));
    }
    return respondAnswer(await fhirVerify(await readBodyCapped(req, MAX_FHIR_BODY_BYTES), url.searchParams, { ...options, base: baseOf(req, url) }));
  } catch (e) {
    if (e instanceof AppError) return respondAnswer(fhirRefusal(e.status, e.message, e.reason));
    console.error(e);
    return respondAnswer(fhirRefusal(500, 'Internal error'));
  }
}
