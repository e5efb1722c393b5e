// EQA submissions (lab manager): one value per sample × analyte with method and instrument, by form,
// CSV or API. All rows are validated first (every bad row reported with its line and field, nothing
// written); then one all-or-nothing transaction. Resubmission adds a version; the latest counts.
import type { Conn, DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { findLabByCodeAnyCase } from '@/db/queries/labs';
import {
  currentSubmissionsOfLab,
  insertSubmissions,
  takesPart,
  labIqcTargets,
  roundRowForSubmission,
  roundSamples,
  supersedeSubmission,
} from '@/db/queries/eqa';
import type { IngestSource } from '@/db/enums';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { formulaError, looksLikeFormula, parseCsv, toCsv } from '@/lib/csv';
import { AppError, type FieldError, fieldError } from '@/lib/errors';
import { describe, roundForDecision } from '@/lib/stats';
import { readItemValue, type ItemShape } from '@/lib/catalogue/kinds';
import { submissionBody, submissionRow, type SubmissionRow } from '@/lib/validation/eqa';
import { csvText, parseJsonBody, utf8Text } from '@/lib/body';
import { charsetOf } from '@/lib/text-encoding';
import { zodFieldErrors } from '@/lib/validation/errors';
import { acceptsSubmissions, loadRound, type ClockOptions, type LoadedRound, roundAnalytes } from './access';
import { withTx } from '@/db/tx';

export const SUBMISSION_CSV_COLUMNS = ['sample', 'analyte', 'value', 'method', 'instrument'] as const;

/** A row as received, with the line a person would look for (CSV line, or array index + 1). */
export interface RawRow {
  line: number;
  values: unknown;
}

export interface SubmissionInput {
  roundCode: string;
  rows: RawRow[];
  source: IngestSource;
}

export interface SanityWarning {
  row: number;
  sample: string;
  analyte: string;
  value: number;
  kind: 'outside_iqc_range' | 'decimal_slip' | 'not_positive';
  /** the range the value was compared with, when there is one */
  range?: [number, number];
}

/** CSV text → raw rows (header required: sample, analyte, value; method and instrument optional). */
export function rowsFromCsv(text: string): RawRow[] {
  return parseCsv(text, ['sample', 'analyte', 'value']).map((r) => ({ line: r.line, values: r.values }));
}

/** JSON `{ results: [...] }` elements → raw rows (line = index + 1). */
export function rowsFromJson(results: unknown[]): RawRow[] {
  return results.map((values, i) => ({ line: i + 1, values }));
}

/** A submission as `POST /api/v1/eqa/rounds/{round}/submissions` receives it: the body's media type
 * and bytes, read by the request thread; parsed and submitted by {@link submitPosted} (a job worker
 * in the production server: lib/jobs.ts `eqa.post`). */
export interface PostedSubmission {
  roundCode: string;
  type: string;
  body: Uint8Array;
  /** the lab `?lab=` names, if any: only the caller's own lab is taken */
  lab?: string | null;
}

/** The API's submission: CSV (text/csv or text/plain) or JSON `{ results: [...] }`, then {@link submitResults}. */
export async function submitPosted(db: DB, actor: Actor, posted: PostedSubmission) {
  const { roundCode, type } = posted;
  const media = type.toLowerCase();
  const csv = media.includes('text/csv') || media.includes('application/csv') || media.includes('text/plain');
  let rows: RawRow[];
  await refuseOtherLab(db, actor, posted.lab);
  if (csv) rows = rowsFromCsv(csvText(posted.body, charsetOf(type)));
  else {
    const json = parseJsonBody(utf8Text(posted.body));
    // a body naming another lab is refused (403) before its rows are looked at, as the IQC API does
    const named = (json as { lab?: unknown } | null)?.lab;
    await refuseOtherLab(db, actor, labCodeOf(named));
    const parsed = submissionBody.safeParse(json);
    if (!parsed.success) throw new AppError('body.invalid', {}, zodFieldErrors(parsed.error));
    rows = rowsFromJson(parsed.data.results);
  }
  // a lab named by a row or a CSV column is the caller's own too
  for (const code of new Set(rows.map((r) => labCodeOf((r.values as { lab?: unknown } | null)?.lab)))) await refuseOtherLab(db, actor, code);
  return await submitResults(db, actor, { roundCode, rows, source: csv ? 'csv' : 'api' });
}

/** A lab named in a body, as text: a code, or what was given in its place (a list names no lab of ours). */
const labCodeOf = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

/** A lab code a submission names (`?lab=` or the body's `lab`): only the caller's own lab. A client
 * that means another lab must not have its values stored as the caller's own (a 201 for the wrong lab). */
async function refuseOtherLab(db: DB, actor: Actor, code: string | null | undefined): Promise<void> {
  const named = code?.trim();
  if (!named) return;
  // a code in small letters names the lab, as everywhere
  const lab = await findLabByCodeAnyCase(db, named);
  if (!lab) throw new AppError('lab.notFound', { lab: named });
  if (!can(actor, 'eqaSubmission.write', { labId: lab.lab.id })) throw new AppError('eqa.ownLabOnly');
}

interface Prepared {
  r: LoadedRound;
  labId: number;
  /** `value`: the number, or for a categorical item the category's grade; `category`: its canonical code */
  rows: (Omit<SubmissionRow, 'value'> & { value: number; category: string | null; line: number; sampleId: number; analyteId: number; analyteCode: string })[];
}

/** The sample and analyte of a row whose other fields may be wrong (a duplicate is named anyway). */
const samplePlace = submissionRow.pick({ sample: true, analyte: true });

async function prepare(db: Conn, actor: Actor, input: SubmissionInput, now: number): Promise<Prepared> {
  const loaded = await loadRound(db, String(input.roundCode ?? ''));
  const locked = await roundRowForSubmission(db, loaded.round.id);
  const r = locked ? { ...loaded, round: { ...loaded.round, ...locked } } : loaded;
  const scope = scopeOf(actor);
  const labId = scope.kind === 'lab' ? scope.labId : null;
  if (!labId || !can(actor, 'eqaSubmission.write', { labId })) {
    throw new AppError('eqa.managerSubmitsOnly');
  }
  if (r.round.status === 'draft' || !await takesPart(db, r.scheme.id, labId, r.round)) throw new AppError('eqa.notParticipating');
  if (!acceptsSubmissions(r.round, now)) {
    throw new AppError(now < r.round.opensAt && r.round.status === 'open' ? 'round.notOpenYet' : 'round.closedForSubmissions', { round: r.round.code });
  }
  if (!input.rows.length) throw new AppError('eqa.noResults', {}, [fieldError('eqa.noResultsToSubmit', {}, '(file)', 1)]);

  const samples = new Map((await roundSamples(db, r.round.id)).map((s) => [s.code, s.id]));
  const shapes = new Map<string, ItemShape & { analyteId: number }>((await roundAnalytes(db, r)).map((a) => [a.code, { code: a.code, kind: a.kind, categories: a.categories, analyteId: a.analyteId }]));
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  const rows: Prepared['rows'] = [];
  for (const raw of input.rows) {
    const v = (raw.values ?? {}) as Record<string, unknown>;
    for (const f of ['sample', 'analyte'] as const) {
      if (typeof v[f] === 'string' && looksLikeFormula(v[f] as string)) errors.push(formulaError(raw.line, f));
    }
    const parsed = submissionRow.safeParse(v);
    // a sample × analyte given twice is reported whether or not the first one's value was readable
    const place = parsed.success ? parsed.data : samplePlace.safeParse(v).data;
    const sampleId = place && samples.get(place.sample);
    const analyteCode = place?.analyte.toUpperCase() ?? '';
    const item = shapes.get(analyteCode);
    const analyteId = item?.analyteId;
    const key = sampleId && analyteId ? `${sampleId}:${analyteId}` : null;
    const first = key ? seen.get(key) : undefined;
    if (key && first === undefined) seen.set(key, raw.line);
    if (!parsed.success) {
      errors.push(...zodFieldErrors(parsed.error, raw.line));
      if (first !== undefined) errors.push(fieldError('eqa.duplicateRow', { sample: place!.sample, analyte: analyteCode, line: first }, 'sample', raw.line));
      continue;
    }
    const row = parsed.data;
    if (!sampleId) errors.push(fieldError('eqa.sampleNotInRound', { sample: row.sample, round: r.round.code }, 'sample', raw.line));
    if (!analyteId) errors.push(fieldError('eqa.analyteNotGraded', { analyte: row.analyte, round: r.round.code }, 'analyte', raw.line));
    if (first !== undefined) {
      errors.push(fieldError('eqa.duplicateRow', { sample: row.sample, analyte: analyteCode, line: first }, 'sample', raw.line));
      continue;
    }
    // a number for quantitative items, one of the item's category codes for the others (DOMAIN §2)
    const read = item ? readItemValue(item, row.value) : null;
    if (read && !read.ok) errors.push(fieldError(read.reason, read.params, 'value', raw.line));
    if (!sampleId || !item || !analyteId || !read?.ok) continue;
    const answer = read.value;
    rows.push({ ...row, value: answer.kind === 'number' ? answer.value : answer.grade, category: answer.kind === 'category' ? answer.category : null, line: raw.line, sampleId, analyteId, analyteCode });
  }
  if (errors.length) throw new AppError('eqa.nothingSaved', { n: errors.length }, errors);
  return { r, labId, rows };
}

/**
 * Plausibility warnings (never blocking), decided with what a lab may know:
 * - the lab's own IQC: outside [min(mean − 4 SD), max(mean + 4 SD)] of its current targets for the
 *   analyte → `outside_iqc_range`, or `decimal_slip` when ×10, ÷10, ×1000 or ÷1000 would bring it
 *   inside;
 * - without IQC targets: a value ≥ 8× or ≤ ⅛ of the median of the lab's other samples of the same
 *   analyte in this submission (at least 2 others) → `decimal_slip`;
 * - a value ≤ 0 → `not_positive` (concentrations and activities are positive).
 */
async function sanityWarnings(db: Conn, labId: number, rows: Prepared['rows']): Promise<SanityWarning[]> {
  const targets = await labIqcTargets(db, labId, [...new Set(rows.filter((r) => r.category === null).map((r) => r.analyteId))]);
  const ranges = new Map<number, [number, number]>();
  for (const t of targets) {
    // rounded as verdicts are: 5.3 − 4 × 0.15 is 4.699999999999999, shown to the lab and compared
    const lo = roundForDecision(t.mean - 4 * t.sd);
    const hi = roundForDecision(t.mean + 4 * t.sd);
    const cur = ranges.get(t.analyteId);
    ranges.set(t.analyteId, cur ? [Math.min(cur[0], lo), Math.max(cur[1], hi)] : [lo, hi]);
  }
  const byAnalyte = new Map<number, number[]>();
  // categorical answers (a grade in `value`) have no plausibility range
  const numeric = rows.filter((r) => r.category === null);
  for (const r of numeric) byAnalyte.set(r.analyteId, [...(byAnalyte.get(r.analyteId) ?? []), r.value]);
  const out: SanityWarning[] = [];
  for (const r of numeric) {
    const base = { row: r.line, sample: r.sample, analyte: r.analyteCode, value: r.value };
    if (r.value <= 0) {
      out.push({ ...base, kind: 'not_positive' });
      continue;
    }
    const range = ranges.get(r.analyteId);
    if (range) {
      const inside = (x: number) => x >= range[0] && x <= range[1];
      if (!inside(r.value)) {
        const slip = [10, 0.1, 1000, 0.001].some((f) => inside(r.value * f));
        out.push({ ...base, kind: slip ? 'decimal_slip' : 'outside_iqc_range', range });
      }
      continue;
    }
    const others = (byAnalyte.get(r.analyteId) ?? []).filter((v) => v !== r.value && v > 0);
    if (others.length >= 2) {
      const m = describe(others).median;
      if (r.value >= 8 * m || r.value <= m / 8) out.push({ ...base, kind: 'decimal_slip' });
    }
  }
  return out;
}

/** Validate and return the warnings a submission would raise, writing nothing. */
export async function checkSubmission(db: DB, actor: Actor, input: SubmissionInput, opts: ClockOptions = {}) {
  const p = await prepare(db, actor, input, opts.now ?? Date.now());
  return { rows: p.rows.length, warnings: await sanityWarnings(db, p.labId, p.rows) };
}

/**
 * Save a lab's results for an open round. Refuses (nothing written): 403 when the actor's lab does
 * not take part, 409 outside the submission window, 422 listing every bad row. A value identical to
 * the current one (same method and instrument) is left as is; a different one adds a new version.
 */
export async function submitResults(db: DB, actor: Actor, input: SubmissionInput, opts: ClockOptions = {}) {
  return await withTx(db, async (tx) => {
    // the time once the write lock is held: a submission that waited for it past the deadline is late
    const now = opts.now ?? Date.now();
    const p = await prepare(tx, actor, input, now);
    const warnings = await sanityWarnings(tx, p.labId, p.rows);
    const current = new Map((await currentSubmissionsOfLab(tx, p.r.round.id, p.labId)).map((s) => [`${s.sampleId}:${s.analyteId}`, s]));
    let created = 0;
    let revised = 0;
    let unchanged = 0;
    const inserts: Parameters<typeof insertSubmissions>[1] = [];
    for (const row of p.rows) {
      const method = row.method ?? '';
      const instrument = row.instrument ?? '';
      const prev = current.get(`${row.sampleId}:${row.analyteId}`);
      if (prev && prev.value === row.value && (prev.category ?? null) === row.category && prev.method === method && prev.instrument === instrument) {
        unchanged++;
        continue;
      }
      if (prev) {
        await supersedeSubmission(tx, prev.id);
        revised++;
      } else created++;
      inserts.push({
        roundId: p.r.round.id,
        labId: p.labId,
        sampleId: row.sampleId,
        analyteId: row.analyteId,
        value: row.value,
        category: row.category,
        method,
        instrument,
        version: prev ? prev.version + 1 : 1,
        current: true,
        source: input.source,
        submittedBy: actor.userId,
        submittedAt: now,
      });
    }
    await insertSubmissions(tx, inserts);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'eqa.submission.save',
      entityType: 'eqa_round',
      entityId: p.r.round.id,
      labId: p.labId,
      regionId: p.r.scheme.regionId,
      details: { round: p.r.round.code, source: input.source, created, revised, unchanged, warnings: warnings.length },
      at: now,
    });
    return { round: p.r.round.code, created, revised, unchanged, warnings };
    // IMMEDIATE: take the write lock before reading (several connections write: job workers, scripts)
  }, { behavior: 'immediate' });
}

