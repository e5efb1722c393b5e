// How an earlier version's value reads in an edit history: a lab or region id by its code, a list of
// categories by their codes, a number or text as itself.

/** A stored value of a previous version as text ('—' when absent); `codes` maps ids to codes. */
export function historyValue(x: unknown, codes?: ReadonlyMap<number, string>): string {
  if (x === null || x === undefined || x === '') return '—';
  if (typeof x === 'number') return codes?.get(x) ?? String(x);
  if (Array.isArray(x)) return x.length ? x.map((item) => (isCoded(item) ? item.code : historyValue(item))).join(', ') : '—';
  if (typeof x === 'object') return JSON.stringify(x);
  return String(x);
}

const isCoded = (v: unknown): v is { code: string } => typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string';
