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
// Items: `analyte` is a catalogue code (`item:<code>` forces it), `loinc:<code>` (the catalogue's
// LOINC column), or the calling account's own code (analyte_local_codes; `local:<code>` forces it).
// For a bare code the caller's map is tried before the catalogue: a hospital that maps its code `GLU`
// means its mapping.
// Codes that resolve to nothing are remembered for a signed-in caller (analyte_local_code_misses),
// for the mapping page.
import type { DB } from '@/db/client';
import { labCodeCandidates, localCodeMap, pairKey, publicAnalyteIndex, publicLabKeysByCodes, recordLocalCodeMisses, type PublicLabKey } from '@/db/queries/public';
import { AppError, errorBody, type ErrorBody } from '@/lib/errors';
import { ANALYTE_QUERY_MAX } from '@/lib/validation/recognition';
import { answerFromPair, itemOf, loincOf, parseCheck, policyWindows, type VerifyAnswer, type VerifyCheck, type VerifyReason } from './verification';
import { windowDaysFor, withinWindow } from './window';
import { ACTIVE, certificationsOfPairs, dayOrder, statusName, type IndexedCertification, type PairCertifications } from './pair-index';
import { ByteWriter, utf8 } from './byte-writer';

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

/** What every check of a batch resolved to, before its answer is written (as objects or as JSON). */
interface ResolvedBatch {
  /** an error entry per check that has one */
  errors: (ErrorBody | undefined)[];
  /** the check as validated, for the checks answered */
  parsed: (VerifyCheck | undefined)[];
  /** the certifications of the check's pair (latest valid-from first), for the checks answered */
  certs: (PairCertifications | undefined)[];
  /** the item's window on asOf under the lab's policy, for the checks answered */
  windowDays: (number | null)[];
}

