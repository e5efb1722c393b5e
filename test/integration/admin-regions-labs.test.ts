// Administration of regions and laboratories through the services: who may do what, and that every
// edit keeps the previous state (entity_versions) and writes the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, type TestDb } from '../support/db';
import { scopeOf, type Actor } from '@/lib/auth/core';
import { actorForUserId } from '@/lib/auth/resolve';
import { findActorRowByEmail } from '@/db/queries/actors';
import { createRegion, updateRegion } from '@/lib/services/regions';
import { createLab, setLabActive, updateLab } from '@/lib/services/labs';
import { updateAnalyte } from '@/lib/services/catalogue';
import { findPasswordRow } from '@/db/queries/users';
import { findRegionByCode } from '@/db/queries/regions';
import { findLabByCode, listLabs } from '@/db/queries/labs';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { listEntityVersions } from '@/db/queries/versions';
import { listAudit } from '@/db/queries/audit';
import { AppError } from '@/lib/errors';

let t: TestDb & { admin: Actor; regulators: Record<'gd' | 'sz' | 'zj', Actor>; labManagers: Map<string, Actor> };
let hospital: Actor;

async function actorByEmail(email: string): Promise<Actor> {
  return (await actorForUserId(t.db, (await findActorRowByEmail(t.db, email))!.id))!;
}

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'ok';
}

beforeAll(async () => {
  t = await createSeededTestDb();
  hospital = await actorByEmail('hospital@demo.labqc');
});
afterAll(() => t.close());

describe('regions', () => {
  it('the admin creates a city under a province, with its path in the tree', async () => {
    const r = await createRegion(t.db, t.admin, { code: '440600', name: '佛山', nameEn: 'Foshan', level: 'city', parentCode: '440000' });
    expect(r.path).toBe('/100000/440000/440600/');
    expect((await listAudit(t.db, { action: 'region.create' })).find((e) => e.entityId === String(r.id))?.details).toEqual({
      code: '440600', name: '佛山', nameEn: 'Foshan', level: 'city', parentCode: '440000',
    });
  });

  it('the admin renames a region; the previous names are kept with the reason and audited', async () => {
    await updateRegion(t.db, t.admin, { code: '440600', name: '佛山市', nameEn: 'Foshan City', reason: 'official name' });
    const r = (await findRegionByCode(t.db, '440600'))!;
    expect([r.name, r.nameEn]).toEqual(['佛山市', 'Foshan City']);
    const versions = await listEntityVersions(t.db, 'region', r.id);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ version: 1, reason: 'official name', changedBy: t.admin.userId });
    expect((versions[0].data as { name: string }).name).toBe('佛山');
    expect((await listAudit(t.db, { action: 'region.update' }))[0]).toMatchObject({ entityId: String(r.id), actorId: t.admin.userId });
  });

  it('an edit without a reason is refused and changes nothing', async () => {
    expect(await codeOf(async () => await updateRegion(t.db, t.admin, { code: '440600', name: 'X', nameEn: 'X', reason: '' }))).toBe('invalid');
    expect((await findRegionByCode(t.db, '440600'))!.name).toBe('佛山市');
  });

  it.each([
    ['a regulator', () => t.regulators.gd],
    ['a lab manager', () => t.labManagers.get('GZ-001')!],
    ['a hospital', () => hospital],
  ])('%s can neither create nor rename regions (403)', async (_who, actor) => {
    expect(await codeOf(async () => await createRegion(t.db, actor(), { code: '440700', name: '江门', nameEn: 'Jiangmen', level: 'city', parentCode: '440000' }))).toBe('forbidden');
    expect(await codeOf(async () => await updateRegion(t.db, actor(), { code: '440100', name: 'X', nameEn: 'X', reason: 'because' }))).toBe('forbidden');
  });

  it.each([
    ['a duplicate code', { code: '440100', name: 'x', nameEn: 'x', level: 'city', parentCode: '440000' }, 'conflict'],
    ['a city under a city', { code: '440701', name: 'x', nameEn: 'x', level: 'city', parentCode: '440100' }, 'invalid'],
    ['a code that is not 6 digits', { code: '4401', name: 'x', nameEn: 'x', level: 'city', parentCode: '440000' }, 'invalid'],
  ])('creating a region with %s is refused', async (_case, input, code) => {
    expect(await codeOf(async () => await createRegion(t.db, t.admin, input))).toBe(code);
  });

  it.each([
    // a Zhejiang city's code under Guangdong would put Guangdong's regulator over it
    ['a city code of another province (Wenzhou 330300 under Guangdong)', { code: '330300', name: '温州', nameEn: 'Wenzhou', level: 'city', parentCode: '440000' }, 'region.codeOutsideParent'],
    ['a province code that GB/T 2260 has not (999999)', { code: '999999', name: 'x', nameEn: 'x', level: 'province', parentCode: '100000' }, 'region.codeNotOfLevel'],
    ['a province code not ending in 0000', { code: '450100', name: 'x', nameEn: 'x', level: 'province', parentCode: '100000' }, 'region.codeNotOfLevel'],
    ['a city code ending in 0000', { code: '460000', name: 'x', nameEn: 'x', level: 'city', parentCode: '440000' }, 'region.codeNotOfLevel'],
    // a name a spreadsheet would run as a formula (exports, the audit CSV), as a renamed region's is
    ['a name that starts like a formula', { code: '440700', name: '=HYPERLINK("x")', nameEn: 'Jiangmen', level: 'city', parentCode: '440000' }, 'value.formulaField', 'name'],
    ['an English name that starts like a formula', { code: '440700', name: '江门', nameEn: '+cmd', level: 'city', parentCode: '440000' }, 'value.formulaField', 'nameEn'],
  ])('creating a region with %s is refused by its field, nothing written', async (_case, input, reason, field = 'code') => {
    const e = await createRegion(t.db, t.admin, input).then(() => null, (x: unknown) => x as AppError);
    expect(e?.errors.map((f) => [f.field, f.code])).toEqual([[field, reason]]);
    expect(await findRegionByCode(t.db, input.code)).toBeUndefined();
  });
});

