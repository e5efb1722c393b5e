// CSV import of IQC results (the import page and `POST /api/v1/iqc/results` with text/csv): the same
// validation and ingest as every other way in, with CSV line numbers and column names in errors.
import type { DB } from '@/db/client';
import type { IngestSource } from '@/db/enums';
import type { Actor } from '@/lib/auth/core';
import { MAX_CSV_BYTES, parseCsv, refuseValuesPastHeader, toCsv, type CsvRow } from '@/lib/csv';
import { AppError } from '@/lib/errors';
import { IQC_CSV_COLUMNS, IQC_CSV_REQUIRED } from '@/lib/validation/iqc';
import { ingestResultsOfLab, resolveWritableLab, type IngestOutcome, type LabScope, type ResultRows } from './ingest';

const FIELD_NAMES = { analyte: 'analyte_code', measuredAt: 'measured_at', level: 'level', lot: 'lot', value: 'value', instrument: 'instrument', operator: 'operator', run: 'run', signal: 'signal' };

export interface CsvImportInput {
  text: string;
  /** lab code; default the actor's own lab */
  lab?: string | null;
}

/**
 * Import a CSV of control results (columns {@link IQC_CSV_COLUMNS}, optional `operator`, `run`,
 * the LIS's own run id, and `signal`, the S/CO of a categorical item's reading; `value` is then the
 * category code). Refuses an
 * empty or oversized file, missing columns, and any bad row (every one reported with its line and
 * column); `dryRun` is the preview: the same checks, nothing written.
 */
export async function importIqcCsv(db: DB, actor: Actor, input: CsvImportInput, opts: { source?: IngestSource; now?: number; dryRun?: boolean; omitRuns?: boolean; scope?: LabScope } = {}): Promise<IngestOutcome> {
  // 403 before looking at the file; `scope`: input.lab as the caller resolved it for this actor
  const scope = opts.scope ?? (await resolveWritableLab(db, actor, input.lab));
  const { results, lines } = readIqcCsvResults(input.text);
  return await ingestResultsOfLab(
    db,
    actor,
    scope,
    { lab: input.lab, results },
    { source: opts.source ?? 'csv', now: opts.now, dryRun: opts.dryRun, omitRuns: opts.omitRuns, rows: lines, fieldNames: FIELD_NAMES },
  );
}

/** A CSV row as a result of the JSON API (`analyte`, `measuredAt`, …; absent optional columns empty). */
interface CsvResult {
  analyte: string;
  level: string;
  lot: string;
  value: string;
  measuredAt: string;
  instrument: string;
  operator: string;
  run: string;
  signal: string;
}

/** The file's rows as results, with their line numbers: {@link readIqcCsv}'s rows; a file without a
 * quote is read a line at a time as the ingest visits it (no object per row kept for the whole
 * import). */
function readIqcCsvResults(text: string): { results: ResultRows; lines: number[] } {
  const plain = plainCsv(text);
  if (!plain) {
    const results: CsvResult[] = [];
    const lines: number[] = [];
    for (const { line, values: v } of parseCsv(text, IQC_CSV_REQUIRED)) {
      results.push({ analyte: v.analyte_code, level: v.level, lot: v.lot, value: v.value, measuredAt: v.measured_at, instrument: v.instrument ?? '', operator: v.operator ?? '', run: v.run ?? '', signal: v.signal ?? '' });
      lines.push(line);
    }
    return { results, lines };
  }
  // a column named twice is read from its last occurrence, as parseCsv's rows have it
  const col = (name: string) => plain.header.lastIndexOf(name);
  const [analyte, level, lot, value, measuredAt, instrument, operator, run, signal] = ['analyte_code', 'level', 'lot', 'value', 'measured_at', 'instrument', 'operator', 'run', 'signal'].map(col);
  const results: ResultRows = {
    length: plain.rows.length,
    forEach(visit) {
      for (let k = 0; k < plain.rows.length; k++) {
        const cells = plain.cells(plain.rows[k]);
        const result: CsvResult = {
          analyte: cellAt(cells, analyte),
          level: cellAt(cells, level),
          lot: cellAt(cells, lot),
          value: cellAt(cells, value),
          measuredAt: cellAt(cells, measuredAt),
          instrument: cellAt(cells, instrument),
          operator: cellAt(cells, operator),
          run: cellAt(cells, run),
          signal: cellAt(cells, signal),
        };
        visit(result, k);
      }
    },
  };
  return { results, lines: plain.rows.map((i) => i + 1) };
}

