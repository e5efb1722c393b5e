// pageOfRows: the paging of short lists a page reads whole (a lab's lots, its rule choices).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pageOfRows, type PageRequest } from '@/db/queries/paging';

type Row = { code: string; instrument: string | null };
const rows: Row[] = [
  { code: 'ALB', instrument: 'AU5800' },
  { code: 'ALT', instrument: 'C702' },
  { code: 'GLU', instrument: 'AU5800' },
  { code: 'K', instrument: null },
  { code: 'NA', instrument: 'c702' },
];
const req = (over: Partial<PageRequest>): PageRequest => ({ page: 1, size: 2, sort: 'code', dir: 'asc', q: '', ...over });
const texts = (r: Row) => [r.code, r.instrument];

describe('pageOfRows', () => {
  it('gives the page asked for and the total, in the given order', () => {
    expect(pageOfRows(rows, req({}), texts)).toEqual({ rows: rows.slice(0, 2), total: 5 });
    expect(pageOfRows(rows, req({ page: 3 }), texts)).toEqual({ rows: [rows[4]], total: 5 });
    expect(pageOfRows(rows, req({ page: 4 }), texts)).toEqual({ rows: [], total: 5 });
  });

  it('filters on any of the texts, case-insensitive and trimmed, skipping missing ones', () => {
    expect(pageOfRows(rows, req({ q: ' C702 ', size: 50 }), texts).rows.map((r) => r.code)).toEqual(['ALT', 'NA']);
    expect(pageOfRows(rows, req({ q: 'al', size: 50 }), texts)).toEqual({ rows: [rows[0], rows[1]], total: 2 });
    expect(pageOfRows(rows, req({ q: 'nothing' }), texts)).toEqual({ rows: [], total: 0 });
    // A–Z only, as the database filters on both backends: É is not é
    const accented = [{ code: 'Éclair', instrument: null }];
    expect(pageOfRows(accented, req({ q: 'ÉCLAIR' }), texts).total).toBe(1);
    expect(pageOfRows(accented, req({ q: 'éclair' }), texts).total).toBe(0);
  });

  it('reverses the order for desc and leaves the list it was given as it was', () => {
    const copy = [...rows];
    expect(pageOfRows(rows, req({ dir: 'desc' }), texts).rows.map((r) => r.code)).toEqual(['NA', 'K']);
    expect(rows).toEqual(copy);
  });

  it('page sizes and page numbers out of range are served as the lists elsewhere serve them', () => {
    expect(pageOfRows(rows, req({ page: -3 }), texts).rows).toEqual(rows.slice(0, 2));
    expect(pageOfRows(rows, req({ size: 0 }), texts).rows).toHaveLength(5);
  });

  it('the pages of a filter, one after the other, are the matching rows exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ code: fc.string({ maxLength: 4 }), instrument: fc.option(fc.string({ maxLength: 3 })) }), { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), fc.string({ maxLength: 2 }), (list, size, q) => {
        const all = list.filter((r) => !q.trim() || texts(r).some((v) => v?.toLowerCase().includes(q.trim().toLowerCase())));
        const first = pageOfRows(list, req({ size, q }), texts);
        const pages = Array.from({ length: Math.ceil(first.total / size) }, (_v, i) => pageOfRows(list, req({ page: i + 1, size, q }), texts));
        expect(first.total).toBe(all.length);
        expect(pages.flatMap((p) => p.rows)).toEqual(all);
        expect(pages.every((p) => p.total === all.length && p.rows.length <= size)).toBe(true);
      }),
    );
  });
});
