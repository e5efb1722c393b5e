// The certifications of lab × analyte pairs, with their status events, kept in memory for batch
// verification (verify-batch.ts). A pair is read from SQLite the first time a batch asks about it
// (in bulk: one statement for the certifications, one for their events, whatever the number of
// pairs) and answered from memory afterwards. Invalidation needs no hook in the decision code:
// certification events are append-only and every change of a certification writes one (approve,
// suspend, reinstate, revoke, expire, flag), so each batch first reads the newest event and
// certification ids (one indexed statement) and, when they moved, drops the pairs the new rows touch.
// What an answer depends on (mark, scope, certificate number, validity, events) never changes in
// place, so a dropped pair is simply read again. A pair asked about and found without a
// certification is kept too (an empty list), and dropped when its first approval arrives.
// The index is kept per handle client (the better-sqlite3 connection or the pg pool).
import type { DB } from '@/db/client';
import { pairKey, publicCertificationStamp, publicCertificationsEvents, publicPairsCertifications, publicPairsChangedSince, type PublicPairCertification, type PublicStatusEvent } from '@/db/queries/public';

export interface IndexedCertification extends PublicPairCertification {
  /** status-setting events, latest first (effective day, then id) */
  events: PublicStatusEvent[];
  /** its part of a batch answer's JSON (UTF-8), written once when first needed (verify-batch.ts) */
  json?: Uint8Array;
}

/** A pair's certifications, and the same as numbers for the batch's day lookups (one flat array read
 * per check instead of an object per certification and event): `plan` holds
 * [count, dayOrder of the earliest validFrom, of the latest validTo, then per certification (the
 * order of `certs`): dayOrder of validFrom, of validTo, its number of events, then per event (latest
 * first): dayOrder of its effective day, its status's code (statusName)]. */
export interface PairCertifications {
  certs: IndexedCertification[];
  plan: number[];
}

const statusNames: string[] = [];
const statusCodes = new Map<string, number>();
/** A small number per status text (the same for the whole process). */
export function statusCode(status: string): number {
  let c = statusCodes.get(status);
  if (c === undefined) {
    c = statusNames.push(status) - 1;
    statusCodes.set(status, c);
  }
  return c;
}
/** The status text of a statusCode. */
export const statusName = (code: number): string => statusNames[code];
export const ACTIVE = statusCode('active');

function planOf(certs: readonly IndexedCertification[]): number[] {
  let first = Infinity;
  let last = -Infinity;
  const plan = [certs.length, 0, 0];
  for (const c of certs) {
    const from = dayOrder(c.validFrom);
    const to = dayOrder(c.validTo);
    first = Math.min(first, from);
    last = Math.max(last, to);
    plan.push(from, to, c.events.length);
    for (const e of c.events) plan.push(dayOrder(e.effectiveOn), statusCode(e.toStatus));
  }
  plan[1] = first;
  plan[2] = last;
  return plan;
}

/** A number that orders 'YYYY-MM-DD' days as their text does (year × 512 + month × 32 + day). */
export function dayOrder(d: string): number {
  const y = (d.charCodeAt(0) - 48) * 1000 + (d.charCodeAt(1) - 48) * 100 + (d.charCodeAt(2) - 48) * 10 + (d.charCodeAt(3) - 48);
  return y * 512 + ((d.charCodeAt(5) - 48) * 10 + (d.charCodeAt(6) - 48)) * 32 + (d.charCodeAt(8) - 48) * 10 + (d.charCodeAt(9) - 48);
}

/** Above this many pairs the index starts again (about 100 MB at national scale). */
export const MAX_INDEXED_PAIRS = 400_000;

interface PairIndex {
  stamp: { lastEvent: number; lastCert: number };
  pairs: Map<number, PairCertifications>;
}
const indexes = new WeakMap<object, PairIndex>();

const latestFirst = <T extends { id: number }>(day: (x: T) => string) => (a: T, b: T) => {
  const da = day(a);
  const db = day(b);
  return da < db ? 1 : da > db ? -1 : b.id - a.id;
};
const byValidFrom = latestFirst<PublicPairCertification>((c) => c.validFrom);
const byEffectiveOn = latestFirst<PublicStatusEvent>((e) => e.effectiveOn);

/** The certifications (latest valid-from first, each with its events) of each pair asked about: a map
 * holding every one of them (the index itself, valid until the next call). */
export async function certificationsOfPairs(db: DB, keys: Iterable<number>): Promise<ReadonlyMap<number, PairCertifications>> {
  let idx = indexes.get(db.$client);
  const stamp = await publicCertificationStamp(db);
  if (!idx || stamp.lastEvent < idx.stamp.lastEvent || stamp.lastCert < idx.stamp.lastCert) {
    // first use, or the database went back (a restore): start afresh
    idx = { stamp, pairs: new Map() };
    indexes.set(db.$client, idx);
  } else if (stamp.lastEvent !== idx.stamp.lastEvent || stamp.lastCert !== idx.stamp.lastCert) {
    for (const p of await publicPairsChangedSince(db, idx.stamp)) idx.pairs.delete(pairKey(p.labId, p.analyteId));
    idx.stamp = stamp;
  }
  // the index itself answers (no map of this batch's pairs to build): what is missing is read first
  let missing: number[] = [];
  for (const k of keys) if (!idx.pairs.has(k)) missing.push(k);
  if (!missing.length) return idx.pairs;
  if (idx.pairs.size + missing.length > MAX_INDEXED_PAIRS) {
    // start again with this batch's pairs only
    idx.pairs.clear();
    missing = [...new Set(keys)];
  }
  const certs: IndexedCertification[] = (await publicPairsCertifications(db, missing)).map((c) => ({ ...c, events: [] }));
  const byId = new Map(certs.map((c) => [c.id, c]));
  for (const e of await publicCertificationsEvents(db, certs.map((c) => c.id))) byId.get(e.certificationId)?.events.push(e);
  const lists = new Map<number, IndexedCertification[]>();
  for (const k of missing) lists.set(k, []);
  for (const c of certs) {
    c.events.sort(byEffectiveOn);
    lists.get(pairKey(c.labId, c.analyteId))!.push(c);
  }
  for (const [k, list] of lists) {
    list.sort(byValidFrom);
    idx.pairs.set(k, { certs: list, plan: planOf(list) });
  }
  return idx.pairs;
}

/** Forget every indexed pair (tests). */
export async function resetPairIndex(db: DB): Promise<void> {
  indexes.delete(db.$client);
}
