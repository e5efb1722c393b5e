// Public verification: point-in-time answers across a suspension and a reinstatement (history is
// never rewritten), the lab's certifications on a day, lab search, and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows, sqlRun } from '@/test/support/db';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { labCertifications, searchLabs, verifyRecognition } from '@/lib/services/recognition/verification';
import { certificateForLab, findCertificate, qrSvg } from '@/lib/services/recognition/certificates';
import { NOW, addGoodEvidence, analyteId, labId } from './recognition-fixtures';
import { startOfDay } from '@/lib/calendar';

/** A decision made on its effective day (decisions are never back-dated). */
const onDay = (day: string) => startOfDay(day) + 10 * 3600 * 1000;

type World = Awaited<ReturnType<typeof createSeededTestDb>>;

describe('public verification', () => {
  let w: World;
  const verify = async (date: string | undefined, lab = 'GZ-001', analyte = 'K') => await verifyRecognition(w.db, { lab, analyte, date }, { now: NOW });
  const jan = async () => await verify('2026-01-20');

  beforeAll(async () => {
    w = await createSeededTestDb();
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K', 'NA'], reason: 'list' }, { now: NOW });
    const gz1 = await labId(w.db, 'GZ-001');
    await addGoodEvidence(w.db, gz1, await analyteId(w.db, 'K'));
    await addGoodEvidence(w.db, gz1, await analyteId(w.db, 'NA'));
    await computeEligibility(w.db, { now: NOW });
  });
  afterAll(() => w.close());

  it('answers for a date before any decision: not certified', async () => {
    // reused today (NOW, 2026-06-15): 146 days after the result, beyond the system default of 30 days
    expect(await verify('2026-01-20')).toEqual({ recognized: false, date: '2026-01-20', reason: 'not_certified', asOf: '2026-06-15', windowDays: 30, withinWindow: false });
  });

  it('a January answer stays the same after a March suspension and an April reinstatement', async () => {
    const base = { labId: await labId(w.db, 'GZ-001'), analyteId: await analyteId(w.db, 'K') };
    await decide(w.db, w.regulators.gd, { ...base, action: 'approve', reason: '符合互认要求', effectiveOn: '2026-01-10' }, { now: onDay('2026-01-10') });
    const januaryBefore = await jan();
    expect(januaryBefore).toMatchObject({ recognized: true, mark: '广东HR', scope: '广东', certificateNo: 'HR-440000-2026-000001', validFrom: '2026-01-10', validTo: '2027-01-09', reason: 'recognized' });

    await decide(w.db, w.regulators.gd, { ...base, action: 'suspend', reason: 'EQA under review', effectiveOn: '2026-03-01' }, { now: onDay('2026-03-01') });
    expect(await jan()).toEqual(januaryBefore);
    await decide(w.db, w.regulators.gd, { ...base, action: 'reinstate', reason: 'resolved', effectiveOn: '2026-04-01' }, { now: onDay('2026-04-01') });
    expect(await jan()).toEqual(januaryBefore);
  });

  it.each([
    ['the day before the approval', '2026-01-09', false, 'not_yet_certified'],
    ['the day of the approval', '2026-01-10', true, 'recognized'],
    ['the day before the suspension', '2026-02-28', true, 'recognized'],
    ['the day the suspension takes effect', '2026-03-01', false, 'suspended'],
    ['during the suspension', '2026-03-31', false, 'suspended'],
    ['the day of the reinstatement', '2026-04-01', true, 'recognized'],
    ['today (no date given)', undefined, true, 'recognized'],
    ['the last day of validity', '2027-01-09', true, 'recognized'],
    ['after the window', '2027-01-10', false, 'expired'],
  ])('lab GZ-001, potassium, %s', async (_t, date, recognized, reason) => {
    expect(await verify(date)).toMatchObject({ recognized, reason });
  });

  it('a revocation answers "revoked" from its day on and leaves earlier days alone', async () => {
    const base = { labId: await labId(w.db, 'GZ-001'), analyteId: await analyteId(w.db, 'NA') };
    await decide(w.db, w.regulators.gd, { ...base, action: 'approve', reason: 'meets the policy', effectiveOn: '2026-02-01' }, { now: onDay('2026-02-01') });
    await decide(w.db, w.regulators.gd, { ...base, action: 'revoke', reason: 'falsified records', effectiveOn: '2026-05-01' }, { now: onDay('2026-05-01') });
    expect(await verify('2026-04-30', 'GZ-001', 'NA')).toMatchObject({ recognized: true });
    expect(await verify('2026-05-01', 'GZ-001', 'NA')).toMatchObject({ recognized: false, reason: 'revoked', certificateNo: 'HR-440000-2026-000002' });
  });

  it('the answer holds certification data only', async () => {
    const keys = Object.keys(await verify('2026-01-20'));
    expect(keys.every((k) => ['recognized', 'mark', 'scope', 'certificateNo', 'validFrom', 'validTo', 'status', 'date', 'reason', 'asOf', 'windowDays', 'withinWindow'].includes(k))).toBe(true);
  });

  it.each([
    ['an unknown laboratory', { lab: 'XX-999', analyte: 'K' }, 'not_found'],
    ['an unknown analyte', { lab: 'GZ-001', analyte: 'NOPE' }, 'not_found'],
    ['a malformed date', { lab: 'GZ-001', analyte: 'K', date: '20-01-2026' }, 'invalid'],
    ['a date that does not exist', { lab: 'GZ-001', analyte: 'K', date: '2026-02-30' }, 'invalid'],
    ['a missing laboratory', { analyte: 'K' }, 'invalid'],
  ])('refuses %s', async (_t, q, code) => {
    await expect(async () => await verifyRecognition(w.db, q, { now: NOW })).rejects.toThrow(expect.objectContaining({ code }));
  });

  it('lists the certifications of a lab valid on a day with their status on that day', async () => {
    const march = (await labCertifications(w.db, 'GZ-001', '2026-03-15', { now: NOW })).certifications;
    expect(march.map((c) => [c.analyteCode, c.status, c.mark])).toEqual([
      ['K', 'suspended', '广东HR'],
      ['NA', 'active', '广东HR'],
    ]);
    expect((await labCertifications(w.db, 'GZ-001', '2026-01-05', { now: NOW })).certifications).toEqual([]);
    const today = await labCertifications(w.db, 'GZ-001', undefined, { now: NOW });
    expect(today.day).toBe('2026-06-15');
    expect(today.certifications.map((c) => [c.analyteCode, c.status])).toEqual([
      ['K', 'active'],
      ['NA', 'revoked'],
    ]);
    await expect(async () => await labCertifications(w.db, 'NOPE', undefined, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it.each([
    ['by code', { q: 'GZ-001' }, ['GZ-001']],
    ['by Chinese name', { q: '福田' }, ['SZ-002']],
    ['within a city', { region: '440300' }, ['SZ-001', 'SZ-002', 'SZ-003', 'SZ-004', 'SZ-005', 'SZ-006', 'SZ-007', 'SZ-008', 'SZ-009', 'SZ-010']],
    ['by name within another province (no match)', { q: '福田', region: '330000' }, []],
  ])('lab search %s', async (_t, q, codes) => {
    const found = await searchLabs(w.db, q);
    expect(found.labs.map((l) => l.code)).toEqual(codes);
    expect(found.more).toBe(false);
  });

  it('lab search answers at most 50 labs and says when more match (the page said "50 laboratories")', async () => {
    const { laboratories } = await import('@/db/schema');
    const region = (await sqlRows<{ id: number }>(w.db, "SELECT region_id AS id FROM laboratories WHERE code = 'GZ-001'"))[0].id;
    await w.db.insert(laboratories).values(Array.from({ length: 51 }, (_, i) => ({ code: `MANY-${String(i).padStart(3, '0')}`, name: `多家检验所 ${i}`, level: 'primary' as const, regionId: Number(region), createdAt: NOW, updatedAt: NOW })));
    const many = await searchLabs(w.db, { q: '多家检验所' });
    expect([many.labs.length, many.more, many.labs[0].code]).toEqual([50, true, 'MANY-000']);
    const fifty = await searchLabs(w.db, { q: '多家检验所 4' }); // 4, 40–49: 11
    expect([fifty.labs.length, fifty.more]).toEqual([11, false]);
  });

  it('lab search folds A–Z only, on both backends (PostgreSQL ILIKE folded Ä and É, SQLite LIKE does not)', async () => {
    await sqlRun(w.db, "UPDATE laboratories SET name_en = 'Ärztelabor Éclair Guangzhou' WHERE code = 'GZ-003'");
    const codes = async (q: string) => (await searchLabs(w.db, { q })).labs.map((l) => l.code);
    expect(await codes('ÄRZTELABOR')).toEqual(['GZ-003']);
    expect(await codes('ärztelabor')).toEqual([]);
    expect(await codes('éclair')).toEqual([]);
    expect(await codes('Éclair GUANGZHOU')).toEqual(['GZ-003']);
  });

  it('the certificate lists the recognised tests and a certificate number leads to its lab', async () => {
    const c = await certificateForLab(w.db, 'GZ-001', { now: NOW });
    expect(c.recognised.map((r) => r.mark)).toEqual(['广东HR']);
    expect(await findCertificate(w.db, 'HR-440000-2026-000001')).toMatchObject({ labCode: 'GZ-001', analyteCode: 'K' });
    expect(await qrSvg('http://localhost/verify/labs/GZ-001')).toMatch(/^<svg/);
  });
});
