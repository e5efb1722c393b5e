import type { DB } from '@/db/client';
import { laboratories } from '@/db/schema';
import { findRegionByCode } from '@/db/queries/regions';
import { findLabByCode } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { labInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';

/** Create a laboratory in a region of the regulator's jurisdiction. */
export function createLab(db: DB, actor: Actor, input: unknown) {
  const parsed = labInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid laboratory', zodFieldErrors(parsed.error));
  const l = parsed.data;
  return db.transaction((tx) => {
    const region = findRegionByCode(tx, l.regionCode);
    if (!region) throw AppError.invalid('Unknown region', [{ field: 'regionCode', message: `No region ${l.regionCode}` }]);
    if (!can(actor, 'lab.manage', { regionPath: region.path })) throw AppError.forbidden('That region is outside your jurisdiction');
    if (findLabByCode(tx, l.code)) throw AppError.conflict(`Laboratory ${l.code} already exists`);
    const now = Date.now();
    const row = tx
      .insert(laboratories)
      .values({ code: l.code, name: l.name, nameEn: l.nameEn ?? null, level: l.level, regionId: region.id, address: l.address ?? null, createdAt: now, updatedAt: now })
      .returning()
      .get();
    insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'lab.create', entityType: 'lab', entityId: row.id, labId: row.id, regionId: region.id, at: now });
    return row;
  });
}
