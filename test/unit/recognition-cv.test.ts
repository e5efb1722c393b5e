// The recognition CV criterion over control groups (instrument × lot × level), pure: which groups are
// judged, the figure, and the degenerate cases. Expected CVs by hand: values alternating m ∓ h, n of
// them, have sample SD h·√(n/(n − 1)).
import { describe, expect, it } from 'vitest';
import { CV_MIN_VALUES, cvCriterion, type PairEvidence } from '@/lib/services/recognition/eligibility';
import { combineMoments, EMPTY_MOMENTS, momentsOf } from '@/lib/stats';

const alt = (m: number, h: number, n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? m + h : m - h));
/** The groups as eligibility reads them: daily aggregates (here 7 values a day) combined over the window. */
const groups = (...gs: { instrument?: string; lot: string; level: string; values: number[] }[]): PairEvidence['cvGroups'] =>
  new Map(
    gs.map(({ values, ...g }, i) => {
      let moments = EMPTY_MOMENTS;
      for (let d = 0; d < values.length; d += 7) moments = combineMoments(moments, momentsOf(values.slice(d, d + 7)));
      return [i + 1, { ...g, instrument: g.instrument ?? '', moments }];
    }),
  );

describe('cvCriterion', () => {
  it('needs 20 values per group (CLSI C24 / WS/T 641-2018)', () => expect(CV_MIN_VALUES).toBe(20));

  it.each<[string, PairEvidence['cvGroups'], number | null, { met: boolean; figure: number | null; judged: (boolean | null)[] }]>([
    // 3.5 ∓ 0.05, n = 20: SD 0.05·√(20/19) = 0.051299, CV 1.4657 % → 1.47
    ['one lot of 20 values within 2.5 % → met', groups({ lot: 'A', level: '1', values: alt(3.5, 0.05, 20) }), 2.5, { met: true, figure: 1.47, judged: [true] }],
    // 19 values: listed, not judged, and nothing else → not met
    ['19 values only → not met (no group with 20 values)', groups({ lot: 'A', level: '1', values: alt(3.5, 0.05, 19) }), 2.5, { met: false, figure: null, judged: [null] }],
    ['no IQC at all → not met', groups(), 2.5, { met: false, figure: null, judged: [] }],
    // 3.5 ∓ 0.1, n = 20: SD 0.102598, CV 2.9314 % → 2.93 > 2.5
    [
      'a second lot over the limit fails the criterion; the figure is the worst group',
      groups({ lot: 'A', level: '1', values: alt(3.5, 0.05, 20) }, { lot: 'B', level: '1', values: alt(3.5, 0.1, 20) }),
      2.5,
      { met: false, figure: 2.93, judged: [true, false] },
    ],
    ['no allowable CV in the catalogue: met once a group is evaluable', groups({ lot: 'A', level: '1', values: alt(3.5, 0.1, 20) }), null, { met: true, figure: 2.93, judged: [true] }],
    // all 20 values equal 0: CV undefined (mean 0) → not evaluable
    ['a group whose mean is 0 has no CV and is not judged', groups({ lot: 'Z', level: '1', values: Array(20).fill(0) }), 2.5, { met: false, figure: null, judged: [null] }],
  ])('%s', (_t, g, limit, expected) => {
    const r = cvCriterion(g, limit);
    expect(r.met).toBe(expected.met);
    expect(r.figure).toBe(expected.figure);
    expect(r.groups.map((x) => x.met)).toEqual(expected.judged);
  });

  it('lists groups by instrument, lot and level (levels in numeric order)', () => {
    const r = cvCriterion(
      groups(
        { instrument: 'C702', lot: 'A', level: '1', values: alt(3.5, 0.05, 20) },
        { instrument: 'AU5800', lot: 'B', level: '10', values: alt(3.5, 0.05, 20) },
        { instrument: 'AU5800', lot: 'B', level: '2', values: alt(3.5, 0.05, 20) },
      ),
      2.5,
    );
    expect(r.groups.map((g) => `${g.instrument}/${g.lot}/${g.level}`)).toEqual(['AU5800/B/2', 'AU5800/B/10', 'C702/A/1']);
  });
});
