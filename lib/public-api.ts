// The public (anonymous) JSON API in one framework-free function, so the Next route handlers and
// the production server's fast path (lib/server/main.ts) answer exactly the same. Certification data
// only; no session, cookie or token work.
//
// Caching (issue 13): every 200 of a public GET carries a strong ETag (a hash of the body) and
// Cache-Control; a request whose If-None-Match holds that ETag gets 304 with no body.
// - An answer that involves today (or a later day) — verify without asOf, a lab's certifications
//   today, lab search — may change at any moment (a decision takes effect today): SHORT_CACHE.
// - An answer only about past days (verify with date and asOf both before today, certifications on a
//   past day) does not change with decisions: they are never back-dated (issue 10: a decision takes
//   effect today at the earliest, so a suspension or revocation never reaches a past day) and an
//   expiry is dated after the certificate's last day. It can still change in three rare ways: a
//   regulator adds a policy version effective in the past (other recognition windows), a lab is
//   deactivated (404), or a catalogue item's LOINC code is corrected. So PAST_CACHE is an hour, not
//   "immutable". Errors are never cached.
//
// Every read here may be answered by a read replica (withReadDb; the rule is in db/replicas.ts); the
// batch rate limit and the caller's local codes stay on the primary.
import { createHash } from 'node:crypto';
import { getDb, withReadDb } from '@/db/client';
import { pingDatabase } from '@/db/queries/health';
import { healthOf } from '@/lib/services/health';
import { AppError, errorBody } from '@/lib/errors';
import { queryOnce } from '@/lib/validation/query';
import { parseJsonBody, utf8Text } from '@/lib/body';
import { verifyBatchLimiter } from '@/lib/server/rate-limit';
import { dayOf } from '@/lib/calendar';
import { labCertifications, searchLabs, verifyRecognition } from '@/lib/services/recognition/verification';
import { verifyBatch, verifyBatchBody, type BatchOptions } from '@/lib/services/recognition/verify-batch';
import { publicCatalogue } from '@/lib/services/read/catalogue';

export interface PublicAnswer {
  status: number;
  body: unknown;
  /** Cache-Control of a 200 (errors: no-store) */
  cache?: string;
}

export const SHORT_CACHE = 'public, max-age=60, stale-while-revalidate=300';
export const PAST_CACHE = 'public, max-age=3600, stale-while-revalidate=86400';
export const NO_STORE = 'no-store';

const CERTIFICATIONS_PATH = /^\/api\/v1\/labs\/([^/]+)\/certifications\/?$/;

/** The answer for a public API path, or null when the path is not part of the public API. */
export async function publicApi(pathname: string, params: URLSearchParams, opts: { now?: number } = {}): Promise<PublicAnswer | null> {
  const now = opts.now ?? Date.now();
  const today = dayOf(now);
  try {
    // readiness, on the primary (writes must work): never cached
    if (pathname === '/api/v1/health') return { ...(await healthOf(() => pingDatabase(getDb()))), cache: NO_STORE };
    if (pathname === '/api/v1/verify') {
      const a = await withReadDb((db) => verifyRecognition(db, queryOnce(params, ['lab', 'analyte', 'date', 'asOf']), { now }));
      return ok(a, a.date < today && a.asOf < today ? PAST_CACHE : SHORT_CACHE);
    }
    // the catalogue, [{ code, nameZh, nameEn, kind, unit?, categories?, loinc? }]: an administrator's
    // edit may change it at any moment, like a lab search
    if (pathname === '/api/v1/analytes') return ok(await withReadDb(publicCatalogue), SHORT_CACHE);
    if (pathname === '/api/v1/labs') {
      const { labs, more } = await withReadDb((db) => searchLabs(db, queryOnce(params, ['q', 'region'])));
      return ok({ labs: labs.map(({ code, name, regionCode, regionName, level }) => ({ code, name, regionCode, regionName, level })), more }, SHORT_CACHE);
    }
    const m = CERTIFICATIONS_PATH.exec(pathname);
    if (m) {
      const { date } = queryOnce(params, ['date']);
      const { day, certifications } = await withReadDb((db) => labCertifications(db, decodeURIComponent(m[1]), date, { now }));
      return ok(
        certifications.map((c) => ({
          analyteCode: c.analyteCode,
          analyteName: c.analyteName,
          mark: c.mark,
          scope: c.scope,
          status: c.status,
          validFrom: c.validFrom,
          validTo: c.validTo,
          certificateNo: c.certificateNo,
        })),
        day < today ? PAST_CACHE : SHORT_CACHE,
      );
    }
    return null;
  } catch (e) {
    return { ...errorBody(e), cache: NO_STORE };
  }
}

