import type { DB } from '@/db/client';
import { users } from '@/db/schema';
import { findRegionByCode } from '@/db/queries/regions';
import { findLabByCode } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { eq } from 'drizzle-orm';
import { can, type Actor } from '@/lib/auth/core';
import { hashPassword } from '@/lib/auth/passwords';
import { AppError } from '@/lib/errors';
import { userInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';

/** Create an account. Admins create administrators, regulators (bound to a region) and hospital
 * accounts; a regulator creates lab managers for labs of their jurisdiction. */
export function createUser(db: DB, actor: Actor, input: unknown) {
  const parsed = userInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid account', zodFieldErrors(parsed.error));
  const u = parsed.data;
  return db.transaction((tx) => {
    let labId: number | null = null;
    let regionId: number | null = null;
    if (u.role === 'lab_manager') {
      const lab = u.labCode ? findLabByCode(tx, u.labCode) : undefined;
      if (!lab) throw AppError.invalid('Unknown laboratory', [{ field: 'labCode', message: 'A lab manager needs an existing laboratory' }]);
      if (!can(actor, 'labUser.manage', { labId: lab.lab.id, regionPath: lab.regionPath })) throw AppError.forbidden('That laboratory is outside your jurisdiction');
      labId = lab.lab.id;
    } else {
      if (!can(actor, 'regulator.manage')) throw AppError.forbidden('Only an administrator creates this kind of account');
      if (u.role === 'regulator') {
        const region = u.regionCode ? findRegionByCode(tx, u.regionCode) : undefined;
        if (!region) throw AppError.invalid('Unknown region', [{ field: 'regionCode', message: 'A regulator needs a region' }]);
        regionId = region.id;
      }
    }
    if (tx.select({ id: users.id }).from(users).where(eq(users.email, u.email)).get()) throw AppError.conflict(`${u.email} already has an account`);
    const now = Date.now();
    const row = tx
      .insert(users)
      .values({ email: u.email, name: u.name, role: u.role, passwordHash: hashPassword(u.password), labId, regionId, createdAt: now, updatedAt: now })
      .returning({ id: users.id, email: users.email, role: users.role })
      .get();
    insertAudit(tx, { actorId: actor.userId, actorEmail: actor.email, action: 'user.create', entityType: 'user', entityId: row.id, labId, regionId, details: { role: u.role }, at: now });
    return row;
  });
}

/** The first administrator of an empty installation: the one account created without an actor. */
export function bootstrapAdmin(db: DB, input: { email: string; name: string; password: string }) {
  const parsed = userInput.safeParse({ ...input, role: 'admin' });
  if (!parsed.success) throw AppError.invalid('Invalid administrator', zodFieldErrors(parsed.error));
  return db.transaction((tx) => {
    if (tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).get()) throw AppError.conflict('An administrator already exists');
    const now = Date.now();
    const row = tx
      .insert(users)
      .values({ email: parsed.data.email, name: parsed.data.name, role: 'admin', passwordHash: hashPassword(parsed.data.password), createdAt: now, updatedAt: now })
      .returning({ id: users.id })
      .get();
    insertAudit(tx, { actorEmail: 'system', action: 'user.bootstrap_admin', entityType: 'user', entityId: row.id, at: now });
    return row;
  });
}
