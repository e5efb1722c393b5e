// Accounts (regulators by the admin, lab managers by regulators) and the institution registry
// import: jurisdiction refusals, history without password hashes, validate-everything-then-commit.
import { findPasswordRow } from '@/db/queries/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, type TestDb } from '../support/db';
import { scopeOf, type Actor } from '@/lib/auth/core';
import { actorForApiToken, actorForUserId, signInWithPassword } from '@/lib/auth/resolve';
import { findActorRowByEmail } from '@/db/queries/actors';
import { createCentralAccount, createLabManager, createRegulator, resetPassword, setUserActive, updateUser } from '@/lib/services/users';
import { accountsPageInScope, entityHistory, hospitalSetupOf } from '@/lib/services/read/accounts';
import { createHospitalToken } from '@/lib/services/hospital/tokens';
import { addWatch } from '@/lib/services/hospital/watches';

import { commitRegistryImport, previewRegistryImport, registryTemplateCsv } from '@/lib/services/registry';
import { findLabByCode } from '@/db/queries/labs';
import { listUsers } from '@/db/queries/users';
import { listEntityVersions } from '@/db/queries/versions';
import { listAudit } from '@/db/queries/audit';
import { AppError, type FieldError } from '@/lib/errors';
import { findRegionByCode } from '@/db/queries/regions';

let t: TestDb & { admin: Actor; regulators: Record<'gd' | 'sz' | 'zj', Actor>; labManagers: Map<string, Actor> };
let hospital: Actor;
const idOf = async (email: string) => (await findActorRowByEmail(t.db, email))!.id;

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'ok';
}
async function reasonOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.reason;
    throw e;
  }
  return 'ok';
}
async function errorsOf(fn: () => unknown): Promise<FieldError[]> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.errors;
    throw e;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  t = await createSeededTestDb();
  hospital = (await actorForUserId(t.db, await idOf('hospital@demo.labqc')))!;
});
afterAll(() => t.close());