/** A cell trimmed ('' for a column the file lacks, index -1, or a short line). */
function cellAt(cells: readonly string[], j: number): string {
  return j < 0 ? '' : (cells[j] ?? '').trim();
}

/**
 * A file without a quote, read by lines and commas (a million-row import spends most of its parsing
 * time in csv-parse otherwise): its header (trimmed, lower case), the indices of its non-blank lines
 * after it (line number − 1) and the cells of a line, with parseCsv's trimming, blank-line skipping
 * and line numbers. parseCsv (csv-parse) makes the refusals (size, empty file, missing columns, no
 * rows) from the header and the first row. Null for a file with a quote, a NUL character or too
 * large: parseCsv reads it whole (and refuses the NUL by line and column).
 */
function plainCsv(text: string): { header: string[]; rows: number[]; cells(i: number): string[] } | null {
  if (text.includes('"') || text.includes('\u0000') || Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) return null;
  // a line break of CR alone (old Mac Excel): parseCsv reads it
  if (/\r(?!\n)/.test(text)) return null;
  const lines = text.split('\n');
  // the header is the first line that is not blank (a file may start with blank lines, or a BOM and one)
  lines[0] = lines[0].replace(/^\uFEFF/, '');
  let head = 0;
  while (head < lines.length - 1 && !lines[head].trim()) head++;
  let probeEnd = head + 1;
  while (probeEnd < lines.length && !lines[probeEnd].trim()) probeEnd++;
  try {
    parseCsv(lines.slice(0, probeEnd + 1).join('\n'), IQC_CSV_REQUIRED);
  } catch (e) {
    // the first row's values past the header are refused below, with every other line's
    if (!(e instanceof AppError && e.reason === 'file.tooManyValues')) throw e;
  }
  const header = lines[head].replace(/\r$/, '').split(',').map((h) => h.trim().toLowerCase());
  const rows: number[] = [];
  for (let i = head + 1; i < lines.length; i++) {
    // a line starting with a visible ASCII character is not blank (no trim needed to say so)
    const first = lines[i].charCodeAt(0);
    if ((first > 32 && first < 127) || lines[i].trim()) rows.push(i);
  }
  const cells = (i: number) => (lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i]).split(',');
  // parseCsv's refusal of lines with values past the header, split only where the commas reach it
  const wide = header.length;
  refuseValuesPastHeader(
    rows.filter((i) => commasReach(lines[i], wide)).map((i) => ({ line: i + 1, cells: cells(i) })),
    wide,
  );
  return { header, rows, cells };
}

/** Whether `line` holds at least `n` commas. */
function commasReach(line: string, n: number): boolean {
  for (let at = -1, k = 0; k < n; k++) if ((at = line.indexOf(',', at + 1)) < 0) return false;
  return true;
}

/** parseCsv's rows (the file's lines with their values by column name), quote-free files read by
 * {@link plainCsv}. */
export function readIqcCsv(text: string): CsvRow[] {
  const plain = plainCsv(text);
  if (!plain) return parseCsv(text, IQC_CSV_REQUIRED);
  const { header } = plain;
  return plain.rows.map((i) => {
    const cells = plain.cells(i);
    const values: Record<string, string> = {};
    for (let j = 0; j < header.length; j++) values[header[j]] = (cells[j] ?? '').trim();
    return { line: i + 1, values };
  });
}

/** The downloadable template: the header and two example rows (a two-level potassium run). */
export function iqcCsvTemplate(): string {
  return toCsv(IQC_CSV_COLUMNS, [
    ['2026-11-25 08:30', 'K', '1', 'K-L1-2611', '3.52', 'AU5800'],
    ['2026-11-25 08:30', 'K', '2', 'K-L2-2611', '6.08', 'AU5800'],
  ]);
}
