// Number display shared by the pages: `num(v, digits)` rounds to significant digits and drops
// trailing zeros; a missing value is an em dash.

/**
 * A figure to show, or null where there is none: a score of an absurd result (a z of 1e308 / 0.12)
 * overflows to Infinity, which the API's JSON sends as null, so a page shows it as missing too.
 * @example finite(Infinity) → null; finite(1.5) → 1.5
 */
export const finite = (v: number | null | undefined): number | null => (v !== null && v !== undefined && Number.isFinite(v) ? v : null);

/** @example num(12.34567) → '12.35'; num(0.000123456, 3) → '0.000123'; num(null) → '—'; num(Infinity) → '—' */
export const num = (v: number | null | undefined, digits = 4): string => {
  const f = finite(v);
  return f === null ? '—' : Number(f.toPrecision(digits)).toString();
};
