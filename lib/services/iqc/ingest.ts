// Entering IQC results: the one use case behind the entry grid, the CSV import, the LIS API and the
// demo seed. Validate every row first (errors by row and field, nothing written on any error), then
// one transaction: lots, results, run verdicts, violations, corrective actions, one audit entry.
import type { DB } from '@/db/client';
import type { AnalyteKind, IngestSource, ItemCategory } from '@/db/enums';
import { findLabByCode, findLabScope } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { iqcStatements, type IqcStatements } from '@/db/queries/iqc-ingest';
import { iqcDailyBatch } from '@/db/queries/daily-iqc-refresh';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError, type FieldError, fieldError, zodIssueError, type ZodIssueLike } from '@/lib/errors';
import { iqcResultInput, iqcValueInput, readIqcResult, type IqcResultInput, type MeasuredAtMemo } from '@/lib/validation/iqc';
import { readItemValue, type ItemShape } from '@/lib/catalogue/kinds';
import { createNewLots, evaluatePlan, loadLabContext, planBatch, readPlanContext, resentOriginals, selectorFor, valuesBeyondTargets, writePlan, type PlannedValue, type RunOutcome, type WriteSummary } from './engine';
import { withTx } from '@/db/tx';
import { dialectOf } from '@/db/dialect';
import { pgIqcStatements } from '@/db/pg/iqc-ingest';
import { prefetchCatalogue } from '@/db/pg/iqc-ingest-prefetch';
import { MAX_CONTEXT_RUNS } from './series';
import { valuesAfterExpiry } from './lot-expiry';

export interface IngestOptions {
  source: IngestSource;
  /** the clock (tests and the seed pass one) */
  now?: number;
  /** validate and plan only: report errors and counts, write nothing */
  dryRun?: boolean;
  /** the input row number of each result (CSV lines); default index + 1 */
  rows?: readonly number[];
  /** how a field is named in the caller's format (CSV columns) */
  fieldNames?: Partial<Record<string, string>>;
  /** leave the per-run list out of the outcome (bulk imports) */
  omitRuns?: boolean;
}

export interface IngestOutcome {
  inserted: number;
  /** results already stored (same lab, analyte, level, lot, time and value): not counted twice */
  skipped: number;
  runs: { runId: number; analyte: string; instrument: string; measuredAt: string; status: string; violations: { rule: string; levels: string[] }[] }[];
  runCount: number;
  /** rejected runs among `runs`, and stored later runs this post turned rejected (a run rejected
   * before and judged again unchanged is not counted) */
  rejected: number;
  /** stored later runs whose verdict changed because of back-dated results */
  reevaluated: number;
  newLots: number;
  dryRun: boolean;
}

export interface IngestInput {
  /** lab code; default the actor's own lab */
  lab?: string | null;
  results: readonly unknown[] | ResultRows;
}

/** Results given one at a time (a CSV file's lines, each built as it is visited and dropped after). */
export interface ResultRows {
  readonly length: number;
  forEach(visit: (raw: unknown, i: number) => void): void;
}

/** A lab a write goes to, authorized (resolveWritableLab). */
export interface LabScope {
  labId: number;
  regionPath: string;
}

/** The lab a write goes to, authorized: the actor's own lab unless a code is given; 403 otherwise. */
export async function resolveWritableLab(db: DB, actor: Actor, labCode: string | null | undefined, permission: 'iqc.write' | 'iqcTarget.manage' = 'iqc.write'): Promise<LabScope> {
  const own = scopeOf(actor);
  let labId = own.kind === 'lab' ? own.labId : null;
  if (labCode) {
    const lab = await findLabByCode(db, labCode);
    if (!lab) {
      if (!can(actor, permission)) throw new AppError('iqc.enterNotAllowed');
      throw new AppError('lab.notFound', { lab: labCode });
    }
    labId = lab.lab.id;
  }
  const scope = labId ? await findLabScope(db, labId) : undefined;
  if (!scope || !can(actor, permission, scope)) throw new AppError('iqc.ownLabOnly');
  return scope;
}

/** Analyte code → id, TEa % and the categorical items' shapes (one read per ingest, through the
 * ingest path's prepared statement). */
