// Batch verification (issue 13): a hospital information system or a regional platform sends up to
// MAX_BATCH_CHECKS checks `{ lab, analyte, date, asOf? }` and gets one answer per check, in order,
// each exactly what `GET /api/v1/verify` answers for it (lib/services/recognition/verification.ts);
// a bad check gets its own `{ error, code, errors? }` entry, never a failed batch.
//
// Speed: everything is read in bulk, a handful of statements per batch whatever its size (labs by
// code, the catalogue, the caller's local codes; certifications and status events of the pairs
// asked about come from an in-memory index, pair-index.ts, read in bulk when first asked about and
// invalidated by certification changes); the status on each day is then found by the same rule as
// the single check's SQL (the latest status event effective on or before the day; among the certifications
// covering the day, the latest active one, else the latest with a status).
//
// Items: `analyte` is a catalogue code, `loinc:<code>` (the catalogue's LOINC column), or the
// calling account's own code (analyte_local_codes; `local:<code>` forces it). For a bare code the
// caller's map is tried before the catalogue: a hospital that maps its code `GLU` means its mapping.
// Codes that resolve to nothing are remembered for a signed-in caller (analyte_local_code_misses),
// for the mapping page.
import type { DB } from '@/db/client';
import { localCodeMap, pairKey, publicAnalyteIndex, publicLabsByCodes, recordLocalCodeMisses, type PublicLab, type PublicPairCertification, type PublicStatusEvent } from '@/db/queries/public';
import { AppError, errorBody, type ErrorBody } from '@/lib/errors';
import { answerFrom, loincOf, parseCheck, policyWindows, type CertificationOnDay, type VerifyAnswer, type VerifyCheck } from './verification';
import { windowDaysFor } from './window';
import { certificationsOfPairs } from './pair-index';

export const MAX_BATCH_CHECKS = 10_000;
/** At most this many distinct unresolved codes of one batch are remembered. */
export const MAX_MISSES_RECORDED = 1_000;

export type BatchEntry = VerifyAnswer | ErrorBody;

export interface BatchOptions {
  now?: number;
  /** the account whose local codes apply (a signed-in hospital or regulator, or their API token) */
  ownerId?: number | null;
  /** where the owner's unresolved codes go (the route hands them to a job worker, lib/jobs.ts
   * 'verify.recordMisses'); by default they are written here */
  recordMisses?: (codes: string[]) => void;
}

/** The local-code key of a code as written: trimmed, upper case. */
export function localCodeKey(code: string): string {
  return code.trim().toUpperCase();
}

/** `local:<code>` → the code asked for, else null. */
function localOf(analyte: string): string | null {
  return /^local:/i.test(analyte) ? localCodeKey(analyte.slice(6)) : null;
}

const failure = (e: unknown): ErrorBody => errorBody(e).body;

/** The number of checks a batch body holds (0 when it is not a batch), to refuse before any work. */
export function batchSize(input: unknown): number {
  const checks = (input as { checks?: unknown } | null)?.checks;
  return Array.isArray(checks) ? checks.length : 0;
}

