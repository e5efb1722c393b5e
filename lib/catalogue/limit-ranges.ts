// Reading db/seed-data/limit-ranges.csv: concentration ranges of EQA allowable limits (WS/T 406 states
// haematology requirements by concentration) as the catalogue service stores them in
// analyte_limit_ranges. Each range is written as its source words it (lower_op lower, upper_op upper);
// the stored convention is lower < target ≤ upper (lib/stats limitAt), so a range the source bounds
// with "≥" below or "<" above is refused, never silently moved to the other side of its boundary.
import { decimalNumber } from '@/lib/validation/decimal';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { limitRangesInput } from '@/lib/validation/analyte';
import type { LimitForm } from '@/lib/stats';

const RANGES_FILE = 'db/seed-data/limit-ranges.csv';

/** One stored range of an analyte's limit: from < target ≤ to (null = unbounded). */
export interface LimitRangeSeed {
  from: number | null;
  to: number | null;
  percent: number | null;
  absolute: number | null;
  form: LimitForm | null;
  threshold: number | null;
  source: string;
}

export interface AnalyteLimitRanges {
  /** catalogue code (upper case) */
  analyte: string;
  /** lowest first, not overlapping */
  ranges: LimitRangeSeed[];
}

/** The committed data file (npm scripts, tests and the server run from the repository root). */
export function limitRangesCsv(): string {
  return fs.readFileSync(path.resolve(/*turbopackIgnore: true*/ process.cwd(), RANGES_FILE), 'utf8');
}

const LOWER_OPS = new Set(['', '>']);
const UPPER_OPS = new Set(['', '<=', '≤']);

const blank = (s: string | undefined) => s == null || s.trim() === '';
// decimal text only: `0x10` or `1e` is no number here, as in every form and API (not 16, as Number() reads it)
const numberOrNull = (s: string | undefined): number | null => (blank(s) ? null : decimalNumber(s!.trim()));

/** Problems with one side of a range ("lower" or "upper"), in words, or []. */
function boundProblems(side: 'lower' | 'upper', op: string, value: string | undefined): string[] {
  const ops = side === 'lower' ? LOWER_OPS : UPPER_OPS;
  if (!ops.has(op)) {
    const stored = side === 'lower' ? "'>' (the lower bound belongs to the range below)" : "'<=' or '≤' (the upper bound belongs to this range)";
    return [`${side}_op '${op}' cannot be stored: ranges are kept as lower < target <= upper, so ${side}_op must be ${stored} or empty`];
  }
  if (op === '' && !blank(value)) return [`${side} ${value} needs ${side}_op`];
  if (op !== '' && blank(value)) return [`${side}_op '${op}' needs ${side}`];
  if (!blank(value) && !Number.isFinite(numberOrNull(value))) return [`${side} '${value}' is not a number`];
  return [];
}

/**
 * The ranges of limit-ranges.csv by analyte, in file order. Lines starting with '#' are comments.
 * Every row needs its analyte, a limit (percent and/or absolute), its source and the source's wording;
 * an analyte's rows must run from the lowest range up without overlapping. Throws an Error naming
 * every faulty line.
 */
export function parseLimitRanges(csvText: string): AnalyteLimitRanges[] {
  // comment lines become empty lines, so the line numbers in errors stay those of the file
  const text = csvText
    .split('\n')
    .map((l) => (l.trimStart().startsWith('#') ? '' : l))
    .join('\n');
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true }) as { record: Record<string, string>; info: { lines: number } }[];
  const errors: string[] = [];
  const byAnalyte = new Map<string, { ranges: LimitRangeSeed[]; lines: number[] }>();
  for (const { record: r, info } of records) {
    const line = info.lines;
    const problems = [
      ...(blank(r.analyte) ? ['analyte is empty'] : []),
      ...boundProblems('lower', r.lower_op ?? '', r.lower),
      ...boundProblems('upper', r.upper_op ?? '', r.upper),
      ...(blank(r.source) ? ['source is empty'] : []),
      ...(blank(r.wording) ? ["wording (the source's own text) is empty"] : []),
      ...(['percent', 'absolute', 'threshold'] as const).filter((k) => !blank(r[k]) && !Number.isFinite(numberOrNull(r[k]))).map((k) => `${k} '${r[k]}' is not a number`),
    ];
    if (problems.length) {
      errors.push(...problems.map((p) => `line ${line}: ${p}`));
      continue;
    }
    const code = r.analyte.trim().toUpperCase();
    const entry = byAnalyte.get(code) ?? { ranges: [], lines: [] };
    entry.ranges.push({
      from: numberOrNull(r.lower),
      to: numberOrNull(r.upper),
      percent: numberOrNull(r.percent),
      absolute: numberOrNull(r.absolute),
      form: blank(r.form) ? null : (r.form.trim() as LimitForm),
      threshold: numberOrNull(r.threshold),
      source: r.source.trim(),
    });
    entry.lines.push(line);
    byAnalyte.set(code, entry);
  }
  // each analyte's ranges as the catalogue service validates them (limits, forms, order, no overlap)
  for (const [analyte, { ranges, lines }] of byAnalyte) {
    const check = limitRangesInput.safeParse({ analyte, ranges, reason: RANGES_FILE });
    if (!check.success) {
      for (const issue of check.error.issues) {
        const [, index] = issue.path;
        const where = typeof index === 'number' ? `line ${lines[index]}` : `${analyte} (lines ${lines.join(', ')})`;
        errors.push(`${where}: ${issue.path.slice(2).join('.') || 'ranges'}: ${issue.message}`);
      }
    }
  }
  if (errors.length) throw new Error(`${RANGES_FILE}: ${errors.join('; ')}`);
  return [...byAnalyte].map(([analyte, { ranges }]) => ({ analyte, ranges }));
}
