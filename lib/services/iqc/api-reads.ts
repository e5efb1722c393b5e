// IQC reads of the LIS API (`GET /api/v1/iqc/lots`, `/runs`, `/results`): lots with their targets, runs
// with violations and results by cursor, results with their run verdicts.
import type { DB } from '@/db/client';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { resultsForApi, resultsOfRuns, runsForApi, violationsOfRuns } from '@/db/queries/iqc';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { readRange } from './time';
import { lotsWithTargets, resolveReadableLab } from './views';

/** A lot as `GET /api/v1/iqc/lots` lists it (and `POST` answers it). */
export function lotApiRow(l: {
  analyte: string;
  level: string;
  lot: string;
  instrument: string;
  mean: number | null;
  sd: number | null;
  source: string | null;
  effectiveFrom: number | null;
  expectedCategory?: string | null;
  expectedFrom?: number | null;
  expiresOn?: string | null;
}) {
  return {
    analyte: l.analyte,
    level: l.level,
    lot: l.lot,
    ...(l.instrument ? { instrument: l.instrument } : {}),
    mean: l.mean,
    sd: l.sd,
    source: l.source,
    effectiveFrom: l.effectiveFrom === null ? null : new Date(l.effectiveFrom).toISOString(),
    // the last day (China) the material may be used; null when the lab gave none
    expiresOn: l.expiresOn ?? null,
    // a control of a categorical item: the category it must read, from when (mean/sd: of its signal)
    ...(l.expectedCategory ? { expected: l.expectedCategory, expectedFrom: l.expectedFrom == null ? null : new Date(l.expectedFrom).toISOString() } : {}),
  };
}

export async function lotsForApi(db: DB, actor: Actor, q: { lab?: string | null } = {}, now = Date.now()) {
  return (await lotsWithTargets(db, actor, q, now)).map(lotApiRow);
}

/** Most runs `GET /api/v1/iqc/runs` answers at once (default {@link RUNS_PAGE}); the rest follow a cursor. */
export const RUNS_MAX = 5000;
export const RUNS_PAGE = 1000;

export interface ApiRun {
  runId: number;
  analyte: string;
  instrument: string;
  startedAt: string;
  status: string;
  violations: { rule: string; levels: string[] }[];
  /** `value`: the number, or a categorical item's category code (then `signal`: its S/CO, if sent) */
  results: ({ level: string; lot: string; value: number | string; signal?: number | null; z: number | null; measuredAt: string } & ExclusionFields)[];
}

/** Present on a result the lab excluded from the rules and statistics, absent on every other: a
 * client that recomputes a mean or a rule from the answer must leave it out, as LabQC did. */
type ExclusionFields = { excluded?: true; excludedReason?: string | null };
const exclusionFields = (r: { excluded: boolean; excludedReason: string | null }): ExclusionFields => (r.excluded ? { excluded: true, excludedReason: r.excludedReason } : {});

/**
 * `GET /api/v1/iqc/runs?analyte=&instrument=&from=&to=[&lab=][&limit=][&cursor=]`: runs in time order
 * with their violations and results (default the last 30 days; at most `limit` runs, default 1000,
 * max 5000; `next` is the cursor of the following page, or null). Three queries whatever the count.
 */
export async function runsForApiView(
  db: DB,
  actor: Actor,
  q: { lab?: string | null; analyte?: string | null; instrument?: string | null; from?: string | null; to?: string | null; limit?: string | null; cursor?: string | null },
  now = Date.now(),
): Promise<{ runs: ApiRun[]; next: string | null }> {
  const scope = await resolveReadableLab(db, actor, q.lab);
  const { from, to, analyteId, errors } = await apiQuery(db, q, now);
  const limit = q.limit ? Number(q.limit) : RUNS_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > RUNS_MAX) errors.push(fieldError('iqc.limitRange', { max: RUNS_MAX }, 'limit'));
  let after: { measuredAt: number; id: number } | undefined;
  if (q.cursor) {
    const m = /^(\d+)\.(\d+)$/.exec(q.cursor);
    // both parts are stored as 64-bit integers: a longer number is no cursor this API gave
    const measuredAt = m ? Number(m[1]) : NaN;
    const id = m ? Number(m[2]) : NaN;
    if (Number.isSafeInteger(measuredAt) && Number.isSafeInteger(id)) after = { measuredAt, id };
    else errors.push(fieldError('iqc.badCursor', {}, 'cursor'));
  }
  if (errors.length) throw new AppError('iqc.invalidQuery', {}, errors);
  const rows = await runsForApi(db, scope.labId, { from, to, analyteId, instrument: q.instrument || undefined, after, limit: limit + 1 });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const ids = page.map((r) => r.id);
  const violations = new Map<number, { rule: string; levels: string[] }[]>();
  for (const v of await violationsOfRuns(db, ids)) {
    let list = violations.get(v.runId);
    if (!list) violations.set(v.runId, (list = []));
    list.push({ rule: v.rule, levels: v.levels });
  }
  const results = new Map<number, ApiRun['results']>();
  const collator = new Intl.Collator('en', { numeric: true });
  for (const r of (await resultsOfRuns(db, ids)).sort((a, b) => a.measuredAt - b.measuredAt || collator.compare(a.level, b.level))) {
    let list = results.get(r.runId);
    if (!list) results.set(r.runId, (list = []));
    list.push({ level: r.level, lot: r.lot, ...valueFields(r), z: r.z, measuredAt: new Date(r.measuredAt).toISOString(), ...exclusionFields(r) });
  }
  const last = page.at(-1);
  return {
    runs: page.map((r) => ({
      runId: r.id,
      analyte: r.analyte,
      instrument: r.instrument,
      startedAt: new Date(r.measuredAt).toISOString(),
      status: r.status,
      violations: violations.get(r.id) ?? [],
      results: results.get(r.id) ?? [],
    })),
    next: more && last ? `${last.measuredAt}.${last.id}` : null,
  };
}

