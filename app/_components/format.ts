// Number display shared by the pages: `num(v, digits)` rounds to significant digits and drops
// trailing zeros; a missing value is an em dash.

/** @example num(12.34567) → '12.35'; num(0.000123456, 3) → '0.000123'; num(null) → '—' */
export const num = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '—' : Number(v.toPrecision(digits)).toString());