describe('hospital and administrator accounts (admin)', () => {
  const page = (actor: Actor, role: 'hospital' | 'admin', q = '') => accountsPageInScope(t.db, actor, role, { page: 1, size: 50, sort: 'name', dir: 'asc', q });
  const countUsers = async () => (await t.db.$count((await import('@/db/schema')).users));

  it('the admin opens a hospital account: a temporary password that signs in as the hospital role, to be changed first', async () => {
    const { user, temporaryPassword } = await createCentralAccount(t.db, t.admin, { role: 'hospital', email: ' His@Hospital-A.test.cn ', name: '甲医院检验科' });
    expect(user).toMatchObject({ email: 'his@hospital-a.test.cn', role: 'hospital' });
    expect(temporaryPassword).toHaveLength(14);
    const signedIn = await signInWithPassword(t.db, 'his@hospital-a.test.cn', temporaryPassword);
    expect(signedIn).toMatchObject({ role: 'hospital', labId: null, regionId: null });
    expect(signedIn!.mustChangePassword).toBe(true);
    const audit = (await listAudit(t.db, { action: 'user.create' })).find((a) => a.entityId === String(user.id));
    expect(audit?.details).toMatchObject({ role: 'hospital', temporaryPassword: true });
    // listed on the admin's page of hospital accounts (paged, searched in SQL), not among administrators
    expect((await page(t.admin, 'hospital', 'hospital-a')).rows.map((r) => r.email)).toEqual(['his@hospital-a.test.cn']);
    expect((await page(t.admin, 'admin', 'hospital-a')).total).toBe(0);
  });

  it('a further administrator can manage accounts in turn', async () => {
    const { user } = await createCentralAccount(t.db, t.admin, { role: 'admin', email: 'second.admin@test.cn', name: '第二管理员' });
    const second = (await actorForUserId(t.db, user.id))!;
    expect(second.role).toBe('admin');
    const { user: made } = await createCentralAccount(t.db, second, { role: 'hospital', email: 'his@hospital-b.test.cn', name: '乙医院' });
    expect(made.role).toBe('hospital');
    expect((await page(t.admin, 'admin')).rows.map((r) => r.email)).toContain('second.admin@test.cn');
  });

  it('only an administrator opens them, only of these two kinds, one account per email; a refusal writes nothing', async () => {
    const before = await countUsers();
    expect(await reasonOf(() => createCentralAccount(t.db, t.regulators.gd, { role: 'hospital', email: 'x1@test.cn', name: 'X' }))).toBe('account.adminOnlyKind');
    expect(await reasonOf(() => createCentralAccount(t.db, hospital, { role: 'hospital', email: 'x2@test.cn', name: 'X' }))).toBe('account.adminOnlyKind');
    expect(await reasonOf(() => createCentralAccount(t.db, t.labManagers.get('GZ-001')!, { role: 'admin', email: 'x3@test.cn', name: 'X' }))).toBe('account.adminOnlyKind');
    for (const role of ['regulator', 'lab_manager', '', undefined]) {
      expect((await errorsOf(() => createCentralAccount(t.db, t.admin, { role, email: 'x4@test.cn', name: 'X' }))).map((e) => e.field)).toEqual(['role']);
    }
    expect(await reasonOf(() => createCentralAccount(t.db, t.admin, { role: 'hospital', email: 'HIS@hospital-a.test.cn', name: 'again' }))).toBe('account.emailTaken');
    expect((await errorsOf(() => createCentralAccount(t.db, t.admin, { role: 'hospital', email: 'not-an-email', name: '' }))).map((e) => e.field).sort()).toEqual(['email', 'name']);
    expect(await countUsers()).toBe(before);
    // the lists are the admin's: a regulator reads neither
    expect(await reasonOf(() => page(t.regulators.gd, 'hospital'))).toBe('auth.forbidden');
    expect(await reasonOf(() => page(hospital, 'admin'))).toBe('auth.forbidden');
  });

  it('the account page counts what the hospital set up; deactivation stops its tokens at once', async () => {
    const id = await idOf('his@hospital-a.test.cn');
    const h = (await actorForUserId(t.db, id))!;
    expect(await hospitalSetupOf(t.db, t.admin, id)).toEqual({ liveTokens: 0, watches: 0, activeEndpoints: 0 });
    const { token } = await createHospitalToken(t.db, h, { name: 'HIS', expiresInDays: '' });
    await addWatch(t.db, h, { lab: 'GZ-001' });
    expect(await hospitalSetupOf(t.db, t.admin, id)).toEqual({ liveTokens: 1, watches: 1, activeEndpoints: 0 });
    expect(await reasonOf(() => hospitalSetupOf(t.db, t.regulators.gd, id))).toBe('auth.forbidden');
    expect(await actorForApiToken(t.db, token)).toBeTruthy();
    await setUserActive(t.db, t.admin, { id, active: false, reason: 'contract ended' });
    expect(await actorForApiToken(t.db, token)).toBeFalsy();
    expect(await hospitalSetupOf(t.db, t.admin, id)).toMatchObject({ liveTokens: 0 });
    expect(await signInWithPassword(t.db, 'his@hospital-a.test.cn', 'whatever-long')).toBeFalsy();
  });
});