/** A result's value as the API gives it: the number, or a categorical item's category code with its
 * signal (S/CO, null when none was sent). */
function valueFields(r: { value: number; category: string | null; signal: number | null }): { value: number | string; signal?: number | null } {
  return r.category !== null ? { value: r.category, signal: r.signal } : { value: r.value };
}

/** The common filters of the read API: `from`/`to` (default the 30 days before `to`, `to` default
 * now) and an analyte code; unreadable ones as field errors. */
async function apiQuery(db: DB, q: { analyte?: string | null; from?: string | null; to?: string | null }, now: number) {
  const { from, to, errors } = readRange(q, now, 30, 'value.notDate');
  let analyteId: number | undefined;
  if (q.analyte) {
    analyteId = (await findAnalyteByCode(db, q.analyte.trim().toUpperCase()))?.id;
    if (analyteId === undefined) errors.push(fieldError('analyte.unknownCode', { code: String(q.analyte) }, 'analyte'));
  }
  return { from, to, analyteId, errors };
}

/** The query of `GET /api/v1/iqc/results` as it came (validated by {@link resultsForApiView}). */
export interface ResultsQuery {
  lab?: string | null;
  analyte?: string | null;
  from?: string | null;
  to?: string | null;
  limit?: string | null;
  cursor?: string | null;
}

/** Most results `GET /api/v1/iqc/results` answers at once; the rest follow a cursor. */
export const RESULTS_MAX = 50_000;

/**
 * `GET /api/v1/iqc/results?analyte=&from=&to=[&lab=][&limit=][&cursor=]`: results with their run
 * verdicts in time order (default: the last 30 days), at most `limit` (default and max 50,000).
 * A page ends before the first time it cannot hold whole, and `next` (else null) is that time in
 * milliseconds: the next page is the same query with `cursor=` it (never a result twice or lost,
 * whatever the order within a time).
 */
export async function resultsForApiView(db: DB, actor: Actor, q: ResultsQuery, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  const { from, to, analyteId, errors } = await apiQuery(db, q, now);
  const limit = q.limit ? Number(q.limit) : RESULTS_MAX;
  if (!Number.isInteger(limit) || limit < 1 || limit > RESULTS_MAX) errors.push(fieldError('iqc.limitRange', { max: RESULTS_MAX }, 'limit'));
  const cursor = q.cursor ? Number(q.cursor) : undefined;
  if (cursor !== undefined && (!/^\d+$/.test(q.cursor!) || !Number.isSafeInteger(cursor))) errors.push(fieldError('iqc.badCursor', {}, 'cursor'));
  if (errors.length) throw new AppError('iqc.invalidQuery', {}, errors);
  const start = Math.max(from, cursor ?? from);
  let rows = await resultsForApi(db, scope.labId, start, to, analyteId, limit + 1);
  let next: string | null = null;
  if (rows.length > limit) {
    const cut = rows[limit].measuredAt;
    rows = rows.filter((r) => r.measuredAt < cut);
    // more results at one time than a page holds (never from an instrument): that time whole
    if (!rows.length) rows = await resultsForApi(db, scope.labId, cut, cut + 1, analyteId, Number.MAX_SAFE_INTEGER);
    next = String(rows.length && rows.at(-1)!.measuredAt === cut ? cut + 1 : cut);
  }
  return {
    results: rows.map(({ category, signal, excluded, excludedReason, ...r }) => ({
      ...r,
      ...valueFields({ value: r.value, category, signal }),
      instrument: r.instrument || undefined,
      measuredAt: new Date(r.measuredAt).toISOString(),
      ...exclusionFields({ excluded, excludedReason }),
    })),
    next,
  };
}
