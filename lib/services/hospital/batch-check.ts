// The hospital workspace's batch check: a pasted or uploaded list `lab,analyte,date[,asOf]` (the
// header line may be left out; `as_of` as the download names it) answered by the batch verification service, with the signed-in
// account's local codes, as rows for the page and as a CSV to download.
import type { DB } from '@/db/client';
import { can, type Actor } from '@/lib/auth/core';
import { parseCsv, toCsv } from '@/lib/csv';
import { AppError } from '@/lib/errors';
import { verifyBatch, MAX_BATCH_CHECKS } from '@/lib/services/recognition/verify-batch';

export interface BatchCheckRow {
  line: number;
  lab: string;
  analyte: string;
  date: string;
  asOf: string;
  recognized: boolean | null;
  withinWindow: boolean | null;
  windowDays: number | null;
  mark: string | null;
  certificateNo: string | null;
  status: string | null;
  reason: string | null;
  error: string | null;
  errorCode: string | null;
}

export const BATCH_CSV_HEADER = ['line', 'lab', 'analyte', 'date', 'as_of', 'recognized', 'within_window', 'window_days', 'usable', 'mark', 'certificate_no', 'status', 'reason', 'error'] as const;

export async function batchCheck(db: DB, actor: Actor, input: { text: string }, opts: { now?: number } = {}) {
  if (!can(actor, 'certification.read')) throw AppError.forbidden();
  const text = (input.text ?? '').replace(/^\uFEFF/, '');
  // a list without its header line: its lines are read as these columns, numbered as written. A
  // header names lab and analyte among its columns, in any order (the download starts with `line`)
  const firstLine = text.split(/\r?\n/).find((l) => l.trim()) ?? '';
  const named = new Set(firstLine.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase()));
  const columns = !text.trim() || (named.has('lab') && named.has('analyte')) ? undefined : ['lab', 'analyte', 'date', 'asOf'];
  const lines = parseCsv(text, ['lab', 'analyte', 'date'], { maxBytes: 2 * 1024 * 1024, columns });
  if (lines.length > MAX_BATCH_CHECKS) throw new AppError('verify.tooManyChecks', { max: MAX_BATCH_CHECKS, n: lines.length });
  // `as_of` is the column the download writes: a downloaded answer uploaded again asks the same
  const checks = lines.map(({ values: v }) => {
    const asOf = v.asof || v.as_of;
    return { lab: v.lab, analyte: v.analyte, date: v.date, ...(asOf ? { asOf } : {}) };
  });
  // the accounts that own a local code map (hospitals, regulator platforms: LOCAL_CODE_ROLES)
  const ownerId = can(actor, 'localCode.manage') ? actor.userId : null;
  const { results } = await verifyBatch(db, { checks }, { now: opts.now, ownerId });
  const rows: BatchCheckRow[] = results.map((r, i) => {
    const c = checks[i];
    const base = { line: lines[i].line, lab: c.lab, analyte: c.analyte, date: c.date, asOf: c.asOf ?? '' };
    if ('error' in r) return { ...base, recognized: null, withinWindow: null, windowDays: null, mark: null, certificateNo: null, status: null, reason: null, error: r.error, errorCode: r.code };
    // the days the answer is about, both written out: a line left without a date was checked for
    // the day it ran, and the download uploaded again another day must ask about that same day
    return { ...base, date: r.date, asOf: r.asOf, recognized: r.recognized, withinWindow: r.withinWindow, windowDays: r.windowDays, mark: r.mark ?? null, certificateNo: r.certificateNo ?? null, status: r.status ?? null, reason: r.reason, error: null, errorCode: null };
  });
  const csv = toCsv(
    BATCH_CSV_HEADER,
    rows.map((r) => [r.line, r.lab, r.analyte, r.date, r.asOf, r.recognized, r.withinWindow, r.windowDays, r.recognized === null ? null : r.recognized && r.withinWindow, r.mark, r.certificateNo, r.status, r.reason, r.error]),
  );
  const counts = { checks: rows.length, recognized: rows.filter((r) => r.recognized).length, usable: rows.filter((r) => r.recognized && r.withinWindow).length, errors: rows.filter((r) => r.error).length };
  return { rows, csv, counts };
}
