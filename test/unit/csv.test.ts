// Shared CSV reading: line numbers as a spreadsheet shows them, refusals, and safe export cells.
import { describe, expect, it } from 'vitest';
import { csvCell, looksLikeFormula, parseCsv, toCsv } from '@/lib/csv';
import { AppError } from '@/lib/errors';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a refusal');
};

describe('parseCsv', () => {
  it('numbers records by their line in the file (header = line 1), across blank and space-only lines', () => {
    const rows = parseCsv('a,b\n1,2\n\n3,4\n   \n5,6\n', ['a', 'b']);
    expect(rows.map((r) => [r.line, r.values.a])).toEqual([
      [2, '1'],
      [4, '3'],
      [6, '5'],
    ]);
  });

  it('reads CR-only line breaks (old Mac Excel) and CRLF lines followed by LF lines, each record by its own line', () => {
    const lines = (text: string) => parseCsv(text, ['a', 'b']).map((r) => [r.line, r.values.a, r.values.b]);
    expect(lines('a,b\r1,2\r\r3,x\r')).toEqual([[2, '1', '2'], [4, '3', 'x']]);
    expect(lines('a,b\r\n1,2\r\n3,4\n5,6\n')).toEqual([[2, '1', '2'], [3, '3', '4'], [4, '5', '6']]);
    // a line break inside quotes stays in its cell (and counts as a line of the file, as with LF)
    expect(lines('a,b\r"x\ry",2\r3,4\r')).toEqual([[2, 'x\ny', '2'], [4, '3', '4']]);
  });

  it('refuses a NUL character, naming each field that holds one by line and column, quoted or not', () => {
    const e = refusal(() => parseCsv('a,b\n1,x\u0000y\n\n"z\u0000",2\n3,4\n', ['a', 'b']));
    expect([e.reason, e.status]).toEqual(['file.nulCharacter', 422]);
    expect(e.errors.map((f) => [f.row, f.field, f.code])).toEqual([
      [2, 'b', 'value.nulCharacter'],
      [4, 'a', 'value.nulCharacter'],
    ]);
    // in the header only: the file is refused all the same
    expect(refusal(() => parseCsv('a,b\u0000\n1,2\n', ['a'])).errors).toEqual([expect.objectContaining({ row: 1, field: '(file)', code: 'value.nulCharacter' })]);
  });

  it('refuses each line with more values than the header has columns (an unquoted comma inside a value), by its line; empty trailing cells are no values', () => {
    const e = refusal(() => parseCsv('a,b\n1,AU5800, bay 2\n\n"x,y",2\n3,4,,\n5,6,7,8\n', ['a', 'b']));
    expect([e.reason, e.status]).toEqual(['file.tooManyValues', 422]);
    expect(e.errors.map((f) => [f.row, f.field, f.code, f.params, f.message])).toEqual([
      [2, '(row)', 'file.valuesPastHeader', { columns: 2 }, "More values than the header's 2 columns (a comma inside a value that is not in quotes?)"],
      [6, '(row)', 'file.valuesPastHeader', { columns: 2 }, "More values than the header's 2 columns (a comma inside a value that is not in quotes?)"],
    ]);
    // a spreadsheet's trailing commas and a quoted comma are fine, and so is a short line (its missing values are empty)
    expect(parseCsv('a,b\n1,2,,\n"x,y",3\n4\n', ['a', 'b']).map((r) => [r.line, r.values])).toEqual([
      [2, { a: '1', b: '2' }],
      [3, { a: 'x,y', b: '3' }],
      [4, { a: '4', b: '' }],
    ]);
  });

  it('counts a quoted newline as part of its record', () => {
    const rows = parseCsv('a,b\n"x\ny",2\n3,4\n', ['a', 'b']);
    expect(rows.map((r) => [r.line, r.values.a])).toEqual([
      [2, 'x\ny'],
      [4, '3'],
    ]);
  });

  it('matches columns case-insensitively and accepts a UTF-8 BOM', () => {
    expect(parseCsv('\uFEFFA , B\n1,2\n', ['a', 'b'])[0].values).toEqual({ a: '1', b: '2' });
  });

  it.each([
    ['an empty file', '', 'invalid'],
    ['a header without rows', 'a,b\n', 'invalid'],
    ['a missing column', 'a\n1\n', 'invalid'],
    ['broken quoting', 'a,b\n"1,2\n', 'invalid'],
  ])('refuses %s', (_t, text, code) => {
    expect(refusal(() => parseCsv(text, ['a', 'b'])).code).toBe(code);
  });

  it('refuses a file over the size limit before parsing it', () => {
    expect(refusal(() => parseCsv('a,b\n' + '1,2\n'.repeat(100), ['a', 'b'], { maxBytes: 100 })).code).toBe('too_large');
  });

  it('names the missing column and line 1', () => {
    expect(refusal(() => parseCsv('a\n1\n', ['a', 'b'])).errors).toEqual([{ row: 1, field: 'b', message: 'Column "b" is missing', code: 'file.missingColumn', params: { column: 'b' } }]);
  });
});

describe('formula injection', () => {
  it.each([
    ['=CMD()', true],
    ['@SUM(A1)', true],
    ['+cmd', true],
    ['-2+3', true], // a spreadsheet computes it: OWASP CSV injection
    ['3.5', false],
    ['Cobas c702', false],
  ])('looksLikeFormula(%j) = %s', (s, expected) => expect(looksLikeFormula(s)).toBe(expected));

  it('exports such text neutralised and quotes cells that need it', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(toCsv(['x', 'y'], [[1, null]])).toBe('x,y\r\n1,\r\n');
  });
});
