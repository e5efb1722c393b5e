// pathId: a record's id in a page's path, one spelling only (0x1a and 26.0 showed record 26).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pathId } from '@/app/_components/search-params';

describe('pathId', () => {
  it('reads decimal digits as the app writes them', () => {
    expect([pathId('26'), pathId('1'), pathId('999999999999999')]).toEqual([26, 1, 999999999999999]);
  });

  it.each(['0x1a', '26.0', '1e1', '026', '0', '-1', '+26', ' 26', '26 ', '', '１２', '9999999999999999'])('%j is no id (NaN)', (raw) => {
    expect(pathId(raw)).toBeNaN();
  });

  it('gives back every positive safe id it was written as', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), (n) => pathId(String(n)) === n));
  });
});
