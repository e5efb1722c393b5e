// Laboratories of a jurisdiction: create, edit (history kept), deactivate and reactivate. Nothing
// with history is deleted: a deactivated lab keeps its data, its managers lose access at once.
import type { Conn, DB } from '@/db/client';
import { laboratories } from '@/db/schema';
import { findRegionByCode } from '@/db/queries/regions';
import { findLabByCode, updateLabRow } from '@/db/queries/labs';
import { endSessions } from '@/db/queries/users';
import { insertAudit } from '@/db/queries/audit';
import { fieldChanges } from './audit';
import { snapshotEntity } from '@/db/queries/versions';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { labActiveInput, labInput, labUpdateInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';
import { suspendCertificationsOfInactiveLabs } from './recognition/decisions';

/** Create a laboratory in a region of the regulator's jurisdiction. */
export async function createLab(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'lab.manage')) throw new AppError('lab.regulatorOnly');
  const parsed = labInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid laboratory', zodFieldErrors(parsed.error));
  const l = parsed.data;
  return await withTx(db, async (tx) => {
    const region = await findRegionByCode(tx, l.regionCode);
    if (!region) throw new AppError('region.unknown', {}, [fieldError('region.unknownCode', { region: l.regionCode }, 'regionCode')]);
    if (!can(actor, 'lab.manage', { regionPath: region.path })) throw new AppError('region.outsideJurisdiction');
    if (await findLabByCode(tx, l.code)) throw new AppError('lab.exists', { code: l.code });
    const now = Date.now();
    const row = (await tx
      .insert(laboratories)
      .values({ code: l.code, name: l.name, nameEn: l.nameEn ?? null, level: l.level, regionId: region.id, address: l.address ?? null, createdAt: now, updatedAt: now })
      .returning())[0];
    await insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'lab.create', entityType: 'lab', entityId: row.id, labId: row.id, regionId: region.id, at: now });
    return row;
  });
}

/** The lab with that code if the actor may manage it: 404 when unknown, 403 outside the jurisdiction. */
async function manageableLab(tx: Conn, actor: Actor, code: string) {
  const found = await findLabByCode(tx, code);
  if (!found) throw new AppError('lab.notFound', { lab: code });
  if (!can(actor, 'lab.manage', { labId: found.lab.id, regionPath: found.regionPath })) throw new AppError('lab.outsideJurisdiction');
  return found;
}

/** Edit a laboratory's names, level, region (inside the jurisdiction) or address. The code never
 * changes. The previous state goes to entity_versions with the reason. */
export async function updateLab(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'lab.manage')) throw new AppError('lab.regulatorOnly');
  const parsed = labUpdateInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid laboratory', zodFieldErrors(parsed.error));
  const l = parsed.data;
  return await withTx(db, async (tx) => {
    const { lab } = await manageableLab(tx, actor, l.code);
    const region = await findRegionByCode(tx, l.regionCode);
    if (!region) throw new AppError('region.unknown', {}, [fieldError('region.unknownCode', { region: l.regionCode }, 'regionCode')]);
    if (!can(actor, 'lab.manage', { regionPath: region.path })) throw new AppError('region.outsideJurisdiction');
    const next = { name: l.name, nameEn: l.nameEn ?? null, level: l.level, regionId: region.id, address: l.address ?? null };
    const changes = fieldChanges(lab, next);
    if (!changes.changed.length) return lab;
    const now = Date.now();
    await snapshotEntity(tx, 'lab', lab.id, lab, actor.userId, l.reason, now);
    await updateLabRow(tx, lab.id, next, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'lab.update',
      entityType: 'lab',
      entityId: lab.id,
      labId: lab.id,
      regionId: region.id,
      details: { reason: l.reason, ...changes },
      at: now,
    });
    return (await findLabByCode(tx, l.code))!.lab;
  });
}

/** Deactivate or reactivate a laboratory (with a reason). Its managers cannot sign in, and its API
 * tokens stop working, while it is inactive (their sessions of before end); its history stays. Its
 * active certifications are suspended from today (events, webhooks); a reactivation reinstates none. */
export async function setLabActive(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'lab.manage')) throw new AppError('lab.regulatorOnly');
  const parsed = labActiveInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  const { code, active, reason } = parsed.data;
  return await withTx(db, async (tx) => {
    const { lab } = await manageableLab(tx, actor, code);
    if (lab.active === active) return lab;
    const now = Date.now();
    await snapshotEntity(tx, 'lab', lab.id, lab, actor.userId, reason, now);
    await updateLabRow(tx, lab.id, { active }, now);
    // its managers' sessions end (a reactivation does not revive them); its tokens resume with it
    if (!active) await endSessions(tx, { labId: lab.id });
    // its results are no longer recognised from today; its certificates keep answering for the days
    // before (the public reads still find an inactive lab)
    const suspended = active ? 0 : await suspendCertificationsOfInactiveLabs(tx, { actorId: actor.userId, actorEmail: actor.email, reason: `laboratory deactivated: ${reason}`, labIds: [lab.id] }, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: active ? 'lab.reactivate' : 'lab.deactivate',
      entityType: 'lab',
      entityId: lab.id,
      labId: lab.id,
      regionId: lab.regionId,
      details: { reason, ...(suspended ? { suspendedCertifications: suspended } : {}) },
      at: now,
    });
    return { ...lab, active, suspendedCertifications: suspended };
  });
}
