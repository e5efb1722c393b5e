// Correcting a stored control result: the old value stays (current = false), the new one is a new
// version with the reason, and the run and every later run of its series are re-evaluated.
// Excluding a result (with a reason) takes it out of the rules and statistics — it stays on the chart
// — and re-evaluates the series from its run on; including it again undoes that. All audited.
//
// Two edits of one result at once: the checks are made first (refusals without the write lock), then
// again on the result read inside the write transaction, where nobody else changes it until the
// commit (lockedResult). A correction names the version it corrects by its id: when that version is
// no longer current (corrected meanwhile) it is refused with iqc.resultCorrected (409), never a second
// current version or a fork in the chain; an exclusion of a superseded version with
// iqc.excludeCorrected, a second exclusion with iqc.alreadyExcluded; a correction keeps an exclusion
// committed just before it. Only current/excluded/run_id of a stored version ever change.
import type { DB } from '@/db/client';
import { analytes, iqcResults } from '@/db/schema';
import { findLabScope } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { findResult, findRun } from '@/db/queries/iqc';
import { iqcStatements } from '@/db/queries/iqc-ingest';
import { bulkInsert } from '@/db/bulk';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { correctResultInput, excludeResultInput, includeResultInput } from '@/lib/validation/iqc';
import { findAnalyteById } from '@/db/queries/analytes';
import { isCategorical, readItemValue } from '@/lib/catalogue/kinds';
import { zodFieldErrors } from '@/lib/validation/errors';
import { controlZ } from '@/lib/stats';
import { loadLabContext, reevaluateSeries, targetAt } from './engine';
import { withTx } from '@/db/tx';
import { dialectOf } from '@/db/dialect';
import { pgIqcStatements } from '@/db/pg/iqc-ingest';
import { pgLockResult, pgReplaceResult, pgSetExcluded } from '@/db/pg/iqc-results';

/**
 * The result as it is now, read inside the write transaction that changes it: on SQLite withTx holds
 * the database's write lock (BEGIN IMMEDIATE, the connection's turn); on PostgreSQL the lab's IQC
 * writers take turns and the row is locked first (db/pg/iqc-results.ts pgLockResult).
 */
async function lockedResult(tx: DB, labId: number, id: number) {
  if (dialectOf(tx) === 'pg') await pgLockResult(tx, labId, id);
  return (await findResult(tx, id))!;
}

export async function correctResult(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = correctResultInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid correction', zodFieldErrors(parsed.error));
  const { resultId, reason } = parsed.data;
  // the version as the caller saw it: its lab, item and values never change (a correction is a new
  // version), so the refusals that depend on them are made here
  const seen = await findResult(db, resultId);
  const scope = seen ? await findLabScope(db, seen.labId) : undefined;
  if (!seen || !scope || !can(actor, 'iqc.read', scope)) throw new AppError('iqc.resultNotFound');
  if (!can(actor, 'iqc.write', scope)) throw new AppError('iqc.correctNotAllowed');
  if (!seen.current) throw new AppError('iqc.resultCorrected');
  // a categorical item's reading is corrected as a category (with its signal): `value` is then the
  // signal when given, else the category's grade, as at ingest
  const item = (await findAnalyteById(db, seen.analyteId))!;
  let value: number;
  let category: string | null = null;
  let signal: number | null = null;
  if (isCategorical(item.kind)) {
    const read = readItemValue(item, parsed.data.value);
    if (!read.ok || read.value.kind !== 'category') throw AppError.invalid('Invalid correction', [read.ok ? fieldError('value.categoryNotNumber', { analyte: item.code, codes: (item.categories ?? []).map((c) => c.code).join(', ') }, 'value') : fieldError(read.reason, read.params, 'value')]);
    category = read.value.category;
    signal = parsed.data.signal;
    value = signal ?? read.value.grade;
    if (seen.category === category && seen.signal === signal) throw new AppError('iqc.nothingToCorrect', {}, [fieldError('value.unchanged', {}, 'value')]);
  } else {
    if (typeof parsed.data.value !== 'number') throw AppError.invalid('Invalid correction', [fieldError('value.notNumber', {}, 'value')]);
    if (parsed.data.signal !== null) throw AppError.invalid('Invalid correction', [fieldError('iqc.signalNotCategorical', { analyte: item.code }, 'signal')]);
    value = parsed.data.value;
    if (seen.value === value) throw new AppError('iqc.nothingToCorrect', {}, [fieldError('value.unchanged', {}, 'value')]);
  }
  const tea = await teaOf(db);
  const onPg = dialectOf(db) === 'pg';
  const s = onPg ? null : await iqcStatements(db);
  return await withTx(db, async (tx) => {
    // still the current version? (someone may have corrected it since it was read); its exclusion and
    // its run are read here too (an exclusion or an ingest that regrouped its run may have committed)
    const old = await lockedResult(tx, seen.labId, seen.id);
    if (!old.current) throw new AppError('iqc.resultCorrected');
    const run = (await findRun(tx, old.runId))!;
    // PostgreSQL: the engine's statements answer from rows loaded in this transaction (db/pg/iqc-ingest.ts)
    if (onPg) await pgIqcStatements(tx, old.labId);
    const ctx = await loadLabContext(tx, old.labId, tea);
    const target = targetAt(ctx.targets.get(old.controlLotId), old.measuredAt);
    // a categorical reading without a signal has no z (its value is its grade)
    const judged = target && (category === null || signal !== null) ? target : undefined;
    const z = judged ? controlZ(value, judged) : null;
    // the rules cannot judge a z that overflows (a value far off a target with a tiny SD)
    if (judged && z === null) throw AppError.invalid('Invalid correction', [fieldError('iqc.zNotFinite', { mean: judged.mean, sd: judged.sd }, category === null ? 'value' : 'signal')]);
    const next = { runId: old.runId, labId: old.labId, analyteId: old.analyteId, controlLotId: old.controlLotId, level: old.level, value, category, signal, measuredAt: old.measuredAt, targetId: z === null ? null : (target?.id ?? null), z, version: old.version + 1, supersedesId: old.id, reason, createdBy: actor.userId, createdAt: now };
    let newId: number;
    // a corrected value the lab had excluded stays excluded, with its reason
    if (onPg) newId = await pgReplaceResult(tx, old.id, next, old.excluded ? old.excludedReason : undefined);
    else {
      s!.retireResult.run(old.id);
      [newId] = bulkInsert(tx, iqcResults, [next]);
      if (old.excluded) s!.setExcluded.run(1, old.excludedReason, newId);
    }
    const w = await reevaluateSeries(tx, ctx, old.analyteId, run.instrument, run.measuredAt, { actorId: actor.userId, source: run.source, now });
    const after = (await findRun(tx, run.id))!;
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.result.correct',
      entityType: 'iqc_result',
      entityId: newId,
      labId: old.labId,
      details: { supersedes: old.id, runId: run.id, level: old.level, from: old.category ?? old.value, to: category ?? value, ...(category !== null ? { signalFrom: old.signal, signalTo: signal } : {}), reason, statusBefore: run.status, statusAfter: after.status, reevaluatedRuns: w.reevaluated.slice(0, 100), withdrawnActions: w.withdrawnActions },
      at: now,
    });
    return { id: newId, version: old.version + 1, z, runId: run.id, status: after.status, reevaluated: w.reevaluated.length };
  });
}

