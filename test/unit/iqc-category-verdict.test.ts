// The category verdict of a run of a qualitative or ordinal item (lib/services/iqc/judge.ts): which
// readings are judged (the lot's expectation in force at the reading's time, not excluded, a known
// category) and against what; hand-made runs.
import { describe, expect, it } from 'vitest';
import { categoryVerdictOf } from '@/lib/services/iqc/judge';
import type { Member } from '@/lib/services/iqc/series';
import type { ItemShape } from '@/lib/catalogue/kinds';

const HBS: ItemShape = { code: 'HBSAG', kind: 'qualitative', categories: [{ code: 'negative', nameEn: 'Negative', nameZh: '阴性' }, { code: 'positive', nameEn: 'Positive', nameZh: '阳性' }] };
const PRO: ItemShape = { code: 'U_PRO', kind: 'ordinal', categories: ['neg', 'trace', '1+', '2+', '3+'].map((code) => ({ code, nameEn: code, nameZh: code })) };
const T = 1_000_000;

const member = (lotId: number, level: string, category: string | null, over: Partial<Member> = {}): Member => ({
  level,
  lot: `L${lotId}`,
  lotId,
  value: 0,
  measuredAt: T,
  z: null,
  targetId: null,
  excluded: false,
  clientRun: null,
  category,
  signal: null,
  ...over,
});

describe('categoryVerdictOf', () => {
  const ctx = {
    items: new Map(),
    // lot 1 the negative control, lot 2 the weak positive, lot 3 an ordinal 2+ control, lot 4 expected only from T + 1
    expected: new Map([
      [1, { category: 'negative', from: 0 }],
      [2, { category: 'positive', from: 0 }],
      [3, { category: '2+', from: 0 }],
      [4, { category: 'positive', from: T + 1 }],
    ]),
  };

  it('rejects a reactive negative control and names its level; accepts controls in their categories', () => {
    expect(categoryVerdictOf(ctx, HBS, [member(2, 'POS', 'positive'), member(1, 'NEG', 'positive')])).toEqual({ status: 'rejected', mismatched: ['NEG'] });
    expect(categoryVerdictOf(ctx, HBS, [member(1, 'NEG', 'negative'), member(2, 'POS', 'positive')])).toEqual({ status: 'accepted', mismatched: [] });
  });

  it('judges an ordinal control against its grade: 3+ for 2+ is out, 2+ is in', () => {
    expect(categoryVerdictOf(ctx, PRO, [member(3, 'L2', '3+')])).toEqual({ status: 'rejected', mismatched: ['L2'] });
    expect(categoryVerdictOf(ctx, PRO, [member(3, 'L2', '2+')])).toEqual({ status: 'accepted', mismatched: [] });
  });

  it('leaves out excluded readings, lots without an expectation in force at the reading\'s time, and unknown codes; none left → null', () => {
    expect(categoryVerdictOf(ctx, HBS, [member(1, 'NEG', 'positive', { excluded: true })])).toBeNull();
    expect(categoryVerdictOf(ctx, HBS, [member(4, 'POS', 'negative')])).toBeNull();
    expect(categoryVerdictOf(ctx, HBS, [member(4, 'POS', 'negative', { measuredAt: T + 1 })])).toEqual({ status: 'rejected', mismatched: ['POS'] });
    expect(categoryVerdictOf(ctx, HBS, [member(9, 'X', 'positive'), member(1, 'NEG', 'weird')])).toBeNull();
  });
});
