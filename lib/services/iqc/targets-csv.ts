// Targets from a CSV file (a new box of control material: every analyte and level of its insert
// sheet at once): the targets form's checks for every row, refusals by line and column, then all
// rows in one transaction or none; the preview runs every check, conflicts with stored data included,
// and keeps nothing.
import type { DB } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import { parseCsv } from '@/lib/csv';
import { AppError, fieldError } from '@/lib/errors';
import { resolveWritableLab } from './ingest';
import { setManufacturerTargets } from './targets';

export const TARGET_CSV_REQUIRED = ['analyte_code', 'level', 'lot', 'mean', 'sd'] as const;
export const TARGET_CSV_COLUMNS = [...TARGET_CSV_REQUIRED, 'instrument', 'effective_from', 'expires_on', 'reason'] as const;
/** At most this many rows per file (a lab's whole panel of controls is a few hundred). */
export const MAX_TARGET_ROWS = 5000;
/** 1 MB: far above MAX_TARGET_ROWS lines of targets. */
const MAX_TARGET_CSV_BYTES = 1024 * 1024;

/** The targets form's field → the file's column. */
const COLUMN_OF: Record<string, string> = { analyte: 'analyte_code', effectiveFrom: 'effective_from', expiresOn: 'expires_on' };

export interface TargetsCsvOutcome {
  /** target versions written (a row each) */
  targets: number;
  /** distinct control lots they belong to */
  lots: number;
  dryRun: boolean;
}

/**
 * Import manufacturer targets (columns {@link TARGET_CSV_COLUMNS}; `instrument`, `effective_from`,
 * default now, `expires_on` and `reason` optional) into the caller's lab or, for a regulator or
 * admin allowed to, the lab given. A qualitative, ordinal or nominal item's controls take an
 * expected category: set on the form, refused here by line (setManufacturerTargets).
 */
export async function importTargetsCsv(db: DB, actor: Actor, input: { text: string; lab?: string | null }, opts: { now?: number; dryRun?: boolean } = {}): Promise<TargetsCsvOutcome> {
  // 403 before reading the file
  await resolveWritableLab(db, actor, input.lab ?? null, 'iqcTarget.manage');
  const rows = parseCsv(input.text, TARGET_CSV_REQUIRED, { maxBytes: MAX_TARGET_CSV_BYTES });
  if (rows.length > MAX_TARGET_ROWS) throw new AppError('iqc.tooManyTargetRows', { max: MAX_TARGET_ROWS, n: rows.length }, [fieldError('iqc.tooManyTargetRows', { max: MAX_TARGET_ROWS, n: rows.length }, '(file)', 1)]);
  const targets = rows.map(({ values: v }) => ({
    analyte: v.analyte_code,
    level: v.level,
    lot: v.lot,
    instrument: v.instrument ?? '',
    mean: v.mean,
    sd: v.sd,
    effectiveFrom: v.effective_from ?? '',
    expiresOn: v.expires_on ?? '',
    reason: v.reason ?? '',
  }));
  try {
    const written = await setManufacturerTargets(db, actor, { lab: input.lab ?? null, targets }, opts.now, { rows: rows.map((r) => r.line), dryRun: opts.dryRun });
    return { targets: written.length, lots: new Set(written.map((w) => w.lot.id)).size, dryRun: !!opts.dryRun };
  } catch (e) {
    // the form's field names as the file's columns
    if (e instanceof AppError && e.errors.length) throw new AppError(e.reason, e.params, e.errors.map((x) => ({ ...x, field: COLUMN_OF[x.field] ?? x.field })), e.code);
    throw e;
  }
}
