// CSV import of IQC results (the import page and `POST /api/v1/iqc/results` with text/csv): the same
// validation and ingest as every other way in, with CSV line numbers and column names in errors.
import type { DB } from '@/db/client';
import type { IngestSource } from '@/db/enums';
import type { Actor } from '@/lib/auth/core';
import { MAX_CSV_BYTES, parseCsv, toCsv, type CsvRow } from '@/lib/csv';
import { IQC_CSV_COLUMNS, IQC_CSV_REQUIRED } from '@/lib/validation/iqc';
import { ingestResults, resolveWritableLab, type IngestOutcome } from './ingest';

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
export function importIqcCsv(db: DB, actor: Actor, input: CsvImportInput, opts: { source?: IngestSource; now?: number; dryRun?: boolean; omitRuns?: boolean } = {}): IngestOutcome {
  resolveWritableLab(db, actor, input.lab); // 403 before looking at the file
  const rows = readIqcCsv(input.text);
  const results = rows.map((r) => ({
    analyte: r.values.analyte_code,
    level: r.values.level,
    lot: r.values.lot,
    value: r.values.value,
    measuredAt: r.values.measured_at,
    instrument: r.values.instrument ?? '',
    operator: r.values.operator ?? '',
    run: r.values.run ?? '',
    signal: r.values.signal ?? '',
  }));
  return ingestResults(
    db,
    actor,
    { lab: input.lab, results },
    { source: opts.source ?? 'csv', now: opts.now, dryRun: opts.dryRun, omitRuns: opts.omitRuns, rows: rows.map((r) => r.line), fieldNames: FIELD_NAMES },
  );
}

/**
 * parseCsv's rows, faster for the usual LIS export without quotes: parseCsv (csv-parse) makes the
 * refusals (size, empty file, missing columns, no rows) and reads any file with a quote; a file
 * without one is split by lines and commas, with the same trimming, blank-line skipping and line
 * numbers (a million-row import spends most of its parsing time in csv-parse otherwise).
 */
export function readIqcCsv(text: string): CsvRow[] {
  if (text.includes('"') || Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) return parseCsv(text, IQC_CSV_REQUIRED);
  const lines = text.split('\n');
  // the header and the first data row go through parseCsv for its checks and messages
  let probeEnd = 1;
  while (probeEnd < lines.length && !lines[probeEnd].trim()) probeEnd++;
  parseCsv(lines.slice(0, probeEnd + 1).join('\n'), IQC_CSV_REQUIRED);
  const header = lines[0].replace(/^\uFEFF/, '').replace(/\r$/, '').split(',').map((h) => h.trim().toLowerCase());
  const rows: CsvRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (!line.trim()) continue;
    const cells = line.split(',');
    const values: Record<string, string> = {};
    for (let j = 0; j < header.length; j++) values[header[j]] = (cells[j] ?? '').trim();
    rows.push({ line: i + 1, values });
  }
  return rows;
}

/** The downloadable template: the header and two example rows (a two-level potassium run). */
export function iqcCsvTemplate(): string {
  return toCsv(IQC_CSV_COLUMNS, [
    ['2026-11-25 08:30', 'K', '1', 'K-L1-2611', '3.52', 'AU5800'],
    ['2026-11-25 08:30', 'K', '2', 'K-L2-2611', '6.08', 'AU5800'],
  ]);
}