describe('laboratories', () => {
  const newLab = { code: 'SZ-900', name: '深圳测试实验室', nameEn: 'Shenzhen Test Lab', level: 'secondary', regionCode: '440300', address: '' };

  it('a city regulator creates a lab in their city', async () => {
    const lab = await createLab(t.db, t.regulators.sz, newLab);
    expect(lab).toMatchObject({ code: 'SZ-900', level: 'secondary', active: true });
  });

  it.each([
    ['the Shenzhen regulator, in Guangzhou', () => t.regulators.sz, '440100', 'forbidden'],
    ['the Zhejiang regulator, in Shenzhen', () => t.regulators.zj, '440300', 'forbidden'],
    ['a lab manager', () => t.labManagers.get('SZ-001')!, '440300', 'forbidden'],
    ['a hospital', () => hospital, '440300', 'forbidden'],
    ['the Guangdong regulator, in an unknown region', () => t.regulators.gd, '449999', 'invalid'],
  ])('%s cannot create a lab (%s → %s)', async (_who, actor, regionCode, code) => {
    expect(await codeOf(async () => await createLab(t.db, actor(), { ...newLab, code: 'SZ-901', regionCode }))).toBe(code);
  });

  it('the provincial regulator edits a lab of a city below; the previous state is kept with the reason', async () => {
    await updateLab(t.db, t.regulators.gd, { ...newLab, level: 'tertiary', address: '深圳市南山区', reason: 'upgraded to tertiary' });
    const { lab } = (await findLabByCode(t.db, 'SZ-900'))!;
    expect(lab).toMatchObject({ level: 'tertiary', address: '深圳市南山区' });
    const v = await listEntityVersions(t.db, 'lab', lab.id);
    expect(v[0]).toMatchObject({ reason: 'upgraded to tertiary', changedBy: t.regulators.gd.userId });
    expect((v[0].data as { level: string }).level).toBe('secondary');
    const audited = await listAudit(t.db, { action: 'lab.update', labIds: [lab.id] });
    expect(audited).toHaveLength(1);
    // the log itself says what the edit did, field by field
    expect(audited[0].details).toEqual({
      reason: 'upgraded to tertiary',
      changed: ['level', 'address'],
      from: { level: 'secondary', address: (v[0].data as { address: string | null }).address },
      to: { level: 'tertiary', address: '深圳市南山区' },
    });
  });

  it('a lab cannot be moved out of the jurisdiction', async () => {
    expect(await codeOf(async () => await updateLab(t.db, t.regulators.sz, { ...newLab, regionCode: '440100', reason: 'moving' }))).toBe('forbidden');
    expect((await findLabByCode(t.db, 'SZ-900'))!.regionCode).toBe('440300');
  });

  it.each([
    ['the Zhejiang regulator', () => t.regulators.zj, 'forbidden'],
    ['the Shenzhen regulator on a Guangzhou lab', () => t.regulators.sz, 'forbidden'],
    ['the lab’s own manager', () => t.labManagers.get('GZ-001')!, 'forbidden'],
  ])('%s cannot edit or deactivate GZ-001', async (_who, actor, code) => {
    const input = { code: 'GZ-001', name: 'x', level: 'primary', regionCode: '440100', reason: 'attempt' };
    expect(await codeOf(async () => await updateLab(t.db, actor(), input))).toBe(code);
    expect(await codeOf(async () => await setLabActive(t.db, actor(), { code: 'GZ-001', active: false, reason: 'attempt' }))).toBe(code);
    expect((await findLabByCode(t.db, 'GZ-001'))!.lab).toMatchObject({ level: 'tertiary', active: true });
  });

  it('an unknown lab is 404', async () => {
    expect(await codeOf(async () => await setLabActive(t.db, t.regulators.gd, { code: 'NOPE-1', active: false, reason: 'attempt' }))).toBe('not_found');
  });

  it('deactivating a lab keeps it (and its history), stops its managers, and reactivating restores them', async () => {
    const managerId = t.labManagers.get('GZ-002')!.userId;
    const signed = (await findPasswordRow(t.db, managerId))!.sessionVersion;
    await setLabActive(t.db, t.regulators.gd, { code: 'GZ-002', active: false, reason: 'closed for renovation' });
    const { lab } = (await findLabByCode(t.db, 'GZ-002'))!;
    expect(lab.active).toBe(false);
    expect(await actorForUserId(t.db, t.labManagers.get('GZ-002')!.userId)).toBeNull();
    expect((await listLabs(t.db, { scope: scopeOf(t.regulators.gd), activeOnly: true })).some((l) => l.code === 'GZ-002')).toBe(false);
    expect((await listLabs(t.db, { scope: scopeOf(t.regulators.gd) })).some((l) => l.code === 'GZ-002')).toBe(true);
    await setLabActive(t.db, t.regulators.gd, { code: 'GZ-002', active: true, reason: 'reopened' });
    expect(await actorForUserId(t.db, t.labManagers.get('GZ-002')!.userId)).not.toBeNull();
    // a session signed before the deactivation stays ended; a new sign-in works
    expect(await actorForUserId(t.db, managerId, signed)).toBeNull();
    expect(await actorForUserId(t.db, managerId, signed + 1)).not.toBeNull();
    expect((await listAudit(t.db, { labIds: [lab.id] })).map((a) => a.action)).toEqual(expect.arrayContaining(['lab.deactivate', 'lab.reactivate']));
    expect(await listEntityVersions(t.db, 'lab', lab.id)).toHaveLength(2);
  });

  it.each([
    ['city', { level: undefined, q: undefined, regionCode: '440300' }, (l: { regionCode: string }) => l.regionCode === '440300'],
    ['level', { level: 'primary', q: undefined, regionCode: undefined }, (l: { level: string }) => l.level === 'primary'],
    ['search', { level: undefined, q: 'Tianhe', regionCode: undefined }, (l: { code: string }) => l.code === 'GZ-004'],
  ])('the lab list filters by %s, inside the jurisdiction only', async (_f, filter, pred) => {
    const rows = await listLabs(t.db, { scope: scopeOf(t.regulators.gd), ...filter });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => pred(l as never))).toBe(true);
    expect(rows.every((l) => l.regionPath.startsWith('/100000/440000/'))).toBe(true);
  });
});

