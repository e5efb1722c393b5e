// db/seed-data/limit-ranges.csv as the seed reads it (lib/catalogue/limit-ranges.ts) and the range
// lookup the EQA grading applies to it, at and around the boundaries. The ranges below are THIS TEST'S
// OWN numbers, in the shape WS/T 406 uses (a low and a mid-high range): they come from no standard.
import { describe, expect, it } from 'vitest';
import { limitRangesCsv, parseLimitRanges, type LimitRangeSeed } from '@/lib/catalogue/limit-ranges';
import { limitsOf } from '@/lib/services/eqa/evaluation-setup';
import { allowableError, limitAt } from '@/lib/stats';

const HEADER = 'analyte,lower_op,lower,upper_op,upper,percent,absolute,form,threshold,source,wording';
const csv = (...rows: string[]) => ['# test data, no source', HEADER, ...rows].join('\n');

const TEST_FILE = csv(
  'WBC,,,<=,4.0,20,,,,test: low range,"≤ 4.0 ×10^9/L: ±20 %"',
  'WBC,>,4.0,,,15,,,,test: mid-high range,"> 4.0 ×10^9/L: ±15 %"',
  'plt,,,≤,100,,10,,,test: low counts,"≤ 100 ×10^9/L: ±10 ×10^9/L"',
  'plt,>,100,,,25,,,,test: above,"> 100 ×10^9/L: ±25 %"',
);

/** The limit the grading applies at target t (lib/services/eqa/grading.ts specAt), from parsed ranges
 * stored as analyte_limit_ranges rows, with the analyte's flat limit (here 15 %) outside them. */
function limitAtTarget(ranges: LimitRangeSeed[], t: number) {
  const rows = ranges.map((r, i) => ({ id: i + 1, analyteId: 1, fromValue: r.from, toValue: r.to, percent: r.percent, absolute: r.absolute, form: r.form, threshold: r.threshold, source: r.source }));
  const limits = limitsOf({ percent: null, absolute: null, limitForm: null, threshold: null, teaPercent: 15, teaAbsolute: null, teaForm: null, teaAbsoluteAtOrBelow: null }, rows);
  const spec = limitAt(t, limits.ranges, limits.spec);
  return spec && allowableError(t, spec);
}

describe('limit-ranges.csv', () => {
  it('the committed file parses, and every row it holds names its source', () => {
    const file = parseLimitRanges(limitRangesCsv());
    for (const a of file) for (const r of a.ranges) expect(r.source.trim()).not.toBe('');
    expect(limitRangesCsv()).toMatch(/^# .*searched/im); // the header records the search behind it
  });

  it('reads the ranges by analyte (codes upper-cased), lowest first, with their limits and sources', () => {
    expect(parseLimitRanges(TEST_FILE)).toEqual([
      {
        analyte: 'WBC',
        ranges: [
          { from: null, to: 4, percent: 20, absolute: null, form: null, threshold: null, source: 'test: low range' },
          { from: 4, to: null, percent: 15, absolute: null, form: null, threshold: null, source: 'test: mid-high range' },
        ],
      },
      {
        analyte: 'PLT',
        ranges: [
          { from: null, to: 100, percent: null, absolute: 10, form: null, threshold: null, source: 'test: low counts' },
          { from: 100, to: null, percent: 25, absolute: null, form: null, threshold: null, source: 'test: above' },
        ],
      },
    ]);
  });

  it.each([
    // "≤ 4.0" holds its boundary: at 4.0 the low range applies (20 % of 4.0 = 0.8)
    ['WBC 3.99 (low range, 20 %)', 'WBC', 3.99, 0.798],
    ['WBC 4.0 exactly (≤ 4.0: low range, 20 %)', 'WBC', 4.0, 0.8],
    ['WBC 4.0 + 1e-12 (float noise: still 4.0, low range)', 'WBC', 4.0 + 1e-12, 0.8],
    ['WBC 4.000000001 (> 4.0: mid-high range, 15 %)', 'WBC', 4.000000001, 0.60000000015],
    ['WBC 4.01 (mid-high range, 15 %)', 'WBC', 4.01, 0.6015],
    ['PLT 99 (≤ 100: ±10)', 'PLT', 99, 10],
    ['PLT 100 exactly (≤ 100: ±10, not 25 % = 25)', 'PLT', 100, 10],
    ['PLT 101 (> 100: 25 % = 25.25)', 'PLT', 101, 25.25],
  ])('%s', (_title, code, target, allowed) => {
    const a = parseLimitRanges(TEST_FILE).find((x) => x.analyte === code)!;
    expect(limitAtTarget(a.ranges, target)).toBeCloseTo(allowed, 12);
  });

  it('outside bounded ranges the flat limit applies (15 %)', () => {
    const [a] = parseLimitRanges(csv('PLT,>,20,<=,100,,10,,,test,"> 20 and ≤ 100: ±10"'));
    expect(limitAtTarget(a.ranges, 20)).toBeCloseTo(3, 12); // 20 is not in "> 20"
    expect(limitAtTarget(a.ranges, 20.5)).toBeCloseTo(10, 12);
    expect(limitAtTarget(a.ranges, 150)).toBeCloseTo(22.5, 12);
  });

  it('a range the source bounds with "<" above or "≥" below is refused, not moved across its boundary', () => {
    expect(() => parseLimitRanges(csv('PLT,,,<,100,,10,,,test,"< 100: ±10"'))).toThrow(/line 3: upper_op '<' cannot be stored.*lower < target <= upper/);
    expect(() => parseLimitRanges(csv('PLT,≥,100,,,25,,,,test,"≥ 100: ±25 %"'))).toThrow(/line 3: lower_op '≥' cannot be stored/);
    expect(() => parseLimitRanges(csv('PLT,>=,100,,,25,,,,test,"≥ 100: ±25 %"'))).toThrow(/lower_op '>=' cannot be stored/);
  });

  it('refuses rows without a source, the source wording, a limit, or with overlapping ranges, naming every line', () => {
    expect(() => parseLimitRanges(csv('WBC,,,<=,4,20,,,,,"≤ 4: ±20 %"'))).toThrow(/line 3: source is empty/);
    expect(() => parseLimitRanges(csv('WBC,,,<=,4,20,,,,test,'))).toThrow(/line 3: wording/);
    expect(() => parseLimitRanges(csv('WBC,,,<=,4,,,,,test,"≤ 4"'))).toThrow(/line 3: percent/);
    expect(() => parseLimitRanges(csv('WBC,,,<=,4,20,,,,test,a', 'WBC,>,3,,,15,,,,test,b'))).toThrow(/WBC \(lines 3, 4\): ranges: Ranges must be listed from the lowest/);
    expect(() => parseLimitRanges(csv('WBC,,,<=,x,20,,,,test,a', 'WBC,>,,,,15,,,,test,b'))).toThrow(/line 3: upper 'x' is not a number; line 4: lower_op '>' needs lower/);
  });

  it('reads decimal text only: 0x10 is no number (Number() would read 16), as in every form and API', () => {
    expect(() => parseLimitRanges(csv('WBC,,,<=,0x10,20,,,,test,a'))).toThrow(/line 3: upper '0x10' is not a number/);
    expect(() => parseLimitRanges(csv('WBC,,,<=,4,0x14,,,,test,a'))).toThrow(/line 3: percent '0x14' is not a number/);
  });
});
