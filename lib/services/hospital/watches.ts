// A hospital's watch list: labs (by code) or whole regions (by code, with their cities). Changes of
// the watched labs' certifications (suspended, revoked, expired, reinstated) show on its page and
// go to its webhook endpoints (./webhooks.ts).
import { z } from 'zod';
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { deleteWatch, findWatch, findWatchById, insertWatch, listWatches, recentChangesForOwner } from '@/db/queries/hospital';
import { findLabByCode } from '@/db/queries/labs';
import { findRegionByCode } from '@/db/queries/regions';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { ownerAudit, requireOwner } from './access';
import { withTx } from '@/db/tx';

const watchInput = z.object({ lab: z.string().trim().max(64).optional().default(''), region: z.string().trim().max(64).optional().default('') });

/** Watch a lab (`lab`: its code) or a region (`region`: its code). */
export async function addWatch(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const p = watchInput.safeParse(input ?? {});
  const lab = p.success ? p.data.lab : '';
  const region = p.success ? p.data.region : '';
  if (!lab && !region) throw AppError.invalid('Nothing to watch', [fieldError('watch.targetRequired', {}, 'lab')]);
  // both given: refused rather than one of them kept and the other silently dropped
  if (lab && region) throw new AppError('watch.oneTarget', {}, [fieldError('watch.oneTarget', {}, 'region')]);
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    let target: { labId: number | null; regionId: number | null; code: string };
    if (lab) {
      const found = await findLabByCode(tx, lab) ?? await findLabByCode(tx, lab.toUpperCase());
      if (!found) throw new AppError('watch.labNotFound', { lab }, [fieldError('watch.labNotFound', { lab }, 'lab')]);
      target = { labId: found.lab.id, regionId: null, code: found.lab.code };
    } else {
      const found = await findRegionByCode(tx, region);
      if (!found) throw new AppError('watch.regionNotFound', { region }, [fieldError('watch.regionNotFound', { region }, 'region')]);
      target = { labId: null, regionId: found.id, code: found.code };
    }
    if (await findWatch(tx, ownerId, target.labId ? { labId: target.labId } : { regionId: target.regionId! })) throw new AppError('watch.exists');
    const row = await insertWatch(tx, { ownerId, labId: target.labId, regionId: target.regionId }, now);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'watch.add', entityType: 'hospital_watch', entityId: row.id, labId: target.labId, details: target.labId ? { lab: target.code } : { region: target.code }, at: now });
    return { id: row.id, ...target };
  });
}

export async function removeWatch(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const id = z.coerce.number().int().positive().safeParse((input as { id?: unknown })?.id);
  if (!id.success) throw new AppError('watch.notFound');
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const w = await findWatchById(tx, id.data);
    if (!w || w.ownerId !== ownerId) throw new AppError('watch.notFound');
    await deleteWatch(tx, w.id);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'watch.remove', entityType: 'hospital_watch', entityId: w.id, labId: w.labId, details: { labId: w.labId, regionId: w.regionId }, at: now });
    return { id: w.id };
  });
}

/** The owner's watch list and the recent changes of the watched labs' certifications. */
export async function watchWorkspace(db: DB, actor: Actor) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  return { watches: await listWatches(db, ownerId), changes: await recentChangesForOwner(db, ownerId) };
}