describe('analyte catalogue', () => {
  it('the admin edits an analyte with a reason; the previous TEa is kept', async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    const { id: _id, createdAt: _c, updatedAt: _u, active: _a, ...rest } = k;
    await updateAnalyte(t.db, t.admin, k.id, { ...rest, teaPercent: 5 }, 'WS/T 403 revision');
    expect((await findAnalyteByCode(t.db, 'K'))!.teaPercent).toBe(5);
    expect(((await listEntityVersions(t.db, 'analyte', k.id))[0].data as { teaPercent: number }).teaPercent).toBe(k.teaPercent);
    const [audited] = await listAudit(t.db, { action: 'analyte.update' });
    expect(audited.details).toEqual({ reason: 'WS/T 403 revision', changed: ['teaPercent'], from: { teaPercent: k.teaPercent }, to: { teaPercent: 5 } });
  });

  it("an item's code cannot be changed (policies, windows and hospitals name it): refused, nothing written", async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    const { id: _id, createdAt: _c, updatedAt: _u, active: _a, ...rest } = k;
    const versions = (await listEntityVersions(t.db, 'analyte', k.id)).length;
    await expect(updateAnalyte(t.db, t.admin, k.id, { ...rest, code: 'K_S' }, 'code harmonised')).rejects.toMatchObject({ reason: 'catalogue.codeFixed', errors: [{ field: 'code', code: 'catalogue.codeFixed' }] });
    expect(await findAnalyteByCode(t.db, 'K_S')).toBeUndefined();
    expect((await findAnalyteByCode(t.db, 'K'))!.updatedAt).toBe(k.updatedAt);
    expect(await listEntityVersions(t.db, 'analyte', k.id)).toHaveLength(versions);
  });

  it('an id no row can have (beyond 2^53, beyond PostgreSQL bigint) is no such analyte on either backend', async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    const { id: _id, createdAt: _c, updatedAt: _u, active: _a, ...rest } = k;
    for (const id of [1e20, NaN]) await expect(updateAnalyte(t.db, t.admin, id, { ...rest }, 'edit')).rejects.toMatchObject({ reason: 'analyte.noSuch' });
  });

  it.each([
    ['a regulator', () => t.regulators.gd],
    ['a lab manager', () => t.labManagers.get('GZ-001')!],
  ])('%s cannot edit the catalogue', async (_who, actor) => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    expect(await codeOf(async () => await updateAnalyte(t.db, actor(), k.id, { ...k }, 'attempt'))).toBe('forbidden');
  });
});