export function verifyBatch(db: DB, input: unknown, opts: BatchOptions = {}): { results: BatchEntry[] } {
  const now = opts.now ?? Date.now();
  const checks = (input as { checks?: unknown } | null)?.checks;
  if (!Array.isArray(checks) || checks.length === 0) throw new AppError('verify.noChecks');
  if (checks.length > MAX_BATCH_CHECKS) throw new AppError('verify.tooManyChecks', { max: MAX_BATCH_CHECKS, n: checks.length });

  // 1. validate each check as the GET does (dates parsed once per distinct date × asOf)
  const results: (BatchEntry | undefined)[] = new Array(checks.length);
  const parsed: (VerifyCheck | undefined)[] = new Array(checks.length);
  const dates = new Map<string, VerifyCheck | ErrorBody>();
  checks.forEach((raw, i) => {
    const c = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as { lab?: unknown; analyte?: unknown; date?: unknown; asOf?: unknown };
    const lab = typeof c.lab === 'string' ? c.lab.trim() : null;
    const analyte = typeof c.analyte === 'string' ? c.analyte.trim() : null;
    const simpleDates = (c.date === undefined || typeof c.date === 'string') && (c.asOf === undefined || typeof c.asOf === 'string');
    if (lab && lab.length <= 40 && analyte && analyte.length <= 40 && simpleDates) {
      const key = `${c.date ?? ''}\u0000${c.asOf ?? ''}`;
      let d = dates.get(key);
      if (!d) {
        try {
          d = parseCheck({ lab: 'x', analyte: 'x', date: c.date, asOf: c.asOf }, now);
        } catch (e) {
          d = failure(e);
        }
        dates.set(key, d);
      }
      if ('error' in d) results[i] = d;
      else parsed[i] = { lab, analyte, date: d.date, asOf: d.asOf };
      return;
    }
    try {
      parsed[i] = parseCheck(c, now); // the unusual inputs: the very same validation and errors
    } catch (e) {
      results[i] = failure(e);
    }
  });

  // 2. labs, items and the caller's local codes in bulk
  const labCodes = new Set<string>();
  const localKeys = new Set<string>();
  for (const p of parsed) {
    if (!p) continue;
    labCodes.add(p.lab);
    if (opts.ownerId && loincOf(p.analyte) === null) localKeys.add(localOf(p.analyte) ?? localCodeKey(p.analyte));
  }
  const labs = new Map<string, PublicLab>(publicLabsByCodes(db, [...labCodes]).map((l) => [l.code, l]));
  const byCode = new Map<string, { id: number; code: string }>();
  const byLoinc = new Map<string, { id: number; code: string }>();
  for (const a of publicAnalyteIndex(db)) {
    byCode.set(a.code, a);
    if (a.loinc && !byLoinc.has(a.loinc)) byLoinc.set(a.loinc, a);
  }
  const byId = new Map([...byCode.values()].map((a) => [a.id, a]));
  const local = opts.ownerId ? localCodeMap(db, opts.ownerId, [...localKeys]) : new Map<string, number>();
  const misses = new Set<string>();
  const resolve = (analyte: string) => {
    const loinc = loincOf(analyte);
    if (loinc !== null) return byLoinc.get(loinc);
    const forced = localOf(analyte);
    const key = forced ?? localCodeKey(analyte);
    const mapped = local.get(key);
    const found = mapped !== undefined ? byId.get(mapped) : forced === null ? byCode.get(analyte.toUpperCase()) : undefined;
    if (!found && opts.ownerId && misses.size < MAX_MISSES_RECORDED) misses.add(key);
    return found;
  };

  // 3. the pairs asked about: their certifications and status events (pair-index.ts)
  const targets: ({ lab: PublicLab; analyte: { id: number; code: string }; pair: number } | undefined)[] = new Array(checks.length);
  const pairs = new Set<number>();
  parsed.forEach((p, i) => {
    if (!p) return;
    const lab = labs.get(p.lab);
    if (!lab) return void (results[i] = failure(new AppError('lab.notFound', { lab: p.lab })));
    const analyte = resolve(p.analyte);
    if (!analyte) return void (results[i] = failure(new AppError('analyte.notFound', { analyte: p.analyte })));
    const pair = pairKey(lab.id, analyte.id);
    targets[i] = { lab, analyte, pair };
    pairs.add(pair);
  });
  if (misses.size && opts.ownerId) {
    if (opts.recordMisses) opts.recordMisses([...misses]);
    else recordLocalCodeMisses(db, opts.ownerId, [...misses], now);
  }
  const certsByPair = certificationsOfPairs(db, pairs);

  // 4. one answer per check
  const windowsFor = policyWindows(db);
  parsed.forEach((p, i) => {
    const t = targets[i];
    if (!p || !t) return;
    const certs = certsByPair.get(t.pair)!;
    // the certifications covering the day with their status then (most pairs have one, or none)
    let covering: CertificationOnDay[] = NONE;
    for (const c of certs) {
      if (c.validFrom > p.date || c.validTo < p.date) continue;
      const on = { mark: c.mark, scope: c.scope, certificateNo: c.certificateNo, validFrom: c.validFrom, validTo: c.validTo, status: statusOn(c.events, p.date) };
      if (covering === NONE) covering = [on];
      else covering.push(on);
    }
    const windowDays = windowDaysFor(windowsFor(t.lab.regionPath, p.asOf), t.analyte.code);
    results[i] = answerFrom(covering, () => boundsOf(certs), p, windowDays);
  });
  return { results: results as BatchEntry[] };
}

const NONE: CertificationOnDay[] = [];

/** The status set by the latest event effective on or before the day (events sorted latest first). */
function statusOn(events: readonly PublicStatusEvent[] | undefined, day: string): string | null {
  if (!events) return null;
  for (const e of events) if (e.effectiveOn <= day) return e.toStatus;
  return null;
}

function boundsOf(certs: readonly PublicPairCertification[]) {
  let firstFrom: string | null = null;
  let lastTo: string | null = null;
  for (const c of certs) {
    if (firstFrom === null || c.validFrom < firstFrom) firstFrom = c.validFrom;
    if (lastTo === null || c.validTo > lastTo) lastTo = c.validTo;
  }
  return { n: certs.length, firstFrom, lastTo };
}

