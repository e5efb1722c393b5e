// CSV exports neutralise spreadsheet formulas (OWASP "CSV Injection": a cell starting with =, +, -, @,
// tab or carriage return is prefixed with a single quote) while plain numbers stay numbers.
import { describe, expect, it } from 'vitest';
import { csvCell, looksLikeFormula, toCsv } from '@/lib/csv';

describe('csvCell neutralises formulas (OWASP CSV Injection)', () => {
  it.each([
    // the payload: a leading minus followed by a formula used to pass as "a number"
    ['-1+HYPERLINK("http://evil.example","x")', `"'-1+HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+cmd|calc', `'+1+cmd|calc`],
    ['-2+3', `'-2+3`],
    ['=1+1', `'=1+1`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tx', `'\tx`],
    ['\r=1', `"'\r=1"`],
  ])('%j is written as %j', (input, expected) => expect(csvCell(input)).toBe(expected));

  it.each([
    [-1.5, '-1.5'],
    ['-1.5', '-1.5'],
    ['+2', '+2'],
    ['-3e-2', '-3e-2'],
    ['-.5', '-.5'],
    [0, '0'],
    ['Cobas c702', 'Cobas c702'],
    ['a-b', 'a-b'],
  ])('keeps %j as %j', (input, expected) => expect(csvCell(input)).toBe(expected));

  it('neutralises non-string values whose text is a formula', () => {
    expect(csvCell({ toString: () => '=CMD()' })).toBe(`'=CMD()`);
  });

  it('toCsv writes every cell of header and rows through the same rule', () => {
    expect(toCsv(['=h', 'v'], [['-1+HYPERLINK("x")', -1.5]])).toBe(`'=h,v\r\n"'-1+HYPERLINK(""x"")",-1.5\r\n`);
  });

  it.each([
    ['-1+HYPERLINK("x")', true],
    ['-1.5', false],
    ['1e5', false],
  ])('imports: looksLikeFormula(%j) = %s', (s, expected) => expect(looksLikeFormula(s)).toBe(expected));
});
