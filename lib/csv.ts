// Reading uploaded CSV files the same way everywhere: size limit, header check, 1-based line numbers
// that match what a spreadsheet shows (the header is line 1), and writing CSV safely for export.
import { parse } from 'csv-parse/sync';
import { AppError, fieldError, type FieldError } from './errors';

/** Uploads larger than this are refused before parsing (a year of IQC for a big lab is ~5 MB). */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;

export interface CsvRow {
  /** line in the file (header = 1) */
  line: number;
  values: Record<string, string>;
}

/**
 * Parse a CSV text with a header row. Refuses (AppError 'invalid' or 'too_large'): an empty file,
 * a file over MAX_CSV_BYTES, missing required columns, a column named twice, malformed quoting, lines with more values than
 * the header has columns. Column names are matched case-insensitively with surrounding spaces
 * ignored; a UTF-8 BOM is accepted (Excel writes one). `columns` names the columns of a text that
 * has no header line.
 */
export function parseCsv(text: string, requiredColumns: readonly string[], opts: { maxBytes?: number; columns?: readonly string[] } = {}): CsvRow[] {
  const max = opts.maxBytes ?? MAX_CSV_BYTES;
  if (Buffer.byteLength(text, 'utf8') > max) throw new AppError('file.tooLarge', { mb: Math.round(max / 1024 / 1024) });
  if (!text.trim()) throw new AppError('file.empty', {}, [fieldError('file.empty', {}, '(file)', 1)]);
  // csv-parse takes the first line break it meets for every line: a file saved with CR alone (old
  // Mac Excel) or CRLF lines with LF lines appended would be read as one line, or numbered as one
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    // csv-parse's own sentence says what is wrong with the quoting; the code says it in any language
    throw new AppError('file.notCsv', {}, [{ row: line, field: '(file)', message: (e as Error).message, code: 'file.notCsv' }]);
  }
  // `columns`: a text without a header line, every line data (numbered as written)
  const [head, ...data] = opts.columns ? [[...opts.columns], ...records] : records;
  const header = (head ?? []).map((h) => h.trim().toLowerCase());
  // a column named twice would be read from its last copy, the other silently dropped
  const twice = [...new Set(header.filter((h, i) => h && header.indexOf(h) !== i))];
  if (twice.length) throw new AppError('file.columnsTwice', {}, twice.map((c) => fieldError('file.columnTwice', { column: c }, c, 1)));
  const missing = requiredColumns.filter((c) => !header.includes(c));
  if (missing.length) throw new AppError('file.missingColumns', {}, missing.map((c) => fieldError('file.missingColumn', { column: c }, c, 1)));
  if (!data.length) throw new AppError('file.noRows', {}, [fieldError('file.noRowsAfterHeader', {}, '(file)', 2)]);
  // csv-parse drops empty lines, so recover each record's line from its position in the text
  const lines = recordLines(text, records.length).slice(records.length - data.length);
  const rows = data.map((rec, i) => {
    const values: Record<string, string> = {};
    header.forEach((h, j) => (values[h] = rec[j] ?? ''));
    return { line: lines[i], values };
  });
  if (text.includes('\u0000')) refuseNulCharacters(rows);
  refuseValuesPastHeader(
    data.map((cells, i) => ({ line: lines[i], cells })),
    header.length,
  );
  return rows;
}

/**
 * A line with more values than the header has columns has lost its alignment (a comma inside a value
 * that is not in quotes: `AU5800, bay 2`), so its values may sit under the wrong columns and one is
 * dropped; each such line is refused. Empty cells past the header (a spreadsheet's trailing commas)
 * are no values. `records`: the lines' cells (the header's line left out) with their line numbers.
 */
export function refuseValuesPastHeader(records: Iterable<{ line: number; cells: readonly string[] }>, columns: number): void {
  const errors: FieldError[] = [];
  for (const { line, cells } of records) if (cells.slice(columns).some((v) => v.trim() !== '')) errors.push(fieldError('file.valuesPastHeader', { columns }, '(row)', line));
  if (errors.length) throw new AppError('file.tooManyValues', {}, errors);
}

/**
 * A NUL character (U+0000) in a value is refused, each field that holds one by line and column: no
 * code, name or number has one, and PostgreSQL cannot store it (SQLite would, so both backends
 * refuse it here alike).
 */
function refuseNulCharacters(rows: readonly CsvRow[]): never {
  const errors: FieldError[] = [];
  for (const { line, values } of rows)
    for (const [column, v] of Object.entries(values)) if (v.includes('\u0000')) errors.push(fieldError('value.nulCharacter', {}, column, line));
  if (!errors.length) errors.push(fieldError('value.nulCharacter', {}, '(file)', 1));
  throw new AppError('file.nulCharacter', {}, errors);
}

function recordLines(text: string, count: number): number[] {
  // a record starts at the first non-blank character after a newline outside quotes; lines that are
  // empty or only spaces are skipped by the parser and must not be counted as records here either
  const out: number[] = [];
  let line = 1;
  let inQuotes = false;
  let recordStart = true;
  for (let i = 0; i < text.length && out.length < count; i++) {
    const c = text[i];
    if (recordStart && c !== '\n' && c !== '\r' && c !== ' ' && c !== '\t' && c !== '\uFEFF') {
      out.push(line);
      recordStart = false;
    }
    if (c === '"') inQuotes = !inQuotes;
    else if (c === '\n') {
      line++;
      if (!inQuotes) recordStart = true;
    }
  }
  while (out.length < count) out.push(line);
  return out;
}

/** A plain decimal number (optionally signed, with an exponent): a spreadsheet reads it as that number. */
const PLAIN_NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Text that a spreadsheet would run as a formula (OWASP "CSV Injection"): it starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return and is not a plain number. `-1.5` is a number;
 * `-1+HYPERLINK("…")` and `-2+3` are formulas. Imports refuse it in text fields; exports neutralise it.
 */
export function looksLikeFormula(s: string): boolean {
  return /^[=+\-@\t\r]/.test(s) && !PLAIN_NUMBER.test(s);
}

export function formulaError(line: number, field: string): FieldError {
  return fieldError('value.formula', {}, field, line);
}

/** One CSV cell for export: quoted when needed, and prefixed with ' when a spreadsheet would read it
 * as a formula (OWASP CSV injection), whatever the value's type; numbers stay numbers. This is the
 * only CSV writer: every export goes through toCsv or csvLines. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (looksLikeFormula(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return csvLines([header, ...rows]);
}

/** Rows as CSV lines, each ended by CRLF ('' for none): a file written a part at a time. */
export function csvLines(rows: readonly (readonly unknown[])[]): string {
  return rows.length ? rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n' : '';
}
