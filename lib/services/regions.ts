import type { DB } from '@/db/client';
import { regions } from '@/db/schema';
import { findRegionByCode, updateRegionNames } from '@/db/queries/regions';
import { snapshotEntity } from '@/db/queries/versions';
import { insertAudit } from '@/db/queries/audit';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { regionInput, regionUpdateInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';

const PARENT_LEVEL = { national: null, province: 'national', city: 'province' } as const;

/** Create a region under its parent (a province under the nation, a city under a province). */
/** The two-digit province codes of GB/T 2260 (mainland 11–65, and 71 Taiwan, 81 Hong Kong, 82 Macao). */
const PROVINCE_PREFIXES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82']);

/** Whether a six-digit code has the shape of its level: a province `xx0000`, a city `xxyy00` (yy not
 * 00); the national root is the deployment's own (the demo's 100000), not checked. */
export function codeOfLevel(code: string, level: string): boolean {
  if (level === 'province') return PROVINCE_PREFIXES.has(code.slice(0, 2)) && code.endsWith('0000');
  if (level === 'city') return PROVINCE_PREFIXES.has(code.slice(0, 2)) && code.endsWith('00') && !code.endsWith('0000');
  return true;
}

export async function createRegion(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'region.manage')) throw new AppError('region.adminOnly');
  const parsed = regionInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid region', zodFieldErrors(parsed.error));
  const r = parsed.data;
  return await withTx(db, async (tx) => {
    if (await findRegionByCode(tx, r.code)) throw new AppError('region.exists', { code: r.code });
    let parent = null;
    if (PARENT_LEVEL[r.level]) {
      parent = r.parentCode ? await findRegionByCode(tx, r.parentCode) : undefined;
      if (!parent || parent.level !== PARENT_LEVEL[r.level])
        throw new AppError('region.invalidParent', {}, [fieldError('region.wrongParent', { level: r.level, parent: PARENT_LEVEL[r.level] ?? '' }, 'parentCode')]);
    }
    // GB/T 2260: a Zhejiang code under Guangdong would put Guangdong's regulator over it
    if (!codeOfLevel(r.code, r.level)) throw AppError.invalid('Invalid region', [fieldError('region.codeNotOfLevel', { level: r.level }, 'code')]);
    if (parent && r.level === 'city' && r.code.slice(0, 2) !== parent.code.slice(0, 2))
      throw AppError.invalid('Invalid region', [fieldError('region.codeOutsideParent', { code: r.code, parent: parent.code }, 'code')]);
    const now = Date.now();
    const row = (await tx
      .insert(regions)
      .values({ code: r.code, name: r.name, nameEn: r.nameEn, level: r.level, parentId: parent?.id ?? null, path: `${parent?.path ?? '/'}${r.code}/`, createdAt: now, updatedAt: now })
      .returning())[0];
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'region.create',
      entityType: 'region',
      entityId: row.id,
      regionId: row.id,
      details: { code: row.code, name: row.name, nameEn: row.nameEn, level: row.level, parentCode: parent?.code ?? null },
      at: now,
    });
    return row;
  });
}

/** Rename a region (Chinese and English names). Its code, level and place in the tree never change:
 * labs, users and certificates refer to them. The previous state is kept with the reason. */
export async function updateRegion(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'region.manage')) throw new AppError('region.adminOnly');
  const parsed = regionUpdateInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid region', zodFieldErrors(parsed.error));
  const r = parsed.data;
  return await withTx(db, async (tx) => {
    const existing = await findRegionByCode(tx, r.code);
    if (!existing) throw new AppError('region.notFound', { region: r.code });
    if (existing.name === r.name && existing.nameEn === r.nameEn) return existing;
    const now = Date.now();
    await snapshotEntity(tx, 'region', existing.id, existing, actor.userId, r.reason, now);
    await updateRegionNames(tx, existing.id, { name: r.name, nameEn: r.nameEn }, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'region.update',
      entityType: 'region',
      entityId: existing.id,
      regionId: existing.id,
      details: { reason: r.reason, from: { name: existing.name, nameEn: existing.nameEn }, to: { name: r.name, nameEn: r.nameEn } },
      at: now,
    });
    return (await findRegionByCode(tx, r.code))!;
  });
}
