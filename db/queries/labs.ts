import { and, asc, eq, inArray, like, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import { moveLabRollups } from './daily-iqc-rollups';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { textFilter } from './paging';
import { laboratories, regions, type Laboratory } from '../schema';
import { first } from '@/db/dialect';
import { labCodeCandidates } from './public';

/** What can() needs to decide on a lab resource: its id and its region's path. */
export async function findLabScope(db: Conn, labId: number) {
  const r = first(await db
    .select({ labId: laboratories.id, regionPath: regions.path, active: laboratories.active })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(eq(laboratories.id, labId)).limit(1));
  return r ? { labId: r.labId, regionPath: r.regionPath, active: r.active } : undefined;
}

export async function findLabByCode(db: Conn, code: string) {
  return first(await db
    .select({ lab: laboratories, regionPath: regions.path, regionCode: regions.code, regionName: regions.name, regionNameEn: regions.nameEn })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(eq(laboratories.code, code)).limit(1));
}

/** A lab by its code as every entry point reads one: as given, else in capitals (gz-001 is GZ-001). */
export async function findLabByCodeAnyCase(db: Conn, code: string) {
  for (const c of labCodeCandidates(code)) {
    const found = await findLabByCode(db, c);
    if (found) return found;
  }
  return undefined;
}

export interface LabListFilter {
  /** the labs the reader may see (scopeOf(actor)): all, a region subtree, one lab or none */
  scope: DataScope;
  q?: string;
  regionCode?: string;
  level?: string;
  activeOnly?: boolean;
  limit?: number;
  offset?: number;
}

export async function listLabs(db: Conn, f: LabListFilter) {
  const conds: (SQL | undefined)[] = [];
  conds.push(scopeWhere(f.scope, laboratories.id, regions.path));
  if (f.regionCode) conds.push(like(regions.path, `%/${f.regionCode}/%`));
  if (f.activeOnly) conds.push(eq(laboratories.active, true));
  if (f.level) conds.push(eq(laboratories.level, f.level as Laboratory['level']));
  // the text as written: `%` and `_` are characters to find, not wildcards
  if (f.q) conds.push(textFilter(f.q, [laboratories.name, laboratories.code, laboratories.nameEn]));
  return await db
    .select({
      id: laboratories.id,
      code: laboratories.code,
      name: laboratories.name,
      nameEn: laboratories.nameEn,
      level: laboratories.level,
      active: laboratories.active,
      address: laboratories.address,
      regionId: regions.id,
      regionCode: regions.code,
      regionName: regions.name,
      regionNameEn: regions.nameEn,
      regionPath: regions.path,
    })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(...conds))
    .orderBy(asc(regions.path), asc(laboratories.code))
    .limit(f.limit ?? 500)
    .offset(f.offset ?? 0);
}

export type LabValues = Pick<Laboratory, 'name' | 'nameEn' | 'level' | 'regionId' | 'address'>;

export async function insertLab(db: Conn, v: LabValues & { code: string }, now: number) {
  return (await db.insert(laboratories).values({ ...v, createdAt: now, updatedAt: now }).returning())[0];
}

export async function updateLabRow(db: Conn, id: number, v: Partial<LabValues> & { active?: boolean }, now: number) {
  // a move to another region takes the lab's IQC coverage with it (region roll-ups, ./daily-iqc-rollups.ts)
  const before = v.regionId !== undefined ? first(await db.select({ regionId: laboratories.regionId }).from(laboratories).where(eq(laboratories.id, id)).limit(1)) : undefined;
  await db.update(laboratories).set({ ...v, updatedAt: now }).where(eq(laboratories.id, id));
  if (before && v.regionId !== undefined && before.regionId !== v.regionId) await moveLabRollups(db, id, before.regionId, v.regionId);
}

/** Existing laboratories with these codes, with their region path (for jurisdiction checks). */
export async function findLabsByCodes(db: Conn, codes: string[]) {
  const out = new Map<string, { lab: Laboratory; regionPath: string; regionCode: string }>();
  for (let i = 0; i < codes.length; i += 500) {
    const rows = await db
      .select({ lab: laboratories, regionPath: regions.path, regionCode: regions.code })
      .from(laboratories)
      .innerJoin(regions, eq(regions.id, laboratories.regionId))
      .where(inArray(laboratories.code, codes.slice(i, i + 500)));
    for (const r of rows) out.set(r.lab.code, r);
  }
  return out;
}

/** id → code of the given labs (a refusal names pairs by their codes, not their ids). */
export async function labCodesByIds(db: Conn, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    for (const r of await db.select({ id: laboratories.id, code: laboratories.code }).from(laboratories).where(inArray(laboratories.id, unique.slice(i, i + 500)))) out.set(r.id, r.code);
  }
  return out;
}

/** The cities (and other regions) labs of a jurisdiction sit in, for the list's filter. */
export async function labRegionsWithin(db: Conn, scope: DataScope) {
  return await db
    .selectDistinct({ code: regions.code, name: regions.name, nameEn: regions.nameEn, path: regions.path })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(scopeWhere(scope, laboratories.id, regions.path))
    .orderBy(asc(regions.path));
}