async function catalogue(db: DB) {
  const byCode = new Map<string, number>();
  const tea = new Map<number, number | null>();
  const categorical = new Map<number, ItemShape>();
  for (const r of dialectOf(db) === 'pg' ? await prefetchCatalogue(db) : (await iqcStatements(db)).catalogue.all()) {
    if (r.active) byCode.set(r.code, r.id);
    tea.set(r.id, r.teaPercent);
    if (r.kind !== 'quantitative') {
      categorical.set(r.id, { code: r.code, kind: r.kind as AnalyteKind, categories: r.categories === null ? null : (JSON.parse(r.categories) as ItemCategory[]) });
    }
  }
  return { byCode, tea, categorical };
}

/** For a row whose analyte is unknown: its value is reported as not a number unless it is a number
 * or some categorical item's category code or alias (then the analyte error says it all). */
function unknownItemValueError(cat: Awaited<ReturnType<typeof catalogue>>, raw: unknown, field: string, row: number): FieldError | null {
  const v = iqcValueInput.shape.value.safeParse(raw);
  if (!v.success || typeof v.data === 'number') return null;
  const text = v.data.toLowerCase();
  for (const item of cat.categorical.values()) {
    for (const c of item.categories ?? []) if (c.code.toLowerCase() === text || c.aliases?.some((a) => a.toLowerCase() === text)) return null;
  }
  return fieldError('value.notNumber', {}, field, row);
}

/** A result's value read for its item: a number for a quantitative item (without a signal); for a
 * categorical one its category (readItemValue) with the optional signal, `value` being the signal
 * when sent, else the category's grade. Field errors otherwise. */
function readValue(item: ItemShape | undefined, code: string, raw: number | string, signal: number | null, field: (f: string) => string, row: number): { value: number; category: string | null; signal: number | null } | FieldError[] {
  if (!item) {
    const errors: FieldError[] = [];
    if (typeof raw !== 'number') errors.push(fieldError('value.notNumber', {}, field('value'), row));
    if (signal !== null) errors.push(fieldError('iqc.signalNotCategorical', { analyte: code }, field('signal'), row));
    return errors.length ? errors : { value: raw as number, category: null, signal: null };
  }
  const read = readItemValue(item, raw);
  if (!read.ok) return [fieldError(read.reason, read.params, field('value'), row)];
  if (read.value.kind !== 'category') return [fieldError('value.categoryNotNumber', { analyte: code, codes: (item.categories ?? []).map((c) => c.code).join(', ') }, field('value'), row)];
  return { value: signal ?? read.value.grade, category: read.value.category, signal };
}

/** The errors of a row the schema refused (its issues), with an unknown analyte and a value of the
 * wrong kind for its item reported too, so that each row shows all its problems at once. */
function badRowErrors(cat: Awaited<ReturnType<typeof catalogue>>, raw: unknown, issues: readonly ZodIssueLike[], fieldOf: (f: string) => string, row: number): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) errors.push({ ...zodIssueError(issue, row), field: fieldOf(String(issue.path[0] ?? '(row)')) });
  const code = (raw as { analyte?: unknown } | null)?.analyte;
  const known = typeof code === 'string' ? cat.byCode.get(code.trim().toUpperCase()) : undefined;
  if (typeof code === 'string' && code.trim() && !issues.some((i) => i.path[0] === 'analyte') && known === undefined) {
    errors.push(fieldError('analyte.unknownCode', { code: code.trim().toUpperCase() }, fieldOf('analyte'), row));
    const bad = issues.some((i) => i.path[0] === 'value') ? null : unknownItemValueError(cat, (raw as { value?: unknown }).value, fieldOf('value'), row);
    if (bad) errors.push(bad);
  }
  const v = known !== undefined && !issues.some((i) => i.path[0] === 'value' || i.path[0] === 'signal') ? iqcValueInput.safeParse(raw) : null;
  if (v?.success) {
    const read = readValue(cat.categorical.get(known!), String(code).trim().toUpperCase(), v.data.value, v.data.signal, fieldOf, row);
    if (Array.isArray(read)) errors.push(...read);
  }
  return errors;
}

/**
 * Validate and store control results of one lab. Refuses (AppError): 403 for another lab or a role
 * without `iqc.write`; 422 with every bad row (row, field, message) and nothing written.
 */
export async function ingestResults(db: DB, actor: Actor, input: IngestInput, opts: IngestOptions): Promise<IngestOutcome> {
  return await ingestResultsOfLab(db, actor, await resolveWritableLab(db, actor, input.lab), input, opts);
}