async function teaOf(db: DB) {
  return new Map((await db.select({ id: analytes.id, tea: analytes.teaPercent }).from(analytes)).map((a) => [a.id, a.tea]));
}

/** Set a current result's exclusion and re-judge its series from its run on (one transaction). */
async function setExclusion(db: DB, actor: Actor, resultId: number, excluded: boolean, reason: string, now: number) {
  const seen = await findResult(db, resultId);
  const scope = seen ? await findLabScope(db, seen.labId) : undefined;
  // another lab's result is "not found", not "forbidden": its existence is not the caller's business
  if (!seen || !scope || !can(actor, 'iqc.read', scope)) throw new AppError('iqc.resultNotFound');
  if (!can(actor, 'iqc.write', scope)) throw new AppError('iqc.excludeNotAllowed');
  const refusal = (r: NonNullable<typeof seen>) => (!r.current ? 'iqc.excludeCorrected' : r.excluded === excluded ? (excluded ? 'iqc.alreadyExcluded' : 'iqc.notExcluded') : null);
  const early = refusal(seen);
  if (early) throw new AppError(early);
  const tea = await teaOf(db);
  const onPg = dialectOf(db) === 'pg';
  const s = onPg ? null : await iqcStatements(db);
  return await withTx(db, async (tx) => {
    // the same checks on the result as it is now (corrected or excluded by someone else meanwhile?)
    const old = await lockedResult(tx, seen.labId, seen.id);
    const late = refusal(old);
    if (late) throw new AppError(late);
    const run = (await findRun(tx, old.runId))!;
    if (onPg) {
      // PostgreSQL: written at once, then the series re-judged from the stored rows (db/pg/iqc-ingest.ts)
      await pgSetExcluded(tx, old.labId, old.id, excluded, excluded ? reason : null);
      await pgIqcStatements(tx, old.labId);
    } else s!.setExcluded.run(excluded ? 1 : 0, excluded ? reason : null, old.id);
    const ctx = await loadLabContext(tx, old.labId, tea);
    const w = await reevaluateSeries(tx, ctx, old.analyteId, run.instrument, run.measuredAt, { actorId: actor.userId, source: run.source, now });
    const after = (await findRun(tx, run.id))!;
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: excluded ? 'iqc.result.exclude' : 'iqc.result.include',
      entityType: 'iqc_result',
      entityId: old.id,
      labId: old.labId,
      details: { runId: run.id, level: old.level, value: old.value, reason: reason || null, statusBefore: run.status, statusAfter: after.status, reevaluatedRuns: w.reevaluated.slice(0, 100), withdrawnActions: w.withdrawnActions },
      at: now,
    });
    return { id: old.id, excluded, runId: run.id, status: after.status, reevaluated: w.reevaluated.length };
  });
}

/**
 * Exclude a single control result with a reason (the lab's manager; 404 for a result of another lab,
 * 403 for a reader who may not write, 409 when already excluded or superseded): it leaves the rules
 * and statistics but stays on the chart, and its series is re-evaluated from its run on. Audited.
 */
export async function excludeResult(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = excludeResultInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid exclusion', zodFieldErrors(parsed.error));
  return await setExclusion(db, actor, parsed.data.resultId, true, parsed.data.reason, now);
}

/** Take an excluded result back into the rules and statistics (same checks); audited. */
export async function includeResult(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = includeResultInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  return await setExclusion(db, actor, parsed.data.resultId, false, parsed.data.reason, now);
}
