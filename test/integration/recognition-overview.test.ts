// The regional overview's recognition figures on a hand-built set of verdicts and certifications:
// the pairs evaluated and eligible within a scope (counted per lab, or as the whole table less the
// labs outside it), and the certifications at risk, worst first: flagged (not eligible before
// eligible), then no longer eligible, then ending within the window, the earliest end first.
// Expected values: counted by hand from the rows below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '@/test/support/db';
import { certifications, eligibilityResults } from '@/db/schema';
import { findRegionByCode } from '@/db/queries/regions';
import { certificationsAtRisk, eligibilityCounts } from '@/db/queries/recognition-overview';
import { regionScope } from '@/lib/auth/scope';
import { analyteId, labId } from './recognition-fixtures';
import { regionalOverview } from '@/lib/services/recognition/overview';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const TODAY = '2026-06-15';
const SOON = '2026-08-14';

describe('regional overview figures', () => {
  let w: World;
  const gd = async () => regionScope((await findRegionByCode(w.db, '440000'))!.path);

  beforeAll(async () => {
    w = await createSeededTestDb();
    const pair = async (lab: string, test: string) => ({ labId: await labId(w.db, lab), analyteId: await analyteId(w.db, test) });
    // verdicts: Guangdong 5 pairs (3 eligible), Zhejiang 1 (eligible)
    const verdicts: [string, string, boolean][] = [
      ['GZ-001', 'K', true],
      ['GZ-001', 'NA', false],
      ['GZ-003', 'K', false],
      ['GZ-004', 'K', true],
      ['GZ-005', 'K', true],
      ['HZ-001', 'K', true],
    ];
    // the criteria a verdict stores: those not met are what the overview names for a pair at risk
    const criteria = (eligible: boolean) => [
      { key: 'listed', met: true, figure: null },
      { key: 'eqa', met: eligible, figure: null },
      { key: 'iqcCoverage', met: eligible, figure: null },
    ];
    for (const [lab, test, eligible] of verdicts) await w.db.insert(eligibilityResults).values({ ...await pair(lab, test), policyId: null, eligible, criteria: criteria(eligible) as never, computedAt: 0 });
    const scopeRegionId = (await findRegionByCode(w.db, '440000'))!.id;
    const cert = async (lab: string, test: string, no: string, flagged: boolean, validTo: string, status: 'active' | 'revoked' = 'active') =>
      await w.db.insert(certifications).values({ ...await pair(lab, test), scopeRegionId, scope: '广东', mark: '广东HR', certificateNo: no, status, validFrom: '2026-01-01', validTo, flagged, createdAt: 0, updatedAt: 0 });
    await cert('GZ-001', 'K', 'A', true, '2027-06-30'); // flagged, eligible
    await cert('GZ-002', 'K', 'B', true, '2027-03-31'); // flagged, no verdict (not eligible)
    await cert('GZ-003', 'K', 'C', false, '2027-05-31'); // not eligible
    await cert('GZ-004', 'K', 'D', false, '2026-07-15'); // eligible, ends within the window
    await cert('GZ-005', 'K', 'E', false, '2027-12-31'); // eligible, ends late: not at risk
    await cert('GZ-001', 'NA', 'G', false, '2027-02-28'); // not eligible, ends before C
    await cert('GZ-005', 'NA', 'R', true, '2027-01-31', 'revoked'); // not live
    await cert('GZ-006', 'K', 'X', true, '2026-06-01'); // already ended
    await cert('HZ-001', 'K', 'F', true, '2027-01-31'); // Zhejiang: outside Guangdong
  });
  afterAll(() => w.close());

  const codes = (rows: { labCode: string; analyteCode: string }[]) => rows.map((r) => `${r.labCode}:${r.analyteCode}`);

  it('at risk within Guangdong: flagged (not eligible first), then not eligible, then ending soon', async () => {
    expect(codes(await certificationsAtRisk(w.db, await gd(), TODAY, SOON))).toEqual(['GZ-002:K', 'GZ-001:K', 'GZ-001:NA', 'GZ-003:K', 'GZ-004:K']);
  });

  it('a shorter list stops in the middle of a step', async () => {
    expect(codes(await certificationsAtRisk(w.db, await gd(), TODAY, SOON, 1))).toEqual(['GZ-002:K']);
    expect(codes(await certificationsAtRisk(w.db, await gd(), TODAY, SOON, 3))).toEqual(['GZ-002:K', 'GZ-001:K', 'GZ-001:NA']);
    expect(codes(await certificationsAtRisk(w.db, await gd(), TODAY, SOON, 4))).toEqual(['GZ-002:K', 'GZ-001:K', 'GZ-001:NA', 'GZ-003:K']);
  });

  it('the whole nation includes Zhejiang, flagged and eligible, after the flagged pair without a verdict', async () => {
    expect(codes(await certificationsAtRisk(w.db, regionScope('/'), TODAY, SOON))).toEqual(['GZ-002:K', 'HZ-001:K', 'GZ-001:K', 'GZ-001:NA', 'GZ-003:K', 'GZ-004:K']);
  });

  it('the overview names the unmet criteria of each pair at risk, from the stored verdict (on PostgreSQL a jsonb value)', async () => {
    const o = await regionalOverview(w.db, w.regulators.gd, {}, { now: Date.parse(`${TODAY}T04:00:00Z`) });
    expect(o.atRisk.map((r) => [`${r.labCode}:${r.analyteCode}`, r.unmet])).toEqual([
      ['GZ-002:K', []],
      ['GZ-001:K', []],
      ['GZ-001:NA', ['eqa', 'iqcCoverage']],
      ['GZ-003:K', ['eqa', 'iqcCoverage']],
      ['GZ-004:K', []],
    ]);
  });

  it('evaluated and eligible pairs: a province summed per lab, the nation as the whole table less the labs outside', async () => {
    expect(await eligibilityCounts(w.db, await gd())).toEqual({ pairs: 5, eligible: 3 });
    expect(await eligibilityCounts(w.db, regionScope('/'))).toEqual({ pairs: 6, eligible: 4 });
    expect(await eligibilityCounts(w.db, regionScope((await findRegionByCode(w.db, '330000'))!.path))).toEqual({ pairs: 1, eligible: 1 });
    expect(await eligibilityCounts(w.db, { kind: 'lab', labId: await labId(w.db, 'GZ-001') })).toEqual({ pairs: 2, eligible: 1 });
    expect(await eligibilityCounts(w.db, { kind: 'none' })).toEqual({ pairs: 0, eligible: 0 });
  });
});
