// Concentration-dependent limits (WS/T 406-2024 states haematology requirements by range) stored per
// analyte and applied by the target's value, through the catalogue service and a real evaluation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '../support/db';
import { setLimitRanges } from '@/lib/services/catalogue';
import { evaluateRound } from '@/lib/services/eqa/evaluation';
import { getRoundResults } from '@/lib/services/eqa/reports';
import { AFTER_CLOSE, makeRound, makeScheme, submitAs, type World } from './eqa-support';

let w: World;
beforeEach(() => {
  w = createSeededTestDb();
});
afterEach(() => w.close());

// two ranges in the shape WS/T 406-2024 uses (a low and a mid-high range); the numbers are this
// test's own: 20 % at or below 4.0 × 10⁹/L, 15 % above
const RANGES = [
  { from: null, to: 4, percent: 20, source: 'test: low range' },
  { from: 4, to: null, percent: 15, source: 'test: mid-high range' },
];

describe('analyte limit ranges', () => {
  it('the range holding the target sets the limit: WBC 3.55 vs 3.0 is within 20 % (0.6); 9.3 vs 8.0 is beyond 15 % (1.2)', () => {
    setLimitRanges(w.db, w.admin, { analyte: 'WBC', ranges: RANGES, reason: 'WS/T 406 ranges' });
    makeScheme(w, 'HAEM', { analytes: [{ analyte: 'WBC' }], labCodes: ['GZ-001'] });
    makeRound(w, 'HAEM', 'HAEM-1', ['S1', 'S2', 'S3'], {
      referenceValues: [
        { sample: 'S1', analyte: 'WBC', value: 3.0 },
        { sample: 'S2', analyte: 'WBC', value: 8.0 },
        { sample: 'S3', analyte: 'WBC', value: 4.0 },
      ],
    });
    submitAs(w, 'GZ-001', 'HAEM-1', [
      { sample: 'S1', analyte: 'WBC', value: 3.55 },
      { sample: 'S2', analyte: 'WBC', value: 9.3 },
      { sample: 'S3', analyte: 'WBC', value: 4.8 }, // at 4.0 the low range (20 %: 0.8) applies: at the limit
    ]);
    evaluateRound(w.db, w.regulators.gd, { roundCode: 'HAEM-1' }, { now: AFTER_CLOSE });
    const rows = getRoundResults(w.db, w.regulators.gd, { roundCode: 'HAEM-1', labCode: 'GZ-001' }).results;
    expect(rows.map((r) => [r.sample, r.allowed, r.verdict])).toEqual([
      ['S1', expect.closeTo(0.6, 12), 'acceptable'],
      ['S2', expect.closeTo(1.2, 12), 'not_acceptable'],
      ['S3', expect.closeTo(0.8, 12), 'acceptable'],
    ]);
  });

  it('without ranges the flat catalogue limit applies (WBC 15 %: 3.55 vs 3.0 is beyond 0.45)', () => {
    makeScheme(w, 'FLAT', { analytes: [{ analyte: 'WBC' }], labCodes: ['GZ-001'] });
    makeRound(w, 'FLAT', 'FLAT-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'WBC', value: 3.0 }] });
    submitAs(w, 'GZ-001', 'FLAT-1', [{ sample: 'S1', analyte: 'WBC', value: 3.55 }]);
    evaluateRound(w.db, w.regulators.gd, { roundCode: 'FLAT-1' }, { now: AFTER_CLOSE });
    const [r] = getRoundResults(w.db, w.regulators.gd, { roundCode: 'FLAT-1', labCode: 'GZ-001' }).results;
    expect(r).toMatchObject({ verdict: 'not_acceptable', allowed: expect.closeTo(0.45, 12) });
  });

  it('overlapping ranges are refused (422); only an administrator sets ranges (403)', () => {
    expect(() => setLimitRanges(w.db, w.admin, { analyte: 'WBC', ranges: [RANGES[0], { ...RANGES[1], from: 3 }], reason: 'x' })).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => setLimitRanges(w.db, w.regulators.gd, { analyte: 'WBC', ranges: RANGES, reason: 'x' })).toThrow(expect.objectContaining({ status: 403 }));
  });
});
