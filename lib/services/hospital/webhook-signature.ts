// How LabQC signs a webhook (documented in the README, "Webhooks"): the header
//   LabQC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${body}`)>
// where body is the exact bytes of the request body (UTF-8 JSON). A receiver recomputes v1 with its
// endpoint's secret, compares in constant time, and refuses a t too far from its clock (replays).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'LabQC-Signature';

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for a body sent at `nowMs`. */
export function signatureHeader(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

/** A receiver's check: the header's v1 matches and t is within `toleranceSec` of `nowMs`. */
export function verifySignature(secret: string, header: string | null | undefined, body: string, nowMs = Date.now(), toleranceSec = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowMs / 1000 - t) > toleranceSec) return false;
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
