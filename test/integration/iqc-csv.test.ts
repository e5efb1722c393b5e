// The IQC CSV reader and time parser: the fast path for quote-free files gives exactly what the
// shared parseCsv gives (property test), and measurement times read as documented.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsv } from '@/lib/csv';
import type { AppError } from '@/lib/errors';
import { readIqcCsv } from '@/lib/services/iqc/import-csv';
import { IQC_CSV_REQUIRED, parseMeasuredAt } from '@/lib/validation/iqc';

const HEADER = 'measured_at,analyte_code,level,lot,value,instrument';

describe('readIqcCsv', () => {
  const cell = fc.stringMatching(/^[ A-Za-z0-9.:\-+=@]{0,8}$/);
  // (lines of spaces only are left out: parseCsv skips them but counts them as the next record's
  // line, while readIqcCsv keeps the true line number — reported to the owner of lib/csv.ts)
  const line = fc
    .array(cell, { minLength: 0, maxLength: 7 })
    .map((cells) => cells.join(','))
    .filter((l) => !/^ +$/.test(l));
  it('matches parseCsv on every quote-free file (rows, values and line numbers)', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), fc.constantFrom('', '\n', '\r\n\n', '  \n'), (lines, eol, bom, before) => {
        // blank lines may come before the header; a file may end its lines with CR alone (old Mac Excel)
        const text = (bom ? '\uFEFF' : '') + before + [HEADER, ...lines].join(eol) + eol;
        let expected: unknown;
        let actual: unknown;
        try {
          expected = parseCsv(text, IQC_CSV_REQUIRED);
        } catch (e) {
          expected = [(e as Error).message, (e as AppError).errors];
        }
        try {
          actual = readIqcCsv(text);
        } catch (e) {
          actual = [(e as Error).message, (e as AppError).errors];
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a file with blank lines before its header, CR-only or mixed line breaks, each row numbered as a spreadsheet shows it', () => {
    const rows = (text: string) => readIqcCsv(text).map((r) => [r.line, r.values.value]);
    expect(rows(`\n\n${HEADER}\n2026-11-01 08:00,K,1,K1,4.0,AU\n`)).toEqual([[4, '4.0']]);
    expect(rows(`\uFEFF\r\n${HEADER}\r\n2026-11-01 08:00,K,1,K1,4.0,AU\r\n`)).toEqual([[3, '4.0']]);
    expect(rows(`${HEADER}\r2026-11-01 08:00,K,1,K1,4.0,AU\r2026-11-01 08:00,K,2,K2,6.0,AU\r`)).toEqual([[2, '4.0'], [3, '6.0']]);
    // a template (CRLF) with rows a script appended with LF
    expect(rows(`${HEADER}\r\n2026-11-01 08:00,K,1,K1,4.0,AU\n2026-11-01 08:00,K,2,"K2",6.0,AU\n`)).toEqual([[2, '4.0'], [3, '6.0']]);
  });

  it('refuses every line with a value past the header, whichever reader reads the file (an unquoted comma in an instrument)', () => {
    for (const quote of ['', '"']) {
      const text = `${HEADER}\n2026-11-01 08:00,K,1,${quote}K1${quote},4.0,AU5800, bay 2\n2026-11-01 08:00,K,2,K2,6.0,AU5800,,\n2026-11-01 08:30,NA,1,N1,140,AU5800,x\n`;
      const e = (() => {
        try {
          readIqcCsv(text);
        } catch (x) {
          return x as AppError;
        }
      })();
      expect(e?.reason, quote).toBe('file.tooManyValues');
      expect(e?.errors.map((f) => [f.row, f.code]), quote).toEqual([
        [2, 'file.valuesPastHeader'],
        [4, 'file.valuesPastHeader'],
      ]);
    }
  });

  it('uses parseCsv for files with quotes (a quoted comma stays in its cell)', () => {
    const rows = readIqcCsv(`${HEADER}\n2026-11-01 08:00,K,1,"K,1",4.0,\n`);
    expect(rows[0].values.lot).toBe('K,1');
  });
});

describe('parseMeasuredAt', () => {
  it.each([
    ['2026-11-25 08:30', Date.UTC(2026, 10, 25, 0, 30)],
    ['2026-11-25T08:30:15', Date.UTC(2026, 10, 25, 0, 30, 15)],
    ['2026-11-25T08:30:15.250+08:00', Date.UTC(2026, 10, 25, 0, 30, 15, 250)],
    ['2026-11-25T00:30Z', Date.UTC(2026, 10, 25, 0, 30)],
    ['2026-11-25 02:30 +02:00', Date.UTC(2026, 10, 25, 0, 30)],
    ['2026-11-25T08:30:00-0500', Date.UTC(2026, 10, 25, 13, 30)],
    [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1)],
    // as Excel shows a time in a Chinese locale, and a CSV saved from it carries
    ['2026/11/25 8:30', Date.UTC(2026, 10, 25, 0, 30)],
    ['2026/1/5 08:30:15', Date.UTC(2026, 0, 5, 0, 30, 15)],
  ])('reads %s (no offset = China Standard Time)', (input, expected) => {
    expect(parseMeasuredAt(input)).toBe(expected);
  });

  it.each([['2026-02-30 08:00'], ['2026/2/30 8:00'], ['2026/11-25 08:00'], ['2026/11/25'], ['2026/11/25 8'], ['2026-11-25'], ['25/11/2026 08:00'], ['2026-11-25 24:00'], ['yesterday'], [''], [null], [1.5]])('refuses %s', (input) => {
    expect(parseMeasuredAt(input)).toBeNaN();
  });
});
