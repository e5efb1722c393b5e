// Public verification for hospitals and doctors (no account): find a lab, list what it is recognised
// for, and answer "was lab L recognised for test T on day D, and in which region?" and "is a result
// of day D still within T's recognition window when reused on day asOf?". Answers come from
// certification events effective on or before D (decisions are never back-dated), so later decisions
// never change an earlier day's answer. Certification data only. The batch form is verify-batch.ts.
// The policy cache is keyed by the handle's client (the better-sqlite3 connection or the pg pool).
// On PostgreSQL the single check is answered in rounds (verifyRound below): one statement for all the
// checks that arrived while the previous round ran, the pairs from the in-memory index (pair-index.ts).
import type { DB } from '@/db/client';
import { listLabs } from '@/db/queries/labs';
import { labCodeCandidates, pairKey, publicAnalyteByCode, publicAnalyteByLoinc, publicLabByCode, publicLabByCodeWithStamp, publicLabOnDay, publicPairBounds, publicPairOnDay, publicChecksInRounds, publicPolicyStamp, publicVerifyRound, type PublicPairCertification, type PublicStatusEvent } from '@/db/queries/public';
import { listAllPolicies, type PolicyRow } from '@/db/queries/recognition';
import { AppError, fieldError } from '@/lib/errors';
import { ALL_DATA } from '@/lib/auth/scope';
import { zodFieldErrors } from '@/lib/validation/errors';
import { isoDay, labSearchQuery, verifyQuery } from '@/lib/validation/recognition';
import { dayOf } from '@/lib/calendar';
import { SYSTEM_WINDOWS, windowDaysFor, windowsOf, withinWindow, type RecognitionWindows } from './window';
import { beginStampRead, certificationsOfPairs } from './pair-index';
import { Rounds, type Settled } from './rounds';

export type VerifyReason = 'recognized' | 'suspended' | 'revoked' | 'expired' | 'not_yet_certified' | 'not_certified';

export interface VerifyAnswer {
  recognized: boolean;
  mark?: string;
  scope?: string;
  certificateNo?: string;
  validFrom?: string;
  validTo?: string;
  /** status of the certification on that day, when there is one */
  status?: string;
  date: string;
  reason: VerifyReason;
  /** the day the result is reused (given, or today; `date` when that is later than today) */
  asOf: string;
  /** the item's recognition window under the policy in force for the lab's region on asOf; null = no limit */
  windowDays: number | null;
  /** asOf − date ≤ windowDays (calendar days): whether the result is still young enough to reuse.
   * Independent of `recognized`: a hospital accepts the result when both are true. */
  withinWindow: boolean;
}

const labAnalyteQuery = verifyQuery.omit({ date: true });

function parseDay(v: unknown, now: number): string {
  if (v === undefined || v === null || v === '') return dayOf(now);
  const r = isoDay.safeParse(v);
  if (!r.success) throw new AppError('recognition.invalidDateTitle', {}, [fieldError('recognition.invalidDate', {}, 'date')]);
  return r.data;
}

/** The reuse day of a check: asOf when given (never before the result's day), else today, or the
 * result's day when that is later than today (a question about a future day answers as before). */
export function parseAsOf(v: unknown, day: string, now: number): string {
  if (v === undefined || v === null || v === '') {
    const today = dayOf(now);
    return day > today ? day : today;
  }
  const r = isoDay.safeParse(v);
  if (!r.success) throw new AppError('recognition.invalidDateTitle', {}, [fieldError('recognition.invalidDate', {}, 'asOf')]);
  if (r.data < day) throw new AppError('verify.asOfBeforeDate', { asOf: r.data, date: day }, [fieldError('verify.asOfBeforeDate', { asOf: r.data, date: day }, 'asOf')]);
  return r.data;
}

/** A checked query: lab and analyte as given (trimmed), the result's day and the reuse day. */
export interface VerifyCheck {
  lab: string;
  analyte: string;
  date: string;
  asOf: string;
}

/** Validate one check (the GET query or one entry of a batch); throws the GET's 422s. */
export function parseCheck(input: { lab?: unknown; analyte?: unknown; date?: unknown; asOf?: unknown }, now: number): VerifyCheck {
  const q = labAnalyteQuery.safeParse(input);
  if (!q.success) throw AppError.invalid('Invalid query', zodFieldErrors(q.error));
  const date = parseDay(input.date, now);
  return { lab: q.data.lab, analyte: q.data.analyte, date, asOf: parseAsOf(input.asOf, date, now) };
}

