// Public verification for hospitals and doctors (no account): find a lab, list what it is recognised
// for, and answer "was lab L recognised for test T on day D, and in which region?" and "is a result
// of day D still within T's recognition window when reused on day asOf?". Answers come from
// certification events effective on or before D (decisions are never back-dated), so later decisions
// never change an earlier day's answer. Certification data only. The batch form is verify-batch.ts.
// The policy cache is keyed by the handle's client (the better-sqlite3 connection or the pg pool).
import type { DB } from '@/db/client';
import { listLabs } from '@/db/queries/labs';
import { publicAnalyteByCode, publicAnalyteByLoinc, publicLabByCode, publicLabByCodeWithStamp, publicLabOnDay, publicPairBounds, publicPairOnDay, publicPolicyStamp } from '@/db/queries/public';
import { listAllPolicies, type PolicyRow } from '@/db/queries/recognition';
import { AppError, fieldError } from '@/lib/errors';
import { ALL_DATA } from '@/lib/auth/scope';
import { zodFieldErrors } from '@/lib/validation/errors';
import { isoDay, labSearchQuery, verifyQuery } from '@/lib/validation/recognition';
import { dayOf } from '@/lib/calendar';
import { SYSTEM_WINDOWS, windowDaysFor, windowsOf, withinWindow, type RecognitionWindows } from './window';

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

/** A certification's status on the day, as found (by SQL or in memory). */
export interface CertificationOnDay {
  mark: string;
  scope: string;
  certificateNo: string;
  validFrom: string;
  validTo: string;
  status: string | null;
}

/** The answer from the certifications covering the day (latest first) or, without one, the pair's bounds. */
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
  const lab = await publicLabByCodeWithStamp(db, check.lab);
  if (!lab) throw new AppError('lab.notFound', { lab: check.lab });
  const loinc = loincOf(check.analyte);
  const analyte = loinc !== null ? await publicAnalyteByLoinc(db, loinc) : await publicAnalyteByCode(db, check.analyte.toUpperCase());
  if (!analyte) throw new AppError('analyte.notFound', { analyte: check.analyte });
  const covering = await publicPairOnDay(db, lab.id, analyte.id, check.date);
  const windowDays = windowDaysFor((await policyWindows(db, lab.policyStamp))(lab.regionPath, check.asOf), analyte.code);
  // the pair's bounds explain an answer without a certification with a status on the day (answerFrom)
  const bounds = covering.some((r) => r.status !== null) ? { n: 0, firstFrom: null, lastTo: null } : await publicPairBounds(db, lab.id, analyte.id);
  return answerFrom(covering, () => bounds, check, windowDays);
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
export async function searchLabs(db: DB, input: { q?: unknown; region?: unknown }) {
  const p = labSearchQuery.safeParse({ q: input.q ?? undefined, region: input.region ?? undefined });
  if (!p.success) throw AppError.invalid('Invalid query', zodFieldErrors(p.error));
  return (await listLabs(db, { scope: ALL_DATA, q: p.data.q || undefined, regionCode: p.data.region, activeOnly: true, limit: 50 })).map((l) => ({
    code: l.code,
    name: l.name,
    nameEn: l.nameEn,
    regionCode: l.regionCode,
    regionName: l.regionName,
    regionNameEn: l.regionNameEn,
    level: l.level,
  }));
}
