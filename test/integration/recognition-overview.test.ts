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

type World = ReturnType<typeof createSeededTestDb>;
const TODAY = '2026-06-15';
const SOON = '2026-08-14';

describe('regional overview figures', () => {
  let w: World;
  const gd = () => regionScope(findRegionByCode(w.db, '440000')!.path);

  beforeAll(() => {
    w = createSeededTestDb();
    const pair = (lab: string, test: string) => ({ labId: labId(w.db, lab), analyteId: analyteId(w.db, test) });
    // verdicts: Guangdong 5 pairs (3 eligible), Zhejiang 1 (eligible)
    const verdicts: [string, string, boolean][] = [
      ['GZ-001', 'K', true],
      ['GZ-001', 'NA', false],
      ['GZ-003', 'K', false],
      ['GZ-004', 'K', true],
      ['GZ-005', 'K', true],
      ['HZ-001', 'K', true],
    ];
    for (const [lab, test, eligible] of verdicts) w.db.insert(eligibilityResults).values({ ...pair(lab, test), policyId: null, eligible, criteria: [], computedAt: 0 }).run();
    const scopeRegionId = findRegionByCode(w.db, '440000')!.id;
    const cert = (lab: string, test: string, no: string, flagged: boolean, validTo: string, status: 'active' | 'revoked' = 'active') =>
      w.db.insert(certifications).values({ ...pair(lab, test), scopeRegionId, scope: '广东', mark: '广东HR', certificateNo: no, status, validFrom: '2026-01-01', validTo, flagged, createdAt: 0, updatedAt: 0 }).run();
    cert('GZ-001', 'K', 'A', true, '2027-06-30'); // flagged, eligible
    cert('GZ-002', 'K', 'B', true, '2027-03-31'); // flagged, no verdict (not eligible)
    cert('GZ-003', 'K', 'C', false, '2027-05-31'); // not eligible
    cert('GZ-004', 'K', 'D', false, '2026-07-15'); // eligible, ends within the window
    cert('GZ-005', 'K', 'E', false, '2027-12-31'); // eligible, ends late: not at risk
    cert('GZ-001', 'NA', 'G', false, '2027-02-28'); // not eligible, ends before C
    cert('GZ-005', 'NA', 'R', true, '2027-01-31', 'revoked'); // not live
    cert('GZ-006', 'K', 'X', true, '2026-06-01'); // already ended
    cert('HZ-001', 'K', 'F', true, '2027-01-31'); // Zhejiang: outside Guangdong
  });
  afterAll(() => w.close());

  const codes = (rows: { labCode: string; analyteCode: string }[]) => rows.map((r) => `${r.labCode}:${r.analyteCode}`);

  it('at risk within Guangdong: flagged (not eligible first), then not eligible, then ending soon', () => {
    expect(codes(certificationsAtRisk(w.db, gd(), TODAY, SOON))).toEqual(['GZ-002:K', 'GZ-001:K', 'GZ-001:NA', 'GZ-003:K', 'GZ-004:K']);
  });

  it('a shorter list stops in the middle of a step', () => {
    expect(codes(certificationsAtRisk(w.db, gd(), TODAY, SOON, 1))).toEqual(['GZ-002:K']);
    expect(codes(certificationsAtRisk(w.db, gd(), TODAY, SOON, 3))).toEqual(['GZ-002:K', 'GZ-001:K', 'GZ-001:NA']);
    expect(codes(certificationsAtRisk(w.db, gd(), TODAY, SOON, 4))).toEqual(['GZ-002:K', 'GZ-001:K', 'GZ-001:NA', 'GZ-003:K']);
  });

  it('the whole nation includes Zhejiang, flagged and eligible, after the flagged pair without a verdict', () => {
    expect(codes(certificationsAtRisk(w.db, regionScope('/'), TODAY, SOON))).toEqual(['GZ-002:K', 'HZ-001:K', 'GZ-001:K', 'GZ-001:NA', 'GZ-003:K', 'GZ-004:K']);
  });

  it('evaluated and eligible pairs: a province summed per lab, the nation as the whole table less the labs outside', () => {
    expect(eligibilityCounts(w.db, gd())).toEqual({ pairs: 5, eligible: 3 });
    expect(eligibilityCounts(w.db, regionScope('/'))).toEqual({ pairs: 6, eligible: 4 });
    expect(eligibilityCounts(w.db, regionScope(findRegionByCode(w.db, '330000')!.path))).toEqual({ pairs: 1, eligible: 1 });
    expect(eligibilityCounts(w.db, { kind: 'lab', labId: labId(w.db, 'GZ-001') })).toEqual({ pairs: 2, eligible: 1 });
    expect(eligibilityCounts(w.db, { kind: 'none' })).toEqual({ pairs: 0, eligible: 0 });
  });
});