/** A CSV template for the lab: every sample × analyte, with its current values when it has some. */
export async function submissionTemplateCsv(db: DB, actor: Actor, roundCode: string): Promise<string> {
  const r = await loadRound(db, roundCode);
  const scope = scopeOf(actor);
  const labId = scope.kind === 'lab' && can(actor, 'eqaSubmission.write', { labId: scope.labId }) ? scope.labId : null;
  if (!labId || !await takesPart(db, r.scheme.id, labId, r.round) || r.round.status === 'draft') {
    throw new AppError('eqa.notParticipating');
  }
  const current = new Map((await currentSubmissionsOfLab(db, r.round.id, labId)).map((s) => [`${s.sampleId}:${s.analyteId}`, s]));
  const analytes = await roundAnalytes(db, r);
  const rows: unknown[][] = [];
  for (const a of analytes) {
    for (const s of await roundSamples(db, r.round.id)) {
      const c = current.get(`${s.id}:${a.analyteId}`);
      rows.push([s.code, a.code, c?.category ?? c?.value ?? '', c?.method ?? '', c?.instrument ?? '']);
    }
  }
  return toCsv(SUBMISSION_CSV_COLUMNS, rows);
}

/** What the lab's round page gets back: warnings to confirm, or what was saved. */
export interface PageSubmitResult {
  needsConfirm?: boolean;
  warnings: SanityWarning[];
  saved?: { created: number; revised: number; unchanged: number };
}

/**
 * The round page's form or CSV file, whole: read the rows (a CSV is parsed here), check them and,
 * unless there are warnings still to confirm, save them. Runs in a job worker (lib/jobs.ts): a form
 * of 20,000 fields or a large file kept the request thread for seconds.
 */
export async function submitFromPage(db: DB, actor: Actor, input: { roundCode: string; rows?: RawRow[]; csv?: string; source: 'manual' | 'csv'; confirmed: boolean }, opts: ClockOptions = {}): Promise<PageSubmitResult> {
  const rows = input.csv !== undefined ? rowsFromCsv(input.csv) : input.rows ?? [];
  const submission = { roundCode: input.roundCode, rows, source: input.source };
  if (!input.confirmed) {
    const check = await checkSubmission(db, actor, submission, opts);
    if (check.warnings.length) return { needsConfirm: true, warnings: check.warnings };
  }
  const out = await submitResults(db, actor, submission, opts);
  return { warnings: out.warnings, saved: { created: out.created, revised: out.revised, unchanged: out.unchanged } };
}