/** `loinc:<code>` → the LOINC code asked for, else null. */
export function loincOf(analyte: string): string | null {
  return /^loinc:/i.test(analyte) ? analyte.slice(6).trim() : null;
}

/** `item:<code>` → the catalogue code asked for (upper case), never a local code; else null. */
export function itemOf(analyte: string): string | null {
  return /^item:/i.test(analyte) ? analyte.slice(5).trim().toUpperCase() : null;
}

/** The catalogue code a check names that is not `loinc:`: `item:<code>` or a bare code, upper case. */
export const catalogueCodeOf = (analyte: string): string => itemOf(analyte) ?? analyte.toUpperCase();

/** A certification's status on the day, as found (by SQL or in memory). */
export interface CertificationOnDay {
  mark: string;
  scope: string;
  certificateNo: string;
  validFrom: string;
  validTo: string;
  status: string | null;
}

/** The answer from the certifications covering the day (latest first) or, without one, the pair's
 * bounds: how many certifications it has, the first one's start, and the latest end among those that
 * started on or before the day. A day after that end is `expired`, also when a later certificate
 * exists (a gap between two), and no certificate issued after the day changes that answer. */
export function answerFrom(
  covering: readonly CertificationOnDay[],
  bounds: () => { n: number; firstFrom: string | null; lastTo: string | null },
  check: { date: string; asOf: string },
  windowDays: number | null,
): VerifyAnswer {
  const day = check.date;
  const asOf = check.asOf;
  const inWindow = withinWindow(day, asOf, windowDays);
  let hit: CertificationOnDay | undefined;
  for (const r of covering) {
    if (r.status === 'active') {
      hit = r;
      break;
    }
    if (r.status !== null && !hit) hit = r;
  }
  if (hit) {
    const recognized = hit.status === 'active';
    return {
      recognized,
      mark: hit.mark,
      scope: hit.scope,
      certificateNo: hit.certificateNo,
      validFrom: hit.validFrom,
      validTo: hit.validTo,
      status: hit.status!,
      date: day,
      reason: recognized ? 'recognized' : hit.status === 'suspended' ? 'suspended' : hit.status === 'revoked' ? 'revoked' : 'expired',
      asOf,
      windowDays,
      withinWindow: inWindow,
    };
  }
  const b = bounds();
  const reason: VerifyReason = !b.n ? 'not_certified' : b.firstFrom && day < b.firstFrom ? 'not_yet_certified' : b.lastTo && day > b.lastTo ? 'expired' : 'not_certified';
  return { recognized: false, date: day, reason, asOf, windowDays, withinWindow: inWindow };
}

const NONE: CertificationOnDay[] = [];

/** The status set by the latest event effective on or before the day (events sorted latest first). */
function statusOn(events: readonly PublicStatusEvent[] | undefined, day: string): string | null {
  if (!events) return null;
  for (const e of events) if (e.effectiveOn <= day) return e.toStatus;
  return null;
}

function boundsOf(certs: readonly PublicPairCertification[], day: string) {
  let firstFrom: string | null = null;
  let lastTo: string | null = null;
  for (const c of certs) {
    if (firstFrom === null || c.validFrom < firstFrom) firstFrom = c.validFrom;
    if (c.validFrom <= day && (lastTo === null || c.validTo > lastTo)) lastTo = c.validTo;
  }
  return { n: certs.length, firstFrom, lastTo };
}

/** answerFrom over a pair's certifications as the index holds them (pair-index.ts: latest valid-from
 * first, each with its status events latest first), as the single check's SQL finds them. */
export function answerFromPair(certs: readonly (PublicPairCertification & { events: readonly PublicStatusEvent[] })[], check: { date: string; asOf: string }, windowDays: number | null): VerifyAnswer {
  let covering = NONE;
  for (const c of certs) {
    if (c.validFrom > check.date || c.validTo < check.date) continue;
    const on = { mark: c.mark, scope: c.scope, certificateNo: c.certificateNo, validFrom: c.validFrom, validTo: c.validTo, status: statusOn(c.events, check.date) };
    if (covering === NONE) covering = [on];
    else covering.push(on);
  }
  return answerFrom(covering, () => boundsOf(certs, check.date), check, windowDays);
}

