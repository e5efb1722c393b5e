// The figures of a graded EQA sample as the lab's report prints them: the deviation, the acceptable
// range, the value and the assigned value, each with as many decimals as the verdict needs, so that
// no figure contradicts the verdict beside it ("0.20 > 0.20", or 145.6 outside 134.4000 – 145.6000).
import { num } from '@/app/_components/format';
import { reportDecimals } from '@/lib/stats';

/** What these figures read of a report's sample. */
export interface GradedFigures {
  deviation: number | null;
  allowed: number | null;
  acceptable: boolean | null;
  lower: number | null;
  upper: number | null;
}
/** Deviation and allowed deviation with as many decimals as the verdict needs (never "0.20 > 0.20"). */
export function deviationText(s: GradedFigures): string {
  if (s.deviation === null || s.allowed === null || s.acceptable === null) return '—';
  const d = reportDecimals(s.deviation, s.allowed, s.acceptable);
  const sign = s.deviation > 0 ? '+' : s.deviation < 0 ? '−' : '';
  return `${sign}${Math.abs(s.deviation).toFixed(d)} (±${s.allowed.toFixed(d)})`;
}

/** The decimals of a graded sample's figures: as many as its verdict needs, at least 2. */
export function verdictDecimals(s: GradedFigures): number {
  return s.deviation !== null && s.allowed !== null && s.acceptable !== null ? Math.max(reportDecimals(s.deviation, s.allowed, s.acceptable), 2) : 2;
}

/** The acceptable range, with the decimals of the deviation so it agrees with the verdict. */
export function rangeText(s: GradedFigures): string {
  if (s.lower === null || s.upper === null) return '—';
  const d = verdictDecimals(s);
  return `${s.lower.toFixed(d)} – ${s.upper.toFixed(d)}`;
}

/** The lab's value and the assigned value beside that range: with its decimals (and the value's
 * own, up to 9), so 145.6001 outside 134.4000 – 145.6000 does not read as 145.6. Ungraded: as usual. */
export function figureText(v: number | null, s: GradedFigures, own: boolean): string {
  if (v === null) return '—';
  if (s.acceptable === null || s.deviation === null) return num(v);
  const written = own ? Math.min((String(v).split('.')[1] ?? '').replace(/e.*$/, '').length, 9) : 0;
  return v.toFixed(Math.max(verdictDecimals(s), written));
}

