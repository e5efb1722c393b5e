// The digest of an evaluation's inputs depends on the inputs, not on the order the database read them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { digestOf } from '@/lib/services/eqa/evaluation-diff';
import type { SubmissionColumns } from '@/lib/services/eqa/engine';

type Row = { id: number; value: number; group: string };

function columns(rows: Row[]): SubmissionColumns {
  const groupKeys = [...new Set(rows.map((r) => r.group))];
  return {
    n: rows.length,
    id: Float64Array.from(rows.map((r) => r.id)),
    lab: new Int32Array(rows.length),
    sample: new Int32Array(rows.length),
    analyte: new Int32Array(rows.length),
    value: Float64Array.from(rows.map((r) => r.value)),
    group: Int32Array.from(rows.map((r) => groupKeys.indexOf(r.group))),
    groupKeys,
  };
}

const params = { sigmaPtSource: 'allowable_error' };
const refs = [{ sampleId: 2, analyteId: 1, value: 4 }, { sampleId: 1, analyteId: 1, value: 5 }];
const rowsArb = fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 1e9 }), value: fc.double({ noNaN: true, min: -1e6, max: 1e6 }), group: fc.constantFrom('ise', 'flame', '*') }), { selector: (r) => r.id, minLength: 1, maxLength: 40 });

describe('digestOf', () => {
  it('is the same for the same rows and references in any order', () => {
    fc.assert(
      fc.property(rowsArb, fc.infiniteStream(fc.double()), (rows, noise) => {
        const shuffled = rows.map((r) => ({ r, k: noise.next().value })).sort((a, b) => a.k - b.k).map((x) => x.r);
        expect(digestOf(params, columns(shuffled), [...refs].reverse())).toBe(digestOf(params, columns(rows), refs));
      }),
    );
  });

  it('changes with any value, peer group, row or parameter', () => {
    fc.assert(
      fc.property(rowsArb, fc.nat(), (rows, pick) => {
        const base = digestOf(params, columns(rows), refs);
        const i = pick % rows.length;
        const changed = rows.map((r, j) => (j === i ? { ...r, value: r.value + 1 } : r));
        const regrouped = rows.map((r, j) => (j === i ? { ...r, group: r.group === 'ise' ? 'flame' : 'ise' } : r));
        expect(digestOf(params, columns(changed), refs)).not.toBe(base);
        expect(digestOf(params, columns(regrouped), refs)).not.toBe(base);
        expect(digestOf(params, columns(rows.filter((_, j) => j !== i)), refs)).not.toBe(base);
        expect(digestOf({ ...params, sigmaPtSource: 'robust_sd' }, columns(rows), refs)).not.toBe(base);
      }),
    );
  });

  it("swapping two rows' values changes it (each value is hashed with its row)", () => {
    const rows = [{ id: 1, value: 4.1, group: 'ise' }, { id: 2, value: 4.3, group: 'ise' }];
    expect(digestOf(params, columns([{ ...rows[0], value: 4.3 }, { ...rows[1], value: 4.1 }]), refs)).not.toBe(digestOf(params, columns(rows), refs));
  });
});