describe('regulator accounts (admin)', () => {
  it('the admin creates a regulator bound to a region; the temporary password signs in', async () => {
    const { user, temporaryPassword } = await createRegulator(t.db, t.admin, { email: 'Regulator.NB@test.cn', name: '宁波市临检中心', regionCode: '330200' });
    expect(user).toMatchObject({ email: 'regulator.nb@test.cn', role: 'regulator' });
    expect(temporaryPassword).toHaveLength(14);
    expect(await signInWithPassword(t.db, 'regulator.nb@test.cn', temporaryPassword)).toMatchObject({ regionCode: '330200' });
  });

  it('the admin moves a regulator to another region; history is kept without the password hash', async () => {
    const id = await idOf('regulator.nb@test.cn');
    await updateUser(t.db, t.admin, { id, email: 'regulator.nb@test.cn', name: '宁波市临检中心', regionCode: '330100', reason: 'reassigned' });
    expect((await actorForUserId(t.db, id))!.regionCode).toBe('330100');
    const v = (await listEntityVersions(t.db, 'user', id))[0];
    expect(v.reason).toBe('reassigned');
    expect(JSON.stringify(v.data)).not.toMatch(/passwordHash|\$2[aby]\$/);
    // the history names the former region by its code, not its id
    const [shown] = await entityHistory(t.db, t.admin, 'user', id);
    expect(shown.codes.regionId.get((shown.data as { regionId: number }).regionId)).toBe('330200');
    const [audited] = await listAudit(t.db, { action: 'user.update' });
    const regionIdOf = async (code: string) => (await findRegionByCode(t.db, code))!.id;
    expect(audited.details).toEqual({ reason: 'reassigned', changed: ['regionId'], from: { regionId: await regionIdOf('330200') }, to: { regionId: await regionIdOf('330100') } });
  });

  it.each([
    ['a regulator', () => t.regulators.gd],
    ['a lab manager', () => t.labManagers.get('GZ-001')!],
    ['a hospital', () => hospital],
  ])('%s cannot create, edit or deactivate regulators', async (_who, actor) => {
    const id = await idOf('regulator.zj@demo.labqc');
    expect(await codeOf(async () => await createRegulator(t.db, actor(), { email: 'x@test.cn', name: 'X', regionCode: '440000' }))).toBe('forbidden');
    expect(await codeOf(async () => await updateUser(t.db, actor(), { id, email: 'regulator.zj@demo.labqc', name: 'X', reason: 'attempt' }))).toBe('forbidden');
    expect(await codeOf(async () => await setUserActive(t.db, actor(), { id, active: false, reason: 'attempt' }))).toBe('forbidden');
    expect(await codeOf(async () => await resetPassword(t.db, actor(), { id }))).toBe('forbidden');
  });

  it('nobody deactivates their own account', async () => {
    expect(await codeOf(async () => await setUserActive(t.db, t.admin, { id: t.admin.userId, active: false, reason: 'oops' }))).toBe('conflict');
  });
});