async function resolveBatch(db: DB, input: unknown, opts: BatchOptions): Promise<ResolvedBatch> {
  const now = opts.now ?? Date.now();
  const checks = (input as { checks?: unknown } | null)?.checks;
  if (!Array.isArray(checks) || checks.length === 0) throw new AppError('verify.noChecks');
  if (checks.length > MAX_BATCH_CHECKS) throw new AppError('verify.tooManyChecks', { max: MAX_BATCH_CHECKS, n: checks.length });
  const n = checks.length;

  // 1. validate each check as the GET does (dates parsed once per distinct date × asOf)
  const errors: (ErrorBody | undefined)[] = new Array(n);
  const parsed: (VerifyCheck | undefined)[] = new Array(n);
  const dates = new Map<string, VerifyCheck | ErrorBody>();
  for (let i = 0; i < n; i++) {
    const raw = checks[i];
    const c = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as { lab?: unknown; analyte?: unknown; date?: unknown; asOf?: unknown };
    const lab = typeof c.lab === 'string' ? c.lab.trim() : null;
    const analyte = typeof c.analyte === 'string' ? c.analyte.trim() : null;
    const simpleDates = (c.date === undefined || typeof c.date === 'string') && (c.asOf === undefined || typeof c.asOf === 'string');
    if (lab && lab.length <= 40 && analyte && analyte.length <= ANALYTE_QUERY_MAX && simpleDates) {
      // the date's length first: no two (date, asOf) pairs share a key
      const date = (c.date ?? '') as string;
      const key = `${date.length}:${date}${c.asOf ?? ''}`;
      let d = dates.get(key);
      if (!d) {
        try {
          d = parseCheck({ lab: 'x', analyte: 'x', date: c.date, asOf: c.asOf }, now);
        } catch (e) {
          d = failure(e);
        }
        dates.set(key, d);
      }
      if ('error' in d) errors[i] = d;
      else parsed[i] = { lab, analyte, date: d.date, asOf: d.asOf };
      continue;
    }
    try {
      parsed[i] = parseCheck(c, now); // the unusual inputs: the very same validation and errors
    } catch (e) {
      errors[i] = failure(e);
    }
  }

  // 2. labs, items and the caller's local codes in bulk
  const labCodes = new Set<string>();
  const localKeys = new Set<string>();
  for (const p of parsed) {
    if (!p) continue;
    for (const code of labCodeCandidates(p.lab)) labCodes.add(code);
    if (opts.ownerId && loincOf(p.analyte) === null && itemOf(p.analyte) === null) localKeys.add(localOf(p.analyte) ?? localCodeKey(p.analyte));
  }
  const labs = new Map<string, PublicLabKey>();
  for (const l of await publicLabKeysByCodes(db, [...labCodes])) labs.set(l.code, l);
  const byCode = new Map<string, { id: number; code: string }>();
  const byLoinc = new Map<string, { id: number; code: string }>();
  for (const a of await publicAnalyteIndex(db)) {
    byCode.set(a.code, a);
    if (a.loinc && !byLoinc.has(a.loinc)) byLoinc.set(a.loinc, a);
  }
  const byId = new Map([...byCode.values()].map((a) => [a.id, a]));
  const local = opts.ownerId ? await localCodeMap(db, opts.ownerId, [...localKeys]) : new Map<string, number>();
  const misses = new Set<string>();
  const resolve = (analyte: string) => {
    const loinc = loincOf(analyte);
    if (loinc !== null) return byLoinc.get(loinc);
    const item = itemOf(analyte);
    if (item !== null) return byCode.get(item);
    const forced = localOf(analyte);
    const key = forced ?? localCodeKey(analyte);
    const mapped = local.get(key);
    const found = mapped !== undefined ? byId.get(mapped) : forced === null ? byCode.get(analyte.toUpperCase()) : undefined;
    if (!found && opts.ownerId && misses.size < MAX_MISSES_RECORDED) misses.add(key);
    return found;
  };
  // an item code as written resolves the same way throughout the batch: once per distinct code
  const resolved = new Map<string, { id: number; code: string } | null>();
  // the same refusal for the same unknown lab or item (an AppError's text is built once)
  const labMissing = new Map<string, ErrorBody>();
  const analyteMissing = new Map<string, ErrorBody>();

  // 3. the pairs asked about: their certifications and status events (pair-index.ts)
  const pairOf = new Array<number>(n);
  const labOf: (PublicLabKey | undefined)[] = new Array(n);
  const analyteOf: ({ id: number; code: string } | undefined)[] = new Array(n);
  const pairs = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = parsed[i];
    if (!p) continue;
    const lab = labs.get(p.lab) ?? labs.get(p.lab.toUpperCase());
    if (!lab) {
      let e = labMissing.get(p.lab);
      if (!e) labMissing.set(p.lab, (e = failure(new AppError('lab.notFound', { lab: p.lab }))));
      errors[i] = e;
      continue;
    }
    let analyte = resolved.get(p.analyte);
    if (analyte === undefined) resolved.set(p.analyte, (analyte = resolve(p.analyte) ?? null));
    if (!analyte) {
      let e = analyteMissing.get(p.analyte);
      if (!e) analyteMissing.set(p.analyte, (e = failure(new AppError('analyte.notFound', { analyte: p.analyte }))));
      errors[i] = e;
      continue;
    }
    const pair = pairKey(lab.id, analyte.id);
    pairOf[i] = pair;
    labOf[i] = lab;
    analyteOf[i] = analyte;
    pairs.add(pair);
  }
  if (misses.size && opts.ownerId) {
    if (opts.recordMisses) opts.recordMisses([...misses]);
    else await recordLocalCodeMisses(db, opts.ownerId, [...misses], now);
  }
  // 4. per answered check: its pair's certifications and its item's window (the index's map is read
  // before anything else is awaited: a change taken in by another call may drop pairs from it later)
  const windowsFor = await policyWindows(db);
  const certsByPair = await certificationsOfPairs(db, pairs);
  const certs: (PairCertifications | undefined)[] = new Array(n);
  const windowDays = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const lab = labOf[i];
    if (!lab) continue;
    certs[i] = certsByPair.get(pairOf[i])!;
    windowDays[i] = windowDaysFor(windowsFor(lab.regionPath, parsed[i]!.asOf), analyteOf[i]!.code);
  }
  return { errors, parsed, certs, windowDays };
}

export async function verifyBatch(db: DB, input: unknown, opts: BatchOptions = {}): Promise<{ results: BatchEntry[] }> {
  const b = await resolveBatch(db, input, opts);
  const results: BatchEntry[] = new Array(b.errors.length);
  for (let i = 0; i < results.length; i++) {
    const error = b.errors[i];
    if (error) {
      results[i] = error;
      continue;
    }
    results[i] = answerFromPair(b.certs[i]!.certs, b.parsed[i]!, b.windowDays[i]);
  }
  return { results };
}

/**
 * The batch's answer as the UTF-8 bytes of its JSON, `{"results":[...]}`: exactly the bytes of
 * `JSON.stringify(verifyBatch(...))` (the same keys in the same order, tested), written without the
 * answer objects. The production server's fast path sends them as they are. 10,000 answers a batch:
 * no object or string per answer; the bytes are written into one buffer (byte-writer.ts) from pieces
 * encoded once — each certification's part kept with it, statuses, reasons and windows in small
 * tables — and the validated days and numbers written as ASCII.
 */
