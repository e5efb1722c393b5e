// Who may act on a control lot by its id (the targets page's buttons and forms).
import type { DB } from '@/db/client';
import { findControlLotById } from '@/db/queries/iqc';
import { findLabScope } from '@/db/queries/labs';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';

/** A control lot whose targets the actor manages: 404 `iqc.lotNotFound` when they cannot read its
 * lab (as for a lot that does not exist), 403 `iqc.targetsNotAllowed` when they only read it. */
export async function manageableLot(db: DB, actor: Actor, controlLotId: number) {
  const lot = await findControlLotById(db, controlLotId);
  const scope = lot ? await findLabScope(db, lot.labId) : undefined;
  if (!lot || !scope || !can(actor, 'iqc.read', scope)) throw new AppError('iqc.lotNotFound');
  if (!can(actor, 'iqcTarget.manage', scope)) throw new AppError('iqc.targetsNotAllowed');
  return lot;
}