/** `POST /api/v1/verify`: the batch (lib/services/recognition/verify-batch.ts) from the body's text. */
export async function publicVerifyBatch(text: string, opts: BatchOptions = {}): Promise<PublicAnswer> {
  try {
    // not JSON: 422 { error, code } (no errors list), as this answer has always been
    const input = parseJsonBody(text, { refusal: () => new AppError('body.notJson') });
    return { status: 200, body: await withReadDb((db) => verifyBatch(db, input, opts)), cache: NO_STORE };
  } catch (e) {
    return { ...errorBody(e), cache: NO_STORE };
  }
}

/** publicVerifyBatch with the 200's body as its JSON's UTF-8 bytes already (verifyBatchBody: the
 * production server's fast path sends them as they are); refusals as objects, as publicVerifyBatch gives them.
 * `body`: the text, or the bytes as the fast path read them (422 `body.notUtf8` when they are not UTF-8). */
export async function publicVerifyBatchBytes(body: string | Uint8Array, opts: BatchOptions = {}): Promise<PublicAnswer & { bytes?: Buffer<ArrayBuffer> }> {
  try {
    const text = typeof body === 'string' ? body : utf8Text(body);
    // not JSON: 422 { error, code } (no errors list), as this answer has always been
    const input = parseJsonBody(text, { refusal: () => new AppError('body.notJson') });
    return { status: 200, body: undefined, bytes: await withReadDb((db) => verifyBatchBody(db, input, opts)), cache: NO_STORE };
  } catch (e) {
    return { ...errorBody(e), cache: NO_STORE };
  }
}

function ok(body: unknown, cache: string): PublicAnswer {
  return { status: 200, body, cache };
}

/** A strong ETag of a JSON body. */
export function etagOf(json: string): string {
  return `"${createHash('sha1').update(json).digest('base64url')}"`;
}

/** Whether an If-None-Match header matches the ETag (RFC 9110 §13.1.2: weak comparison). */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === bare;
  });
}

/** The HTTP response of an answer: status, headers (content type, caching, ETag) and body text,
 * or 304 with no body when the client's If-None-Match already holds this body's ETag. */
export function renderPublic(answer: PublicAnswer, ifNoneMatch: string | null | undefined): { status: number; headers: Record<string, string>; body: string } {
  const json = JSON.stringify(answer.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': answer.cache ?? NO_STORE };
  if (answer.status !== 200 || headers['cache-control'] === NO_STORE) return { status: answer.status, headers, body: json };
  const etag = etagOf(json);
  headers.etag = etag;
  if (etagMatches(ifNoneMatch, etag)) return { status: 304, headers: { 'cache-control': headers['cache-control'], etag }, body: '' };
  return { status: 200, headers, body: json };
}

/** The largest body of a batch: 10,000 checks at up to ~500 bytes each. */
export const MAX_BATCH_BODY_BYTES = 5 * 1024 * 1024;

/** Whether a request carries credentials (an Authorization header or an Auth.js session cookie):
 * only then is the caller resolved (for its local codes); otherwise the batch is anonymous. */
export function carriesCredentials(authorization: string | null | undefined, cookie: string | null | undefined): boolean {
  return !!authorization || /(?:^|;\s*)(?:__Secure-)?authjs\.session-token(?:\.\d+)?=/.test(cookie ?? '');
}

/** 429 when the client has sent its batches for this minute (lib/server/rate-limit.ts), else null. */
export async function batchRateLimited(address: string | null): Promise<{ answer: PublicAnswer; retryAfter: number } | null> {
  const retryAfter = await verifyBatchLimiter.take(address);
  if (retryAfter === null) return null;
  return { answer: { ...errorBody(new AppError('verify.rateLimited', { seconds: retryAfter })), cache: NO_STORE }, retryAfter };
}
