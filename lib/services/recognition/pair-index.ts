// The certifications of lab × analyte pairs, with their status events, kept in memory for batch
// verification (verify-batch.ts) and, on PostgreSQL, for the single checks answered in rounds
// (verification.ts). A pair is read from the database the first time it is asked about (in bulk:
// PostgreSQL one statement for the certifications with their events, SQLite two, whatever the number
// of pairs) and answered from memory afterwards. Invalidation needs no hook in the decision code:
// certification events are append-only and every change of a certification writes one (approve,
// suspend, reinstate, revoke, expire, flag), so each batch or round first reads the newest event and
// certification ids (one indexed statement; a round reads them with the pairs changed since in its
// own statement) and, when they moved, drops the pairs the new rows touch. On PostgreSQL those ids
// follow commit order (appends take turns, db/pg/audit-chain.ts), so no change hides below the stamp.
// What an answer depends on (mark, scope, certificate number, validity, events) never changes in
// place, so a dropped pair is simply read again. A pair asked about and found without a
// certification is kept too (an empty list), and dropped when its first approval arrives.
// Several calls may use one index at once (PostgreSQL awaits its reads): stamp reads are numbered as
// they are sent, and the index only moves to a read sent later than the one it holds; pairs read
// while the index took in a change answer their own call but are not kept (a change to them may
// have been dropped before they arrived).
// The index is kept per handle client (the better-sqlite3 connection or the pg pool).
import type { DB } from '@/db/client';
import { pairKey, publicCertificationStamp, publicPairsCertificationsWithEvents, publicPairsChangedSince, type PublicPairCertification, type PublicStatusEvent } from '@/db/queries/public';

export interface IndexedCertification extends PublicPairCertification {
  /** status-setting events, latest first (effective day, then id) */
  events: PublicStatusEvent[];
  /** its part of a batch answer's JSON (UTF-8), written once when first needed (verify-batch.ts) */
  json?: Uint8Array;
}

/** A pair's certifications, and the same as numbers for the batch's day lookups (one flat array read
 * per check instead of an object per certification and event): `plan` holds
 * [count, dayOrder of the earliest validFrom, then per certification (the order of `certs`):
 * dayOrder of validFrom, of validTo, its number of events, then per event (latest first): dayOrder
 * of its effective day, its status's code (statusName)]. Whether a day is past a certificate's end
 * is decided per day (the certificates that started on or before it), so no pair-wide end is kept. */
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
  const plan = [certs.length, 0];
  for (const c of certs) {
    const from = dayOrder(c.validFrom);
    first = Math.min(first, from);
    plan.push(from, dayOrder(c.validTo), c.events.length);
    for (const e of c.events) plan.push(dayOrder(e.effectiveOn), statusCode(e.toStatus));
  }
  plan[1] = first;
  return plan;
}

/** A number that orders 'YYYY-MM-DD' days as their text does (year × 512 + month × 32 + day). */
export function dayOrder(d: string): number {
  const y = (d.charCodeAt(0) - 48) * 1000 + (d.charCodeAt(1) - 48) * 100 + (d.charCodeAt(2) - 48) * 10 + (d.charCodeAt(3) - 48);
  return y * 512 + ((d.charCodeAt(5) - 48) * 10 + (d.charCodeAt(6) - 48)) * 32 + (d.charCodeAt(8) - 48) * 10 + (d.charCodeAt(9) - 48);
}

/** Above this many pairs the index starts again (about 100 MB at national scale). */
export const MAX_INDEXED_PAIRS = 400_000;

type Stamp = { lastEvent: number; lastCert: number };

interface PairIndex {
  stamp: Stamp;
  /** the read that gave `stamp` (reads are numbered as they are sent: a higher number started later) */
  ticket: number;
  /** moves whenever pairs are dropped for changes: pairs read meanwhile are not kept (see below) */
  epoch: number;
  pairs: Map<number, PairCertifications>;
}
const indexes = new WeakMap<object, PairIndex>();
let tickets = 0;

const latestFirst = <T extends { id: number }>(day: (x: T) => string) => (a: T, b: T) => {
  const da = day(a);
  const db = day(b);
  return da < db ? 1 : da > db ? -1 : b.id - a.id;
};
const byValidFrom = latestFirst<PublicPairCertification>((c) => c.validFrom);
const byEffectiveOn = latestFirst<PublicStatusEvent>((e) => e.effectiveOn);

/** A read of the stamp about to be sent by a caller that reads it itself (lib/services/recognition/
 * verification.ts, with its other reads in one statement): its number, and the index's stamp since
 * which it should read the changed pairs (null: no index yet). */
