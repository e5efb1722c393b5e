// Corrective actions: every rejected run opens one (engine.writePlan); the lab records the cause,
// the action taken and the outcome. Resolving is final and written to the audit log.
import type { DB } from '@/db/client';
import { findLabScope } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { findCorrectiveAction, resolveCorrectiveActionRow } from '@/db/queries/iqc';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { resolveActionInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';

export async function resolveCorrectiveAction(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = resolveActionInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid corrective action', zodFieldErrors(parsed.error));
  const { id, cause, action, outcome } = parsed.data;
  const existing = await findCorrectiveAction(db, id);
  const scope = existing ? await findLabScope(db, existing.labId) : undefined;
  // another lab's item is "not found", not "forbidden": its existence is not the caller's business
  if (!existing || !scope || !can(actor, 'iqc.read', scope)) throw new AppError('iqc.correctiveActionNotFound');
  if (!can(actor, 'correctiveAction.resolve', scope)) throw new AppError('iqc.resolveNotAllowed');
  return await withTx(db, async (tx) => {
    const changed = await resolveCorrectiveActionRow(tx, id, { cause, action, outcome, resolvedBy: actor.userId, resolvedAt: now });
    if (!changed) throw new AppError('iqc.actionResolved');
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.corrective_action.resolve',
      entityType: 'corrective_action',
      entityId: id,
      labId: existing.labId,
      details: { runId: existing.runId, cause, action, outcome },
      at: now,
    });
    return { id, status: 'resolved' as const, resolvedAt: now };
  });
}
