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

const watchInput = z.object({ lab: z.string().trim().max(64).optional().default(''), region: z.string().trim().max(64).optional().default('') });

/** Watch a lab (`lab`: its code) or a region (`region`: its code). */
export function addWatch(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const p = watchInput.safeParse(input ?? {});
  const lab = p.success ? p.data.lab : '';
  const region = p.success ? p.data.region : '';
  if (!lab && !region) throw AppError.invalid('Nothing to watch', [fieldError('watch.targetRequired', {}, 'lab')]);
  const now = opts.now ?? Date.now();
  return db.transaction((tx) => {
    let target: { labId: number | null; regionId: number | null; code: string };
    if (lab) {
      const found = findLabByCode(tx, lab) ?? findLabByCode(tx, lab.toUpperCase());
      if (!found) throw new AppError('watch.labNotFound', { lab }, [fieldError('watch.labNotFound', { lab }, 'lab')]);
      target = { labId: found.lab.id, regionId: null, code: found.lab.code };
    } else {
      const found = findRegionByCode(tx, region);
      if (!found) throw new AppError('watch.regionNotFound', { region }, [fieldError('watch.regionNotFound', { region }, 'region')]);
      target = { labId: null, regionId: found.id, code: found.code };
    }
    if (findWatch(tx, ownerId, target.labId ? { labId: target.labId } : { regionId: target.regionId! })) throw new AppError('watch.exists');
    const row = insertWatch(tx, { ownerId, labId: target.labId, regionId: target.regionId }, now);
    insertAudit(tx, { ...ownerAudit(actor), action: 'watch.add', entityType: 'hospital_watch', entityId: row.id, labId: target.labId, details: target.labId ? { lab: target.code } : { region: target.code }, at: now });
    return { id: row.id, ...target };
  });
}

export function removeWatch(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const id = z.coerce.number().int().positive().safeParse((input as { id?: unknown })?.id);
  if (!id.success) throw new AppError('watch.notFound');
  const now = opts.now ?? Date.now();
  return db.transaction((tx) => {
    const w = findWatchById(tx, id.data);
    if (!w || w.ownerId !== ownerId) throw new AppError('watch.notFound');
    deleteWatch(tx, w.id);
    insertAudit(tx, { ...ownerAudit(actor), action: 'watch.remove', entityType: 'hospital_watch', entityId: w.id, labId: w.labId, details: { labId: w.labId, regionId: w.regionId }, at: now });
    return { id: w.id };
  });
}

/** The owner's watch list and the recent changes of the watched labs' certifications. */
export function watchWorkspace(db: DB, actor: Actor) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  return { watches: listWatches(db, ownerId), changes: recentChangesForOwner(db, ownerId) };
}
