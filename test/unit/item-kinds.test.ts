import { describe, expect, it } from 'vitest';
import { gradeOf, readItemValue, type ItemShape } from '@/lib/catalogue/kinds';

const c = (code: string) => ({ code, nameEn: code, nameZh: code });
const K: ItemShape = { code: 'K', kind: 'quantitative', categories: null };
const PRO: ItemShape = { code: 'U-PRO', kind: 'ordinal', categories: ['neg', 'trace', '1+', '2+', '3+', '4+'].map(c) };
const ABO: ItemShape = { code: 'ABO', kind: 'nominal', categories: ['A', 'B', 'AB', 'O'].map(c) };

describe('readItemValue', () => {
  it('reads numbers for quantitative items and refuses categories', () => {
    expect(readItemValue(K, '4.2')).toEqual({ ok: true, value: { kind: 'number', value: 4.2 } });
    expect(readItemValue(K, 3.5)).toEqual({ ok: true, value: { kind: 'number', value: 3.5 } });
    expect(readItemValue(K, 'pos')).toMatchObject({ ok: false, reason: 'value.numberRequired' });
    expect(readItemValue(K, '')).toMatchObject({ ok: false, reason: 'value.required' });
  });
  // Decimal text only (as the IQC API reads values): JavaScript's Number() also reads hexadecimal,
  // binary and octal literals, and no analyser or spreadsheet writes a result that way.
  it.each([
    ['4.2', 4.2],
    ['-0.5', -0.5],
    ['+.5', 0.5],
    ['5.', 5],
    ['1.2e3', 1200],
    ['1E-3', 0.001],
    ['007', 7],
  ])('a quantitative item reads the decimal text %s as %s', (text, value) => {
    expect(readItemValue(K, text)).toEqual({ ok: true, value: { kind: 'number', value } });
  });
  it.each(['0x10', '0X1f', '0b11', '0o7', '5,1', '1e', '.', '--1', '1e400', 'Infinity', '1_000'])('a quantitative item refuses %s as not a number', (text) => {
    expect(readItemValue(K, text)).toEqual({ ok: false, reason: 'value.numberRequired', params: { analyte: 'K', value: text } });
  });
  it('reads category codes with their grade, case-insensitively, in the catalogue spelling', () => {
    expect(readItemValue(PRO, '2+')).toEqual({ ok: true, value: { kind: 'category', category: '2+', grade: 3 } });
    expect(readItemValue(ABO, 'ab')).toEqual({ ok: true, value: { kind: 'category', category: 'AB', grade: 2 } });
  });
  it('refuses numbers and unknown codes for categorical items, listing the codes', () => {
    expect(readItemValue(PRO, 2)).toMatchObject({ ok: false, reason: 'value.categoryNotNumber', params: { codes: 'neg, trace, 1+, 2+, 3+, 4+' } });
    expect(readItemValue(ABO, 'C')).toMatchObject({ ok: false, reason: 'value.notCategory', params: { value: 'C' } });
  });
  it('matches aliases and numeric grades by value', () => {
    const HBsAg: ItemShape = { code: 'HBsAg', kind: 'qualitative', categories: [{ ...c('negative'), aliases: ['neg', '-', '阴性'] }, { ...c('positive'), aliases: ['pos', '+'] }] };
    expect(readItemValue(HBsAg, 'NEG')).toMatchObject({ ok: true, value: { category: 'negative', grade: 0 } });
    expect(readItemValue(HBsAg, '阴性')).toMatchObject({ ok: true, value: { category: 'negative' } });
    const PH: ItemShape = { code: 'U-PH', kind: 'ordinal', categories: ['5.0', '5.5', '6.0', '6.5'].map(c) };
    expect(readItemValue(PH, 6.5)).toMatchObject({ ok: true, value: { category: '6.5', grade: 3 } });
    expect(readItemValue(PH, '6')).toMatchObject({ ok: true, value: { category: '6.0', grade: 2 } });
    expect(readItemValue(PH, 7)).toMatchObject({ ok: false, reason: 'value.categoryNotNumber' });
    // a numeric grade is matched by its decimal value only: '0x6' is not pH 6.0
    expect(gradeOf(PH, '0x6')).toBe(-1);
    expect(gradeOf(PH, '6.00')).toBe(2);
  });
  it('grades from the lowest category', () => {
    expect(gradeOf(PRO, 'neg')).toBe(0);
    expect(gradeOf(PRO, '4+')).toBe(5);
    expect(gradeOf(PRO, '5+')).toBe(-1);
  });
});
