// The figures of a graded EQA sample in the lab's report: none contradicts the verdict beside it.
import { describe, expect, it } from 'vitest';
import { deviationText, figureText, rangeText } from '@/app/_components/eqa/report-figures';

// NA at 140 with ±4 % = 5.6: 145.6001 is just outside
const na = { deviation: 5.6001, allowed: 5.6, acceptable: false, lower: 134.4, upper: 145.6 };

describe('report figures', () => {
  it('a value just outside its range shows the decimals that put it outside (145.6001, not 145.6)', () => {
    expect(rangeText(na)).toBe('134.4000 – 145.6000');
    expect(deviationText(na)).toBe('+5.6001 (±5.6000)');
    expect(figureText(145.6001, na, true)).toBe('145.6001');
    expect(figureText(140, na, false)).toBe('140.0000');
  });

  it("the lab's value keeps its own decimals (up to 9) when the verdict needs fewer", () => {
    const k = { deviation: 0.1, allowed: 0.24, acceptable: true, lower: 3.76, upper: 4.24 };
    expect(figureText(4.1, k, true)).toBe('4.10');
    expect(figureText(4.12345, k, true)).toBe('4.12345');
    expect(figureText(4.0000000001234, k, true)).toBe('4.000000000');
    expect(figureText(114.53333333333, k, false)).toBe('114.53');
  });

  it('an ungraded sample shows its figures as elsewhere', () => {
    const none = { deviation: null, allowed: null, acceptable: null, lower: null, upper: null };
    expect([figureText(145.6001, none, true), rangeText(none), deviationText(none), figureText(null, none, true)]).toEqual(['145.6', '—', '—', '—']);
  });
});
