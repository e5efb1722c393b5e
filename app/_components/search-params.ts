// Search params as pages read them: one text per key. Next hands a repeated key (`?lab=a&lab=b`) to a
// page as an array, which the page's text handling would fault on (a 500 for a crafted URL); the first
// value is the one the page reads, as the tables' paging (data-table.tsx) and the charts do.
type Raw = Record<string, string | string[] | undefined>;

export function firstValues<T extends Raw>(sp: T): { [K in keyof T]?: string } {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(sp)) out[key] = Array.isArray(value) ? value[0] : value;
  return out as { [K in keyof T]?: string };
}

/** A record's id in a page's path, written as the app writes it (decimal digits, no sign, no leading
 * zero): anything else (`0x1a`, `26.0`, `1e1`) is NaN, which finds nothing, so the page is a 404
 * rather than another spelling of record 26. */
export function pathId(raw: string): number {
  return /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : NaN;
}