interface PolicyCache {
  stamp: number;
  policies: PolicyRow[];
  /** per region path: its policies and its ancestors', in the order resolvePolicy prefers them */
  byPath: Map<string, { from: string; windows: RecognitionWindows }[]>;
}
const policyCaches = new WeakMap<object, PolicyCache>();

/**
 * The recognition windows in force for a region path on a day: the policy a lab's region follows
 * (its own, else the nearest ancestor's) on that day, from an in-memory copy of every policy version.
 * The copy is reloaded when a version is added: `policyWindows` checks that once (one indexed count)
 * and returns a resolver for a request or a whole batch. The choice is resolvePolicy's (the deepest
 * region with a version effective on the day, then the latest effective date, then the highest
 * version): the candidates of a path are kept sorted that way, and the first effective one wins.
 */
export async function policyWindows(db: DB, knownStamp?: number): Promise<(regionPath: string, day: string) => RecognitionWindows> {
  let c = policyCaches.get(db.$client);
  const stamp = knownStamp ?? await publicPolicyStamp(db);
  if (!c || c.stamp !== stamp) {
    c = { stamp, policies: await listAllPolicies(db), byPath: new Map() };
    policyCaches.set(db.$client, c);
  }
  const cache = c;
  return (regionPath, day) => {
    let list = cache.byPath.get(regionPath);
    if (!list) {
      list = cache.policies
        .filter((p) => regionPath.startsWith(p.regionPath))
        .sort((a, b) => b.regionPath.length - a.regionPath.length || (a.effectiveFrom < b.effectiveFrom ? 1 : a.effectiveFrom > b.effectiveFrom ? -1 : b.version - a.version))
        .map((p) => ({ from: p.effectiveFrom, windows: windowsOf(p.windows) }));
      cache.byPath.set(regionPath, list);
    }
    for (const p of list) if (p.from <= day) return p.windows;
    return SYSTEM_WINDOWS;
  };
}

/** Was lab L recognised for item T on day D, and is a result of D still within T's window on asOf? */
export async function verifyRecognition(db: DB, input: { lab?: unknown; analyte?: unknown; date?: unknown; asOf?: unknown }, opts: { now?: number } = {}): Promise<VerifyAnswer> {
  const check = parseCheck(input, opts.now ?? Date.now());
  if (publicChecksInRounds(db)) {
    let rounds = verifyRounds.get(db.$client);
    if (!rounds) verifyRounds.set(db.$client, (rounds = new Rounds((checks) => verifyRound(db, checks), MAX_ROUND_CHECKS)));
    const answer = rounds.submit(check);
    if (answer) return await answer;
    // the queued round is full: this check reads on its own
  }
  return await verifyCheckBySql(db, check);
}

/** One validated check read by its own statements (SQLite; PostgreSQL inside a transaction or when
 * the queued round is full): the lab with the policy stamp, the item, the pair's certifications. */
export async function verifyCheckBySql(db: DB, check: VerifyCheck): Promise<VerifyAnswer> {
  const lab = await publicLabByCodeWithStamp(db, check.lab);
  if (!lab) throw new AppError('lab.notFound', { lab: check.lab });
  const loinc = loincOf(check.analyte);
  const analyte = loinc !== null ? await publicAnalyteByLoinc(db, loinc) : await publicAnalyteByCode(db, catalogueCodeOf(check.analyte));
  if (!analyte) throw new AppError('analyte.notFound', { analyte: check.analyte });
  const covering = await publicPairOnDay(db, lab.id, analyte.id, check.date);
  const windowDays = windowDaysFor((await policyWindows(db, lab.policyStamp))(lab.regionPath, check.asOf), analyte.code);
  // the pair's bounds explain an answer without a certification with a status on the day (answerFrom)
  const bounds = covering.some((r) => r.status !== null) ? { n: 0, firstFrom: null, lastTo: null } : await publicPairBounds(db, lab.id, analyte.id, check.date);
  return answerFrom(covering, () => bounds, check, windowDays);
}

/**
 * PostgreSQL: single checks in rounds (rounds.ts). Each check goes to the next round of its pool that
 * starts after it arrived; a round reads, in ONE statement, the certification and policy stamps, the
 * pairs changed since the verify index's stamp, and the labs and catalogue items of all its checks;
 * then answers each check from the in-memory pair index (pair-index.ts, brought up to that stamp, its
 * missing pairs read in one more statement) and the policy cache. So under load one or two statements
 * answer every check that arrived during the previous round, instead of three or four per check, and
 * a check still sees every decision committed before it arrived, through whichever instance (the
 * stamp is read after it arrived, and appends are in commit order: db/pg/audit-chain.ts).
 */