describe('lab-manager accounts (regulator)', () => {
  it('a regulator creates a lab manager for a lab of their city', async () => {
    const { user } = await createLabManager(t.db, t.regulators.sz, { email: 'second.sz-001@test.cn', name: '副主任', labCode: 'SZ-001' });
    expect(await actorForUserId(t.db, user.id)).toMatchObject({ role: 'lab_manager', labCode: 'SZ-001' });
  });

  it.each([
    ['the Shenzhen regulator, for a Guangzhou lab', () => t.regulators.sz, 'GZ-003', 'forbidden'],
    ['the Zhejiang regulator, for a Shenzhen lab', () => t.regulators.zj, 'SZ-002', 'forbidden'],
    ['a lab manager', () => t.labManagers.get('GZ-001')!, 'GZ-001', 'forbidden'],
    ['a hospital', () => hospital, 'GZ-001', 'forbidden'],
    ['the Guangdong regulator, for an unknown lab', () => t.regulators.gd, 'GZ-999', 'invalid'],
  ])('%s cannot create a lab manager (%s)', async (_who, actor, labCode, code) => {
    expect(await codeOf(async () => await createLabManager(t.db, actor(), { email: `new.${labCode.toLowerCase()}@test.cn`, name: 'X', labCode }))).toBe(code);
  });

  it('a duplicate email is a conflict', async () => {
    expect(await codeOf(async () => await createLabManager(t.db, t.regulators.gd, { email: 'lab1@demo.labqc', name: 'X', labCode: 'GZ-003' }))).toBe('conflict');
  });

  it('the list of lab managers stays inside the jurisdiction (filtered in SQL)', async () => {
    const sz = await listUsers(t.db, { role: 'lab_manager', scope: scopeOf(t.regulators.sz) });
    expect(sz.length).toBeGreaterThan(0);
    expect(sz.every((u) => u.labCode?.startsWith('SZ-'))).toBe(true);
  });

  it('a regulator cannot move a manager to a lab outside the jurisdiction', async () => {
    const id = await idOf('second.sz-001@test.cn');
    expect(await codeOf(async () => await updateUser(t.db, t.regulators.sz, { id, email: 'second.sz-001@test.cn', name: '副主任', labCode: 'GZ-001', reason: 'move' }))).toBe('forbidden');
  });

  it('a password reset gives a new temporary password; the old one stops working', async () => {
    const id = await idOf('manager.sz-003@demo.labqc');
    const { temporaryPassword } = await resetPassword(t.db, t.regulators.sz, { id });
    expect(await signInWithPassword(t.db, 'manager.sz-003@demo.labqc', 'labqc-demo')).toBeNull();
    expect(await signInWithPassword(t.db, 'manager.sz-003@demo.labqc', temporaryPassword)).not.toBeNull();
    expect((await listAudit(t.db, { action: 'user.reset_password' }))[0]).toMatchObject({ entityId: String(id), actorId: t.regulators.sz.userId });
  });

  it('deactivation and reactivation are recorded with their reason', async () => {
    const id = await idOf('manager.sz-004@demo.labqc');
    const signed = (await findPasswordRow(t.db, id))!.sessionVersion;
    await setUserActive(t.db, t.regulators.sz, { id, active: false, reason: 'left the hospital' });
    expect(await actorForUserId(t.db, id)).toBeNull();
    await setUserActive(t.db, t.regulators.sz, { id, active: true, reason: 'returned' });
    expect(await actorForUserId(t.db, id)).not.toBeNull();
    // a session signed before the deactivation is not revived by the reactivation
    expect(await actorForUserId(t.db, id, signed)).toBeNull();
    expect(await actorForUserId(t.db, id, signed + 1)).not.toBeNull();
    expect((await listEntityVersions(t.db, 'user', id)).map((v) => v.reason)).toEqual(['returned', 'left the hospital']);
  });
});

