// The pages' number display (app/_components/format.ts). A figure the API's JSON sends as null (an
// overflowed score: JSON.stringify(Infinity) is 'null') shows as missing, never as "Infinity".
import { describe, expect, it } from 'vitest';
import { finite, num } from '@/app/_components/format';

describe('num: significant digits, an em dash for no figure', () => {
  it.each([
    [12.34567, 4, '12.35'],
    [0.000123456, 3, '0.000123'],
    [1e308, 4, '1e+308'],
    [null, 4, '—'],
    [undefined, 4, '—'],
    // a z of 1e308 / 0.12 (a result of 1e308 submitted for a target of 4): the API answers null
    [Infinity, 4, '—'],
    [-Infinity, 4, '—'],
    [NaN, 4, '—'],
  ])('num(%s, %s) → %s', (v, digits, text) => {
    expect(num(v, digits)).toBe(text);
  });
});

describe('finite: the figure as the API sends it', () => {
  it.each([
    [1.5, 1.5],
    [0, 0],
    [1e308 / 0.12, JSON.parse(JSON.stringify(1e308 / 0.12))],
    [(1e308 / 4) * 100, null],
    [NaN, null],
    [null, null],
  ])('finite(%s) → %s', (v, out) => {
    expect(finite(v)).toBe(out);
  });
});