export const MAX_ROUND_CHECKS = 1_000;
const verifyRounds = new WeakMap<object, Rounds<VerifyCheck, VerifyAnswer>>();

/** Answer a round of checks (in order; a check's own refusal is its entry's error). */
export async function verifyRound(db: DB, checks: readonly VerifyCheck[]): Promise<Settled<VerifyAnswer>[]> {
  const labCodes = new Set<string>();
  const codes = new Set<string>();
  const loincs = new Set<string>();
  for (const c of checks) {
    for (const code of labCodeCandidates(c.lab)) labCodes.add(code);
    const loinc = loincOf(c.analyte);
    if (loinc !== null) loincs.add(loinc);
    else codes.add(catalogueCodeOf(c.analyte));
  }
  const read = beginStampRead(db);
  const r = await publicVerifyRound(db, { since: read.since, labs: [...labCodes], codes: [...codes], loincs: [...loincs] });
  const windowsFor = await policyWindows(db, r.policyStamp);
  const out: Settled<VerifyAnswer>[] = new Array(checks.length);
  const keys: number[] = [];
  const found: ({ pair: number; regionPath: string; analyteCode: string } | undefined)[] = new Array(checks.length);
  for (const [i, c] of checks.entries()) {
    const lab = r.labs.get(c.lab) ?? r.labs.get(c.lab.toUpperCase());
    if (!lab) {
      out[i] = { error: new AppError('lab.notFound', { lab: c.lab }) };
      continue;
    }
    const loinc = loincOf(c.analyte);
    const analyte = loinc !== null ? r.loincs.get(loinc) : r.analytes.get(catalogueCodeOf(c.analyte));
    if (!analyte) {
      out[i] = { error: new AppError('analyte.notFound', { analyte: c.analyte }) };
      continue;
    }
    const pair = pairKey(lab.id, analyte.id);
    keys.push(pair);
    found[i] = { pair, regionPath: lab.regionPath, analyteCode: analyte.code };
  }
  const certs = await certificationsOfPairs(db, keys, { ticket: read.ticket, stamp: r.stamp, changed: read.since && r.changed ? { since: read.since, pairs: r.changed } : null });
  for (const [i, c] of checks.entries()) {
    const f = found[i];
    if (!f) continue;
    out[i] = { value: answerFromPair(certs.get(f.pair)!.certs, c, windowDaysFor(windowsFor(f.regionPath, c.asOf), f.analyteCode)) };
  }
  return out;
}

/** The certifications of a lab whose window covers the day (today by default), with their status on
 * that day; the API contract's shape. */
export async function labCertifications(db: DB, labCode: string, date: unknown, opts: { now?: number } = {}) {
  const day = parseDay(date, opts.now ?? Date.now());
  const lab = await publicLabByCode(db, labCode);
  if (!lab) throw new AppError('lab.notFound', { lab: labCode });
  return {
    lab,
    day,
    certifications: (await publicLabOnDay(db, lab.id, day)).filter((c) => c.status !== null),
  };
}

/** Find labs by name or code, optionally within a region (its code, any level). */
/** At most this many labs answer a search; `more` says when others match too (refine the search). */
export const LAB_SEARCH_LIMIT = 50;

export async function searchLabs(db: DB, input: { q?: unknown; region?: unknown }) {
  const p = labSearchQuery.safeParse({ q: input.q ?? undefined, region: input.region ?? undefined });
  if (!p.success) throw AppError.invalid('Invalid query', zodFieldErrors(p.error));
  const found = await listLabs(db, { scope: ALL_DATA, q: p.data.q || undefined, regionCode: p.data.region, activeOnly: true, limit: LAB_SEARCH_LIMIT + 1 });
  return { more: found.length > LAB_SEARCH_LIMIT, labs: found.slice(0, LAB_SEARCH_LIMIT).map((l) => ({
    code: l.code,
    name: l.name,
    nameEn: l.nameEn,
    regionCode: l.regionCode,
    regionName: l.regionName,
    regionNameEn: l.regionNameEn,
    level: l.level,
  })) };
}