describe('institution registry import', () => {
  const header = 'code,name,name_en,level,region_code,address,manager_email,manager_name';

  it('offers a template with the columns it reads', () => {
    expect(registryTemplateCsv().split('\r\n')[0]).toBe(header);
  });

  it('lists every bad row with its line and field, and writes nothing', async () => {
    const csv = [
      header,
      'GZ-201,新实验室甲,Lab A,secondary,440100,,,', // ok (line 2)
      'GZ-202,新实验室乙,,quaternary,440100,,,', // bad level
      'GZ-203,新实验室丙,,primary,449999,,,', // unknown region
      'HZ-201,杭州实验室,,primary,330100,,,', // outside jurisdiction
      'GZ-201,重复,,primary,440100,,,', // duplicate in file
      'HZ-001,已存在,,primary,440100,,,', // code exists in another jurisdiction
      'GZ-204,=CMD(),,primary,440100,,,', // formula injection
      ',,,primary,440100,,,', // missing fields
      'GZ-205,新实验室丁,,primary,440100,,lab2@demo.labqc,', // email of another account
    ].join('\n');
    const problems = (await errorsOf(async () => await commitRegistryImport(t.db, t.regulators.gd, csv))).map((p) => [p.row, p.field, (p as { code?: string }).code]);
    expect(problems).toEqual(
      expect.arrayContaining([
        [3, 'level', 'bad_level'],
        [4, 'region_code', 'unknown_region'],
        [5, 'region_code', 'region_outside_jurisdiction'],
        [6, 'code', 'duplicate_in_file'],
        [7, 'code', 'code_outside_jurisdiction'],
        [8, 'name', 'formula'],
        [9, 'code', 'required'],
        [9, 'name', 'required'],
        [10, 'manager_email', 'email_taken'],
      ]),
    );
    expect(problems.some(([row]) => row === 2)).toBe(false);
    expect(await findLabByCode(t.db, 'GZ-201')).toBeUndefined();
  });

  it.each([
    ['an empty file', ''],
    ['a file without the required columns', 'code,name\nX-1,Y'],
    ['a header without rows', header],
  ])('refuses %s', async (_case, csv) => {
    expect(await codeOf(async () => await previewRegistryImport(t.db, t.regulators.gd, csv))).toBe('invalid');
  });

  it('previews, then commits creates, updates (with history) and new managers in one go', async () => {
    const csv = [
      header,
      'GZ-301,广州新建实验室,New Lab,secondary,440100,广州市天河区,new.gz-301@test.cn,王五',
      'GZ-001,广州市越秀中心医院检验科（更名）,Guangzhou Yuexiu Central Hospital Laboratory,tertiary,440100,,,',
      'GZ-002,' + (await findLabByCode(t.db, 'GZ-002'))!.lab.name + ',' + (await findLabByCode(t.db, 'GZ-002'))!.lab.nameEn + ',tertiary,440100,,,',
    ].join('\n');
    const preview = await previewRegistryImport(t.db, t.regulators.gd, csv);
    expect(preview.problems).toEqual([]);
    expect(preview.rows.map((r) => [r.code, r.action])).toEqual([
      ['GZ-301', 'create'],
      ['GZ-001', 'update'],
      ['GZ-002', 'unchanged'],
    ]);
    expect(await findLabByCode(t.db, 'GZ-301')).toBeUndefined();

    const result = await commitRegistryImport(t.db, t.regulators.gd, csv);
    expect(result.counts).toEqual({ create: 1, update: 1, unchanged: 1, managers: 1 });
    expect((await findLabByCode(t.db, 'GZ-301'))!.lab).toMatchObject({ level: 'secondary', address: '广州市天河区' });
    const gz1 = (await findLabByCode(t.db, 'GZ-001'))!.lab;
    expect(gz1.name).toContain('更名');
    expect((await listEntityVersions(t.db, 'lab', gz1.id))[0].reason).toBe('registry import');
    const [m] = result.managers;
    expect(await signInWithPassword(t.db, m.email, m.temporaryPassword)).toMatchObject({ labCode: 'GZ-301', role: 'lab_manager', mustChangePassword: true });
    expect((await listAudit(t.db, { action: 'registry.import' }))[0].details).toEqual(result.counts);
  });

  it('re-importing the same file changes nothing and creates no second manager', async () => {
    const csv = [header, 'GZ-301,广州新建实验室,New Lab,secondary,440100,广州市天河区,new.gz-301@test.cn,王五'].join('\n');
    expect((await commitRegistryImport(t.db, t.regulators.gd, csv)).counts).toEqual({ create: 0, update: 0, unchanged: 1, managers: 0 });
  });

  it('empty optional cells keep what an existing lab has (a partial registry erases nothing)', async () => {
    const csv = [header, 'GZ-301,广州新建实验室,,tertiary,440100,,,'].join('\n');
    expect((await commitRegistryImport(t.db, t.regulators.gd, csv)).counts.update).toBe(1);
    expect((await findLabByCode(t.db, 'GZ-301'))!.lab).toMatchObject({ level: 'tertiary', nameEn: 'New Lab', address: '广州市天河区' });
  });

  it.each([
    ['a lab manager', () => t.labManagers.get('GZ-001')!],
    ['a hospital', () => hospital],
  ])('%s cannot import a registry', async (_who, actor) => {
    expect(await codeOf(async () => await previewRegistryImport(t.db, actor(), `${header}\nGZ-401,x,,primary,440100,,,`))).toBe('forbidden');
  });
});