export async function verifyBatchBody(db: DB, input: unknown, opts: BatchOptions = {}): Promise<Buffer<ArrayBuffer>> {
  const b = await resolveBatch(db, input, opts);
  const out = new ByteWriter(b.errors.length * 256 + 64);
  const errorJson = new Map<ErrorBody, Uint8Array>();
  out.bytes(OPEN);
  for (let i = 0; i < b.errors.length; i++) {
    if (i > 0) out.byte(COMMA);
    const error = b.errors[i];
    if (error) {
      let j = errorJson.get(error);
      if (j === undefined) errorJson.set(error, (j = utf8(JSON.stringify(error))));
      out.bytes(j);
      continue;
    }
    const p = b.parsed[i]!;
    writeAnswer(out, b.certs[i]!, p.date, p.asOf, b.windowDays[i]);
  }
  out.bytes(CLOSE);
  return out.result();
}

const OPEN = utf8('{"results":[');
const CLOSE = utf8(']}');
const COMMA = 0x2c;
const RECOGNIZED = [utf8('{"recognized":false,'), utf8('{"recognized":true,')];
const DATE = utf8('"date":"');
const WITHIN = [utf8('"withinWindow":false}'), utf8('"withinWindow":true}')];
/** `"status":"suspended",` by status code (pair-index.ts statusCode) */
const statusPart: Uint8Array[] = [];
/** `","reason":"expired","asOf":"` by reason */
const reasonPart = new Map<string, Uint8Array>();
/** `","windowDays":30,` by window */
const windowPart = new Map<number | null, Uint8Array>();

/** answerFrom's choice (verification.ts), written as JSON: among the certifications covering the day,
 * the first (latest) active one, else the first with a status; without one, the pair's bounds.
 * Days are validated 'YYYY-MM-DD' (ASCII, nothing to escape). */
function writeAnswer(out: ByteWriter, pair: PairCertifications, day: string, asOf: string, windowDays: number | null): void {
  // the pair's plan (pair-index.ts): day orders and status codes, no certification or event object read
  const plan = pair.plan;
  const order = dayOrder(day);
  let hit = -1;
  let hitStatus = -1;
  // the latest end among the certifications that started on or before the day (answerFrom's lastTo)
  let endedBefore = -1;
  for (let k = 0, at = 2; k < plan[0]; k++) {
    const from = plan[at];
    const to = plan[at + 1];
    const events = plan[at + 2];
    const first = at + 3;
    at = first + 2 * events;
    if (from <= order && to > endedBefore) endedBefore = to;
    if (from > order || to < order) continue;
    // the status set by the latest event effective on or before the day (events latest first)
    let s = -1;
    for (let e = first; e < at; e += 2)
      if (plan[e] <= order) {
        s = plan[e + 1];
        break;
      }
    if (s === ACTIVE) {
      hit = k;
      hitStatus = s;
      break;
    }
    if (s !== -1 && hit < 0) {
      hit = k;
      hitStatus = s;
    }
  }
  let reason: VerifyReason;
  if (hit >= 0) {
    const c = pair.certs[hit];
    out.bytes(RECOGNIZED[hitStatus === ACTIVE ? 1 : 0]);
    out.bytes((c.json ??= utf8(certificationJson(c))));
    out.bytes((statusPart[hitStatus] ??= utf8(`"status":${JSON.stringify(statusName(hitStatus))},`)));
    const status = statusName(hitStatus);
    reason = hitStatus === ACTIVE ? 'recognized' : status === 'suspended' ? 'suspended' : status === 'revoked' ? 'revoked' : 'expired';
  } else {
    out.bytes(RECOGNIZED[0]);
    // no certification with a status on the day: the pair's bounds explain why (answerFrom)
    reason = !plan[0] ? 'not_certified' : order < plan[1] ? 'not_yet_certified' : endedBefore >= 0 && order > endedBefore ? 'expired' : 'not_certified';
  }
  out.bytes(DATE);
  out.ascii(day);
  let r = reasonPart.get(reason);
  if (!r) reasonPart.set(reason, (r = utf8(`","reason":${JSON.stringify(reason)},"asOf":"`)));
  out.bytes(r);
  out.ascii(asOf);
  let w = windowPart.get(windowDays);
  if (!w) windowPart.set(windowDays, (w = utf8(`","windowDays":${JSON.stringify(windowDays)},`)));
  out.bytes(w);
  out.bytes(WITHIN[withinWindow(day, asOf, windowDays) ? 1 : 0]);
}

/** `"mark":…,"scope":…,"certificateNo":…,"validFrom":…,"validTo":…,` of a certification. */
function certificationJson(c: IndexedCertification): string {
  return `"mark":${JSON.stringify(c.mark)},"scope":${JSON.stringify(c.scope)},"certificateNo":${JSON.stringify(c.certificateNo)},"validFrom":${JSON.stringify(c.validFrom)},"validTo":${JSON.stringify(c.validTo)},`;
}
