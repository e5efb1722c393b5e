// The same create sent several times at once (a double-clicked form, an LIS that retries before the
// first answer): one succeeds, the others get the conflict a later duplicate gets (409), never a 500.
// SQLite runs writers one at a time, so the later ones see the first; on PostgreSQL they run together
// under read committed, where each one's check finds nothing and the unique index refuses all but one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows, testBackend } from '../support/db';
import { errorBody } from '@/lib/errors';
import { createLab } from '@/lib/services/labs';
import { createRegion } from '@/lib/services/regions';
import { createScheme } from '@/lib/services/eqa/schemes';
import { createRound } from '@/lib/services/eqa/rounds';
import { createLabManager, createRegulator } from '@/lib/services/users';
import { addCalendarEntry } from '@/lib/services/recognition/calendar';
import { setLocalCode } from '@/lib/services/hospital/local-codes';
import { addWatch } from '@/lib/services/hospital/watches';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { createAnalyte } from '@/lib/services/catalogue';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { NOW, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
let w: World;
beforeAll(async () => {
  w = await createSeededTestDb();
}, 120_000);
afterAll(async () => await w?.close());

const AT_ONCE = 6;
const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

async function atOnce(run: () => Promise<unknown>) {
  const settled = await Promise.allSettled(Array.from({ length: AT_ONCE }, run));
  return settled.map((s) => (s.status === 'fulfilled' ? 201 : errorBody(s.reason).status));
}

describe(`the same create ${AT_ONCE} times at once on ${testBackend}: one 201, the rest 409`, () => {
  it.each<[string, () => Promise<unknown>, string]>([
    ['a laboratory', () => createLab(w.db, w.regulators.gd, { code: 'DUP-001', name: '重复', level: 'primary', regionCode: '440100' }), `SELECT count(*) AS n FROM laboratories WHERE code = 'DUP-001'`],
    ['a region', () => createRegion(w.db, w.admin, { code: '440600', name: '佛山', nameEn: 'Foshan', level: 'city', parentCode: '440000' }), `SELECT count(*) AS n FROM regions WHERE code = '440600'`],
    ['a scheme', () => createScheme(w.db, w.regulators.gd, { code: 'DUP-S', name: '重复', analytes: ['K'] }), `SELECT count(*) AS n FROM eqa_schemes WHERE code = 'DUP-S'`],
    ['a round', () => createRound(w.db, w.regulators.gd, { scheme: 'DUP-S', code: 'DUP-R', opensAt: day(1), closesAt: day(20), samples: ['S1'], analytes: ['K'], referenceValues: [] }), `SELECT count(*) AS n FROM eqa_rounds WHERE code = 'DUP-R'`],
    ['a lab manager', () => createLabManager(w.db, w.regulators.gd, { email: 'dup.manager@test.cn', name: 'D', labCode: 'GZ-004' }), `SELECT count(*) AS n FROM users WHERE email = 'dup.manager@test.cn'`],
    ['a regulator', () => createRegulator(w.db, w.admin, { email: 'dup.regulator@test.cn', name: 'D', regionCode: '330200' }), `SELECT count(*) AS n FROM users WHERE email = 'dup.regulator@test.cn'`],
    ['a calendar entry', () => addCalendarEntry(w.db, w.regulators.gd, { regionCode: '440000', day: '2027-10-09', kind: 'workday', name: '调整' }), `SELECT count(*) AS n FROM calendar_days WHERE day = '2027-10-09'`],
    ['an analyte', () => createAnalyte(w.db, w.admin, { code: 'DUP_Q', nameZh: '重复', nameEn: 'Dup', kind: 'quantitative', unit: 'mmol/L', category: 'chemistry', teaSource: 'CLIA', teaPercent: '10' }), `SELECT count(*) AS n FROM analytes WHERE code = 'DUP_Q'`],
    ['a control lot’s targets', () => setManufacturerTarget(w.db, w.labManagers.get('GZ-001')!, { analyte: 'K', level: '1', lot: 'DUP-L1', instrument: 'AU5800', mean: '4', sd: '0.1', effectiveFrom: day(-1) }), `SELECT count(*) AS n FROM control_lots WHERE lot_number = 'DUP-L1'`],
    ['a watch', () => addWatch(w.db, w.hospital, { lab: 'GZ-002' }), `SELECT count(*) AS n FROM hospital_watches`],
    ['a local code', () => setLocalCode(w.db, w.hospital, { localCode: 'DUP-K', analyte: 'K', reason: 'mapping' }), `SELECT count(*) AS n FROM analyte_local_codes WHERE local_code = 'DUP-K'`],
  ])('%s', async (_what, run, count) => {
    const statuses = await atOnce(run);
    expect(statuses.filter((s) => s >= 500), JSON.stringify(statuses)).toEqual([]);
    expect(statuses.filter((s) => s === 201).length, JSON.stringify(statuses)).toBeGreaterThanOrEqual(1);
    expect((await sqlRows<{ n: number }>(w.db, count))[0].n).toBe(1);
  }, 60_000);
});

describe(`decisions taken at once on ${testBackend}`, () => {
  it('the same pair approved 6 times at once: one certificate, the others already certified (409)', async () => {
    const [gz1, gz2, k] = [await labId(w.db, 'GZ-001'), await labId(w.db, 'GZ-002'), await analyteId(w.db, 'K')];
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    for (const lab of [gz1, gz2]) await addGoodEvidence(w.db, lab, k);
    await computeEligibility(w.db, { now: NOW });
    const approve = (lab: number) => decide(w.db, w.regulators.gd, { action: 'approve', labId: lab, analyteId: k, reason: '符合互认要求' }, { now: NOW });
    const same = await Promise.allSettled(Array.from({ length: AT_ONCE }, () => approve(gz1)));
    expect(same.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(same.flatMap((s) => (s.status === 'rejected' ? [errorBody(s.reason).body.code] : []))).toEqual(Array(AT_ONCE - 1).fill('recognition.alreadyCertified'));
    // another pair at the same moment takes the next certificate number (they were read alike)
    const other = await approve(gz2);
    const numbers = await sqlRows<{ no: string }>(w.db, `SELECT certificate_no AS no FROM certifications WHERE analyte_id = ? ORDER BY certificate_no`, k);
    expect(numbers.map((r) => r.no)).toEqual([expect.stringMatching(/-000001$/), expect.stringMatching(/-000002$/)]);
    expect(numbers[1].no).toBe((other as { certificateNo: string }).certificateNo);
  }, 60_000);

  it('two pairs of one region approved at once both get certificates, with distinct numbers', async () => {
    const [gz3, gz4, k] = [await labId(w.db, 'GZ-003'), await labId(w.db, 'GZ-004'), await analyteId(w.db, 'K')];
    for (const lab of [gz3, gz4]) await addGoodEvidence(w.db, lab, k);
    await computeEligibility(w.db, { now: NOW });
    const both = await Promise.all([gz3, gz4].map((lab) => decide(w.db, w.regulators.gd, { action: 'approve', labId: lab, analyteId: k, reason: '符合互认要求' }, { now: NOW })));
    expect(new Set(both.map((d) => (d as { certificateNo: string }).certificateNo)).size).toBe(2);
  }, 60_000);
});
