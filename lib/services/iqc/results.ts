// Correcting a stored control result: the old value stays (current = false), the new one is a new
// version with the reason, and the run and every later run of its series are re-evaluated.
import type { DB } from '@/db/client';
import { analytes } from '@/db/schema';
import { findLabScope } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { findResult, findRun, iqcStatements } from '@/db/queries/iqc';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { correctResultInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { loadLabContext, reevaluateSeries, targetAt } from './engine';

export function correctResult(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = correctResultInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid correction', zodFieldErrors(parsed.error));
  const { resultId, value, reason } = parsed.data;
  const old = findResult(db, resultId);
  const scope = old ? findLabScope(db, old.labId) : undefined;
  if (!old || !scope || !can(actor, 'iqc.read', scope)) throw AppError.notFound('No such result');
  if (!can(actor, 'iqc.write', scope)) throw AppError.forbidden('You may not correct results of this laboratory');
  if (!old.current) throw AppError.conflict('This result has already been corrected; correct the current version');
  if (old.value === value) throw AppError.invalid('Nothing to correct', [{ field: 'value', message: 'The value is unchanged' }]);
  const run = findRun(db, old.runId)!;
  const tea = new Map(db.select({ id: analytes.id, tea: analytes.teaPercent }).from(analytes).all().map((a) => [a.id, a.tea]));
  const s = iqcStatements(db);
  return db.transaction((tx) => {
    const ctx = loadLabContext(db, old.labId, tea);
    const target = targetAt(ctx.targets.get(old.controlLotId), old.measuredAt);
    const z = target ? (value - target.mean) / target.sd : null;
    s.retireResult.run(old.id);
    const newId = Number(
      s.insertResult.run(old.runId, old.labId, old.analyteId, old.controlLotId, old.level, value, old.measuredAt, target?.id ?? null, z, old.version + 1, old.id, reason, actor.userId, now)
        .lastInsertRowid,
    );
    const w = reevaluateSeries(db, ctx, old.analyteId, run.instrument, run.measuredAt, { actorId: actor.userId, source: run.source, now });
    const after = findRun(tx, run.id)!;
    insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.result.correct',
      entityType: 'iqc_result',
      entityId: newId,
      labId: old.labId,
      details: { supersedes: old.id, runId: run.id, level: old.level, from: old.value, to: value, reason, statusBefore: run.status, statusAfter: after.status, reevaluatedRuns: w.reevaluated.slice(0, 100), withdrawnActions: w.withdrawnActions },
      at: now,
    });
    return { id: newId, version: old.version + 1, z, runId: run.id, status: after.status, reevaluated: w.reevaluated.length };
  });
}
