// Concentration-dependent limits (WS/T 406-2024 states haematology requirements by range) stored per
// analyte and applied by the target's value, through the catalogue service and a real evaluation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '../support/db';
import { setLimitRanges } from '@/lib/services/catalogue';
import { addMissingLimitRanges } from '@/lib/services/catalogue-ranges';
import { parseLimitRanges } from '@/lib/catalogue/limit-ranges';
import { analyteWithLimits } from '@/lib/services/read/catalogue';
import { listAudit } from '@/db/queries/audit';
import { evaluateRound } from '@/lib/services/eqa/evaluation';
import { getRoundResults } from '@/lib/services/eqa/reports';
import { AFTER_CLOSE, makeRound, makeScheme, submitAs, type World } from './eqa-support';

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
});
afterEach(() => w.close());

// two ranges in the shape WS/T 406-2024 uses (a low and a mid-high range); the numbers are this
// test's own: 20 % at or below 4.0 × 10⁹/L, 15 % above
const RANGES = [
  { from: null, to: 4, percent: 20, source: 'test: low range' },
  { from: 4, to: null, percent: 15, source: 'test: mid-high range' },
];

describe('analyte limit ranges', () => {
  it('the range holding the target sets the limit: WBC 3.55 vs 3.0 is within 20 % (0.6); 9.3 vs 8.0 is beyond 15 % (1.2)', async () => {
    await setLimitRanges(w.db, w.admin, { analyte: 'WBC', ranges: RANGES, reason: 'WS/T 406 ranges' });
    await makeScheme(w, 'HAEM', { analytes: [{ analyte: 'WBC' }], labCodes: ['GZ-001'] });
    await makeRound(w, 'HAEM', 'HAEM-1', ['S1', 'S2', 'S3'], {
      referenceValues: [
        { sample: 'S1', analyte: 'WBC', value: 3.0 },
        { sample: 'S2', analyte: 'WBC', value: 8.0 },
        { sample: 'S3', analyte: 'WBC', value: 4.0 },
      ],
    });
    await submitAs(w, 'GZ-001', 'HAEM-1', [
      { sample: 'S1', analyte: 'WBC', value: 3.55 },
      { sample: 'S2', analyte: 'WBC', value: 9.3 },
      { sample: 'S3', analyte: 'WBC', value: 4.8 }, // at 4.0 the low range (20 %: 0.8) applies: at the limit
    ]);
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'HAEM-1' }, { now: AFTER_CLOSE });
    const rows = (await getRoundResults(w.db, w.regulators.gd, { roundCode: 'HAEM-1', labCode: 'GZ-001' })).results;
    expect(rows.map((r) => [r.sample, r.allowed, r.verdict])).toEqual([
      ['S1', expect.closeTo(0.6, 12), 'acceptable'],
      ['S2', expect.closeTo(1.2, 12), 'not_acceptable'],
      ['S3', expect.closeTo(0.8, 12), 'acceptable'],
    ]);
  });

  it('without ranges the flat catalogue limit applies (WBC 15 %: 3.55 vs 3.0 is beyond 0.45)', async () => {
    await makeScheme(w, 'FLAT', { analytes: [{ analyte: 'WBC' }], labCodes: ['GZ-001'] });
    await makeRound(w, 'FLAT', 'FLAT-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'WBC', value: 3.0 }] });
    await submitAs(w, 'GZ-001', 'FLAT-1', [{ sample: 'S1', analyte: 'WBC', value: 3.55 }]);
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'FLAT-1' }, { now: AFTER_CLOSE });
    const [r] = (await getRoundResults(w.db, w.regulators.gd, { roundCode: 'FLAT-1', labCode: 'GZ-001' })).results;
    expect(r).toMatchObject({ verdict: 'not_acceptable', allowed: expect.closeTo(0.45, 12) });
  });

  it('overlapping ranges are refused (422); only an administrator sets ranges (403)', async () => {
    await expect(async () => await setLimitRanges(w.db, w.admin, { analyte: 'WBC', ranges: [RANGES[0], { ...RANGES[1], from: 3 }], reason: 'x' })).rejects.toThrow(expect.objectContaining({ status: 422 }));
    await expect(async () => await setLimitRanges(w.db, w.regulators.gd, { analyte: 'WBC', ranges: RANGES, reason: 'x' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });
});

// The path of db/seed-data/limit-ranges.csv (seed and db:migrate): parsed, added to the analytes that
// lack ranges, then applied by a real evaluation. THIS TEST'S OWN numbers (no standard): WBC ±20 % up to
// and including 4.0 × 10⁹/L, ±12 % above; the catalogue's flat WBC limit is 15 %.
const FILE = [
  '# test data, no source',
  'analyte,lower_op,lower,upper_op,upper,percent,absolute,form,threshold,source,wording',
  'WBC,,,<=,4.0,20,,,,test: low range,"≤ 4.0: ±20 %"',
  'WBC,>,4.0,,,12,,,,test: mid-high range,"> 4.0: ±12 %"',
].join('\n');

describe('limit ranges from the data file', () => {
  const addedAudits = async () => (await listAudit(w.db, {})).filter((a) => a.action === 'analyte.limitRanges.addMissing');

  it('a target in the low range gets the low range\'s limit, its boundary included; above it the upper range\'s', async () => {
    expect(await addMissingLimitRanges(w.db, parseLimitRanges(FILE), 'system (db:migrate)')).toEqual({ added: ['WBC'], kept: [] });
    await makeScheme(w, 'HAEM', { analytes: [{ analyte: 'WBC' }], labCodes: ['GZ-001'] });
    await makeRound(w, 'HAEM', 'HAEM-2', ['S1', 'S2', 'S3', 'S4'], {
      referenceValues: [
        { sample: 'S1', analyte: 'WBC', value: 3.0 },
        { sample: 'S2', analyte: 'WBC', value: 4.0 },
        { sample: 'S3', analyte: 'WBC', value: 4.01 },
        { sample: 'S4', analyte: 'WBC', value: 8.0 },
      ],
    });
    await submitAs(w, 'GZ-001', 'HAEM-2', [
      { sample: 'S1', analyte: 'WBC', value: 3.55 }, // |0.55| <= 20 % of 3.0 = 0.60
      { sample: 'S2', analyte: 'WBC', value: 4.8 }, // |0.80| <= 20 % of 4.0 = 0.80: "≤ 4.0" holds 4.0 (12 % would give 0.48)
      { sample: 'S3', analyte: 'WBC', value: 4.5 }, // |0.49| >  12 % of 4.01 = 0.4812 (the flat 15 % would give 0.6015)
      { sample: 'S4', analyte: 'WBC', value: 8.9 }, // |0.90| <= 12 % of 8.0 = 0.96
    ]);
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'HAEM-2' }, { now: AFTER_CLOSE });
    const rows = (await getRoundResults(w.db, w.regulators.gd, { roundCode: 'HAEM-2', labCode: 'GZ-001' })).results;
    expect(rows.map((r) => [r.sample, r.allowed, r.verdict])).toEqual([
      ['S1', expect.closeTo(0.6, 12), 'acceptable'],
      ['S2', expect.closeTo(0.8, 12), 'acceptable'],
      ['S3', expect.closeTo(0.4812, 12), 'not_acceptable'],
      ['S4', expect.closeTo(0.96, 12), 'acceptable'],
    ]);
    expect(await addedAudits()).toHaveLength(1);
    expect((await addedAudits())[0]).toMatchObject({ actorEmail: 'system (db:migrate)', details: { added: ['WBC'], ranges: 2 } });
  });

  it('is idempotent, and never touches ranges an administrator set, even a return to the flat limit', async () => {
    await addMissingLimitRanges(w.db, parseLimitRanges(FILE));
    expect(await addMissingLimitRanges(w.db, parseLimitRanges(FILE))).toEqual({ added: [], kept: ['WBC'] });
    expect((await analyteWithLimits(w.db, 'WBC'))!.ranges.map((r) => [r.fromValue, r.toValue, r.percent])).toEqual([
      [null, 4, 20],
      [4, null, 12],
    ]);
    expect(await addedAudits()).toHaveLength(1);

    await setLimitRanges(w.db, w.admin, { analyte: 'WBC', ranges: [], reason: 'flat limit for this scheme year' });
    expect(await addMissingLimitRanges(w.db, parseLimitRanges(FILE))).toEqual({ added: [], kept: ['WBC'] });
    expect((await analyteWithLimits(w.db, 'WBC'))!.ranges).toEqual([]);
  });

  it('an analyte code the catalogue lacks is refused (404) and nothing is written', async () => {
    const bad = parseLimitRanges(FILE.concat('\nNOPE,,,<=,1,10,,,,test,"≤ 1: ±10 %"'));
    await expect(async () => await addMissingLimitRanges(w.db, bad)).rejects.toThrow(expect.objectContaining({ status: 404 }));
    expect((await analyteWithLimits(w.db, 'WBC'))!.ranges).toEqual([]);
    expect(await addedAudits()).toHaveLength(0);
  });
});