export function beginStampRead(db: DB): { ticket: number; since: Stamp | null } {
  return { ticket: ++tickets, since: indexes.get(db.$client)?.stamp ?? null };
}

/** A stamp read after the request arrived, and the pairs changed since `since` up to it when known. */
export interface FreshStamp {
  ticket: number;
  stamp: Stamp;
  changed?: { since: Stamp; pairs: readonly number[] } | null;
}

const notAfter = (a: Stamp, b: Stamp) => a.lastEvent <= b.lastEvent && a.lastCert <= b.lastCert;

/** The index brought up to a stamp read after the caller's request arrived. Reads that were sent
 * earlier than the one the index holds leave it be (it is newer than they need); a later read with a
 * lower stamp means the database went back (a restore): the index starts afresh. */
async function refreshed(db: DB, fresh: FreshStamp): Promise<PairIndex> {
  const { ticket, stamp } = fresh;
  let idx = indexes.get(db.$client);
  if (!idx || (ticket > idx.ticket && !notAfter(idx.stamp, stamp))) {
    idx = { stamp, ticket, epoch: 0, pairs: new Map() };
    indexes.set(db.$client, idx);
    return idx;
  }
  if (ticket < idx.ticket || (stamp.lastEvent === idx.stamp.lastEvent && stamp.lastCert === idx.stamp.lastCert)) return idx;
  // the pairs the new rows touch are dropped (read again when next asked about); changes read
  // since an older stamp than the index's cover the index's too
  const changed = fresh.changed && notAfter(fresh.changed.since, idx.stamp) ? fresh.changed.pairs : (await publicPairsChangedSince(db, idx.stamp)).map((p) => pairKey(p.labId, p.analyteId));
  for (const k of changed) idx.pairs.delete(k);
  idx.epoch++;
  if (ticket > idx.ticket) {
    idx.stamp = stamp;
    idx.ticket = ticket;
  }
  return idx;
}

/** The certifications, latest valid-from first and each with its status events, of lab × analyte
 * pairs, read in bulk (PostgreSQL: one statement; SQLite: two). */
async function readPairs(db: DB, keys: readonly number[]): Promise<Map<number, PairCertifications>> {
  const certs: IndexedCertification[] = await publicPairsCertificationsWithEvents(db, keys);
  const lists = new Map<number, IndexedCertification[]>();
  for (const k of keys) lists.set(k, []);
  for (const c of certs) {
    c.events.sort(byEffectiveOn);
    lists.get(pairKey(c.labId, c.analyteId))!.push(c);
  }
  const out = new Map<number, PairCertifications>();
  for (const [k, list] of lists) {
    list.sort(byValidFrom);
    out.set(k, { certs: list, plan: planOf(list) });
  }
  return out;
}

/** The certifications (latest valid-from first, each with its events) of each pair asked about: a map
 * holding every one of them (the index itself when it had them all, valid until the next call: read
 * it before awaiting anything else). `keys` is iterated twice at most. `fresh`: the stamp the caller
 * read itself after its request arrived (else it is read here). */
export async function certificationsOfPairs(db: DB, keys: Iterable<number>, fresh?: FreshStamp): Promise<ReadonlyMap<number, PairCertifications>> {
  const ticket = fresh?.ticket ?? ++tickets;
  const idx = await refreshed(db, fresh ?? { ticket, stamp: await publicCertificationStamp(db) });
  // the index itself answers (no map of this batch's pairs to build): what is missing is read first
  let missing: number[] = [];
  for (const k of keys) if (!idx.pairs.has(k)) missing.push(k);
  if (!missing.length) return idx.pairs;
  if (idx.pairs.size + missing.length > MAX_INDEXED_PAIRS) {
    // start again with this batch's pairs only
    idx.pairs = new Map();
    missing = [...new Set(keys)];
  }
  const pairs = idx.pairs;
  const epoch = idx.epoch;
  // the pairs the index has now (a change meanwhile may drop them while the others are read)
  const present: [number, PairCertifications][] = [];
  for (const k of keys) {
    const p = pairs.get(k);
    if (p) present.push([k, p]);
  }
  const read = await readPairs(db, missing);
  if (indexes.get(db.$client) === idx && idx.epoch === epoch && idx.pairs === pairs) {
    // no change was taken in meanwhile: what was read is kept
    for (const [k, p] of read) pairs.set(k, p);
    return pairs;
  }
  // the index took changes while these pairs were read: a change among them may have been dropped
  // before they arrived, so they answer this call only
  for (const [k, p] of present) read.set(k, p);
  return read;
}

/** Forget every indexed pair (tests). */
export async function resetPairIndex(db: DB): Promise<void> {
  indexes.delete(db.$client);
}