/** {@link ingestResults} into the lab the caller already resolved with {@link resolveWritableLab}
 * for `input.lab` (the CSV import refuses before reading the file). */
export async function ingestResultsOfLab(db: DB, actor: Actor, scope: LabScope, input: IngestInput, opts: IngestOptions): Promise<IngestOutcome> {
  const now = opts.now ?? Date.now();
  const names = opts.fieldNames ?? {};
  const fieldOf = (f: string) => names[f] ?? f;
  // rows are read without zod when valid; the schema (built on the first bad row) reports problems
  const memo: MeasuredAtMemo = { text: undefined, time: NaN };
  let schema: ReturnType<typeof iqcResultInput> | undefined;
  const scratch: IqcResultInput = { analyte: '', level: '', lot: '', value: 0, signal: null, measuredAt: 0, instrument: '', operator: '', run: '' };
  const cat = await catalogue(db);
  const errors: FieldError[] = [];
  const values: PlannedValue[] = [];
  if (!input.results.length) throw new AppError('iqc.noResults', {}, [fieldError('iqc.noResults', {}, '(file)', 1)]);
  input.results.forEach((raw, i) => {
    const row = opts.rows?.[i] ?? i + 1;
    let data: IqcResultInput | null = readIqcResult(raw, now, memo, scratch);
    if (!data) {
      const r = (schema ??= iqcResultInput(now)).safeParse(raw);
      if (!r.success) {
        errors.push(...badRowErrors(cat, raw, r.error.issues as unknown as ZodIssueLike[], fieldOf, row));
        return;
      }
      data = r.data;
    }
    const analyteId = cat.byCode.get(data.analyte);
    if (analyteId === undefined) {
      errors.push(fieldError('analyte.unknownCode', { code: data.analyte }, fieldOf('analyte'), row));
      const bad = unknownItemValueError(cat, data.value, fieldOf('value'), row);
      if (bad) errors.push(bad);
      return;
    }
    const item = cat.categorical.get(analyteId);
    if (!item && typeof data.value === 'number' && data.signal === null) {
      // a quantitative item's number (readValue's answer without building it)
      values.push({ row, analyteId, analyteCode: data.analyte, level: data.level, lot: data.lot, instrument: data.instrument, value: data.value, category: null, signal: null, measuredAt: data.measuredAt, operator: data.operator, run: data.run || null });
      return;
    }
    const read = readValue(item, data.analyte, data.value, data.signal, fieldOf, row);
    if (Array.isArray(read)) {
      errors.push(...read);
      return;
    }
    values.push({ row, analyteId, analyteCode: data.analyte, level: data.level, lot: data.lot, instrument: data.instrument, value: read.value, category: read.category, signal: read.signal, measuredAt: data.measuredAt, operator: data.operator, run: data.run || null });
  });
  if (errors.length) throw new AppError('iqc.invalidResults', {}, errors);

  const onPg = dialectOf(db) === 'pg';
  const sqliteStatements = onPg ? null : await iqcStatements(db);
  // without SQLite's per-row foreign-key lookups (four per result, three per run, a fifth of a bulk
  // ingest's time): every row written references rows this transaction wrote or read under the write
  // lock, or the lab, the actor and the analytes, which checkReferencedRows checks once per batch; a
  // run merged away is deleted only when nothing references it (write.ts)
  return await withTx(db, async (tx) => {
    // PostgreSQL: the statements answer from rows loaded per batch and queue the writes (db/pg/iqc-ingest.ts)
    const pg = onPg ? await pgIqcStatements(tx, scope.labId) : null;
    const s = pg ? (pg as unknown as IqcStatements) : sqliteStatements!;
    if (!pg) checkReferencedRows(s, scope.labId, actor.userId, values);
    const ctx = await loadLabContext(tx, scope.labId, cat.tea);
    // read under the writer lock: an expiry moved meanwhile is the one judged
    const expired = valuesAfterExpiry(ctx, values, fieldOf);
    await pg?.loadPlanning(values, ctx.runWindowMs);
    const plans = await planBatch(tx, ctx, values, errors, fieldOf);
    if (errors.length) await resentOriginals(tx, scope.labId, plans, errors);
    // every row's problems at once, in row order
    const invalid = [...valuesBeyondTargets(ctx, plans, fieldOf), ...expired];
    const byRow = (a: FieldError, b: FieldError) => (a.row ?? 0) - (b.row ?? 0);
    if (errors.length) throw new AppError('iqc.conflictingResults', {}, [...errors, ...invalid].sort(byRow));
    if (invalid.length) throw new AppError('iqc.invalidResults', {}, invalid.sort(byRow));
    const inserted = plans.reduce((n, p) => n + p.inserted, 0);
    const skipped = plans.reduce((n, p) => n + p.skipped, 0);
    // planning only reads: a dry run (CSV preview) stops here with nothing written
    if (opts.dryRun) return { inserted, skipped, runs: [], runCount: 0, rejected: 0, reevaluated: 0, newLots: ctx.newLots.size, dryRun: true };
    await pg?.loadWriting(plans, ctx.newLots.size, MAX_CONTEXT_RUNS, readPlanContext);
    const newLots = createNewLots(s, ctx, plans, now);
    const selector = await selectorFor(tx, ctx);
    const outcomes: RunOutcome[] = [];
    const reevaluated: number[] = [];
    const regrouped: Pick<WriteSummary, 'removedRuns' | 'withdrawnActions'> & { movedResults: number } = { movedResults: 0, removedRuns: [], withdrawnActions: [] };
    let rejected = 0;
    // the daily aggregates of every written series, refreshed together before the audit entry
    const daily = iqcDailyBatch(s);
    for (const plan of plans) {
      if (!plan.inserted) continue;
      evaluatePlan(s, ctx, plan, selector);
      const w = writePlan(s, ctx, plan, { actorId: actor.userId, source: opts.source, now }, outcomes, undefined, daily);
      reevaluated.push(...w.reevaluated);
      rejected += w.rejected;
      regrouped.movedResults += w.movedResults;
      regrouped.removedRuns.push(...w.removedRuns);
      regrouped.withdrawnActions.push(...w.withdrawnActions);
    }
    daily.flush();
    // PostgreSQL: the queued writes, then the daily aggregates of their series and days
    await pg?.flush();
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.results.ingest',
      entityType: 'lab',
      entityId: scope.labId,
      labId: scope.labId,
      details: {
        source: opts.source,
        via: actor.via,
        inserted,
        skipped,
        runs: outcomes.length,
        rejected,
        newLots,
        reevaluatedRuns: reevaluated.slice(0, 100),
        // late results placed in order: results moved between runs, runs merged away (and what
        // became of their corrective action), open actions withdrawn because a run is no longer rejected
        ...(regrouped.movedResults || regrouped.removedRuns.length || regrouped.withdrawnActions.length
          ? { movedResults: regrouped.movedResults, removedRuns: regrouped.removedRuns.slice(0, 100), withdrawnActions: regrouped.withdrawnActions.slice(0, 100) }
          : {}),
      },
      at: now,
    });
    return {
      inserted,
      skipped,
      runs: opts.omitRuns ? [] : runsAnswer(outcomes),
      runCount: outcomes.length,
      rejected,
      reevaluated: reevaluated.length,
      newLots,
      dryRun: false,
    };
    // IMMEDIATE: wait for the write lock (on timers, db/tx.ts) before reading, instead of failing when
    // another connection (a job worker, a script) writes between this transaction's reads and writes
  }, { behavior: 'immediate', skipForeignKeyChecks: true });
}

/** The runs of the answer, times as ISO text (the runs of a batch share few times: each converted once). */
function runsAnswer(outcomes: readonly RunOutcome[]): IngestOutcome['runs'] {
  const iso = new Map<number, string>();
  return outcomes.map((o) => {
    let measuredAt = iso.get(o.measuredAt);
    if (measuredAt === undefined) iso.set(o.measuredAt, (measuredAt = new Date(o.measuredAt).toISOString()));
    return { runId: o.runId, analyte: o.analyte, instrument: o.instrument, measuredAt, status: o.status, violations: o.violations };
  });
}

/** The lab, the actor and the analytes an ingest's rows reference exist (SQLite would refuse the
 * rows otherwise, and does when its checks are on). */
function checkReferencedRows(s: IqcStatements, labId: number, userId: number | null, values: readonly PlannedValue[]): void {
  const analytes = new Set<number>();
  for (const v of values) analytes.add(v.analyteId);
  const [lab, user, found] = s.referencedRows.get(labId, userId, userId, JSON.stringify([...analytes]))!;
  if (!lab || !user || found !== analytes.size) throw new Error('FOREIGN KEY constraint failed: the lab, the user or an analyte of the results does not exist');
}
