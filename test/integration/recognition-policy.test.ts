// Recognition policies: versions by effective date, city inheritance and override, who may edit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '@/test/support/db';
import { createPolicyVersion, effectivePolicyFor, policyPage } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { findEligibility } from '@/db/queries/recognition';
import { NOW, addGoodEvidence, analyteId, labId } from './recognition-fixtures';
import { addDays, dayOf } from '@/lib/calendar';
import { appErrorAsync } from '../support/errors';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;

const GD = '/100000/440000/';
const SZ = '/100000/440000/440300/';
const GZ = '/100000/440000/440100/';

describe('recognition policies', () => {
  let w: World;
  beforeAll(async () => {
    w = await createSeededTestDb();
    const gd = w.regulators.gd;
    await createPolicyVersion(w.db, gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: 'K NA', reason: 'first list' }, { now: NOW });
    await createPolicyVersion(w.db, gd, { regionCode: '440000', effectiveFrom: '2026-03-01', analyteCodes: ['K', 'NA', 'GLU'], validityMonths: 24, reason: 'glucose added' }, { now: NOW });
    await createPolicyVersion(w.db, gd, { regionCode: '440000', effectiveFrom: '2026-09-01', analyteCodes: ['K'], reason: 'announced for autumn' }, { now: NOW });
  });
  afterAll(() => w.close());

  it.each([
    ['before the first version there is no policy', GD, '2024-12-31', null],
    ['the first version applies from its effective date', GD, '2025-01-01', 1],
    ['a later version replaces it from its own date', GD, '2026-03-01', 2],
    ['a version announced for the future is not in force yet', GD, '2026-06-15', 2],
    ['…and applies once its day comes', GD, '2026-09-01', 3],
    ['a city without its own policy inherits the province version', GZ, '2026-06-15', 2],
  ])('%s', async (_t, path, day, version) => {
    const p = await effectivePolicyFor(w.db, path, day);
    expect(p?.version ?? null).toBe(version);
    if (p) expect(p.regionCode).toBe('440000');
  });

  it('an inherited policy says so, and carries its list and validity', async () => {
    const p = (await effectivePolicyFor(w.db, GZ, '2026-06-15'))!;
    expect(p).toMatchObject({ inherited: true, analyteCodes: ['GLU', 'K', 'NA'], validityMonths: 24 });
    expect(p.criteria).toMatchObject({ eqaSatisfactoryRounds: 2, eqaUnsuccessfulWindow: 3, iqcMinLevels: 2, iqcCoveragePercent: 80, iqcWindowDays: 90, correctiveActionDays: 7, requireCv: true });
  });

  it('the Shenzhen regulator overrides for Shenzhen only: stricter IQC coverage and its own list', async () => {
    await createPolicyVersion(w.db, w.regulators.sz, { regionCode: '440300', effectiveFrom: '2026-04-01', analyteCodes: ['K', 'GLU', 'ALT'], criteria: { iqcCoveragePercent: 95 }, reason: '深圳市更严格的室内质控要求' }, { now: NOW });
    const sz = (await effectivePolicyFor(w.db, SZ, '2026-06-15'))!;
    expect(sz).toMatchObject({ regionCode: '440300', inherited: false, analyteCodes: ['ALT', 'GLU', 'K'] });
    expect(sz.criteria.iqcCoveragePercent).toBe(95);
    expect(sz.criteria.iqcMinLevels).toBe(2); // unspecified thresholds keep their defaults
    expect((await effectivePolicyFor(w.db, SZ, '2026-03-31'))!.regionCode).toBe('440000'); // before the override: inherited
    expect((await effectivePolicyFor(w.db, GZ, '2026-06-15'))!.regionCode).toBe('440000'); // Guangzhou unaffected
  });

  it('the engine judges a Shenzhen lab by the override (ALT is listed in Shenzhen, not in Guangzhou)', async () => {
    const alt = await analyteId(w.db, 'ALT');
    await addGoodEvidence(w.db, await labId(w.db, 'SZ-001'), alt);
    await addGoodEvidence(w.db, await labId(w.db, 'GZ-001'), alt);
    await computeEligibility(w.db, { labIds: [await labId(w.db, 'SZ-001'), await labId(w.db, 'GZ-001')], now: NOW });
    expect((await findEligibility(w.db, await labId(w.db, 'SZ-001'), alt))!.eligible).toBe(true);
    expect((await findEligibility(w.db, await labId(w.db, 'GZ-001'), alt))!.eligible).toBe(false);
  });

  it.each([
    ['the Shenzhen regulator edits the Guangdong policy', () => w.regulators.sz, '440000', 'forbidden'],
    ['the Zhejiang regulator edits the Guangdong policy', () => w.regulators.zj, '440000', 'forbidden'],
    ['the Zhejiang regulator edits the Shenzhen policy', () => w.regulators.zj, '440300', 'forbidden'],
    ['a lab manager edits their province policy', () => w.labManagers.get('GZ-001')!, '440000', 'forbidden'],
    ['the administrator edits a policy (regulators own policies)', () => w.admin, '440000', 'forbidden'],
    ['an anonymous caller edits a policy', () => null as never, '440000', 'forbidden'],
  ])('refused: %s', async (_t, actor, regionCode, code) => {
    await expect(async () => await createPolicyVersion(w.db, actor(), { regionCode, effectiveFrom: '2026-07-01', analyteCodes: ['K'], reason: 'attempt' }, { now: NOW })).rejects.toThrow(
      expect.objectContaining({ code }),
    );
  });

  it.each([
    ['an unknown analyte code', { analyteCodes: ['NOPE'] }, 'analyteCodes'],
    ['an empty analyte list', { analyteCodes: [] }, 'analyteCodes'],
    ['a date that does not exist', { effectiveFrom: '2026-02-30' }, 'effectiveFrom'],
    ['a missing reason', { reason: '' }, 'reason'],
    ['a coverage above 100 %', { criteria: { iqcCoveragePercent: 120 } }, 'criteria.iqcCoveragePercent'],
  ])('invalid input is refused with the field: %s', async (_t, over, field) => {
    const input = { regionCode: '440000', effectiveFrom: '2026-07-01', analyteCodes: ['K'], reason: 'valid reason', ...over };
    await expect(async () => await createPolicyVersion(w.db, w.regulators.gd, input, { now: NOW })).rejects.toThrow(
      expect.objectContaining({ code: 'invalid', errors: expect.arrayContaining([expect.objectContaining({ field })]) }),
    );
  });

  it('each version is audited and numbered per region', async () => {
    const page = await policyPage(w.db, w.regulators.gd, {}, { now: NOW });
    expect(page.versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(page.inForce?.version).toBe(2);
    const n = (await sqlRows<{ n: number }>(w.db, "SELECT count(*) AS n FROM audit_log WHERE action = 'policy.create'"))[0].n;
    expect(n).toBe(4);
  });
});

describe('a new version in force today or not (the policy form\'s message, the eligibility run it starts)', () => {
  let w: World;
  beforeAll(async () => {
    w = await createSeededTestDb();
  });
  afterAll(() => w.close());

  it('is in force when dated today or earlier and not before the version in force; a backdated or announced one is not', async () => {
    const zj = w.regulators.zj;
    const add = async (effectiveFrom: string) => (await createPolicyVersion(w.db, zj, { regionCode: '330000', effectiveFrom, analyteCodes: ['K'], reason: `from ${effectiveFrom}` }, { now: NOW })).inForceToday;
    const today = dayOf(NOW);
    expect(await add(addDays(today, -30))).toBe(true);
    // dated before the version in force: that one stays in force
    expect(await add(addDays(today, -60))).toBe(false);
    expect(await add(addDays(today, 1))).toBe(false);
    expect(await add(today)).toBe(true);
    expect((await effectivePolicyFor(w.db, '/100000/330000/', today))?.version).toBe(4);
  });
});

describe('unknown item codes in a new version', () => {
  let w: World;
  beforeAll(async () => {
    w = await createSeededTestDb();
  });
  afterAll(() => w.close());

  it('are reported under the field that names them: the list or the windows; nothing is written', async () => {
    const e = await appErrorAsync(() => createPolicyVersion(w.db, w.regulators.zj, { regionCode: '330000', effectiveFrom: '2026-01-01', analyteCodes: ['K', 'NOPE'], windows: 'K 7\nTYPO 30', reason: 'typos' }, { now: NOW }));
    expect(e.reason).toBe('analyte.unknownList');
    expect(e.errors.map((x) => [x.field, x.params?.analyte])).toEqual([['analyteCodes', 'NOPE'], ['windows', 'TYPO']]);
    expect((await policyPage(w.db, w.regulators.zj, {}, { now: NOW })).versions).toEqual([]);
  });
});
