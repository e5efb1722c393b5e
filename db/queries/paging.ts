// One page of a list: what every paged query takes (page, size, sort key, direction, filter text)
// and returns (the rows of the page and the total that matches). Each query names the sort keys it
// accepts and maps them to columns that an index stands behind.
import { asc, desc, sql, type SQL } from 'drizzle-orm';
import { foldAscii, likeCi } from '../dialect';

export type SortDir = 'asc' | 'desc';

export interface PageRequest<S extends string = string> {
  /** 1-based */
  page: number;
  size: number;
  sort: S;
  dir: SortDir;
  /** free filter text ('' for none) */
  q: string;
}

export interface Page<T> {
  rows: T[];
  /** the rows that match (up to a query's count cap when `more` is set) */
  total: number;
  /** more rows match than `total` says (the query stopped counting) */
  more?: boolean;
}

export const PAGE_SIZES = [25, 50, 100] as const;
export const MAX_PAGE_SIZE = 200;
/** The last page a list serves: an offset within any integer either backend takes (a page past the
 * rows is empty); a URL asking for a later page, or for 1e400, gets this one. */
export const MAX_PAGE = 1_000_000;

/** A page number as asked (any number, NaN, ±Infinity) made a page a list can serve: 1 … MAX_PAGE. */
export function servablePage(asked: number): number {
  return Math.min(Math.max(1, Math.floor(asked) || 1), MAX_PAGE);
}

/** A LIKE pattern that finds `q` anywhere (the wildcards in `q` escaped; use with ESCAPE '\'). */
export function containsPattern(q: string): string {
  return `%${q.replace(/[%_\\]/g, '\\$&')}%`;
}

/** `col LIKE %q%` over several columns, OR-ed; undefined when there is no filter text. Case-insensitive
 * (A–Z only) on both backends: SQLite's LIKE is, and likeCi folds the same on PostgreSQL. */
export function textFilter(q: string, cols: unknown[]): SQL | undefined {
  const t = q.trim();
  if (!t) return undefined;
  const p = containsPattern(t);
  return sql`(${sql.join(
    cols.map((c) => likeCi(c, p)),
    sql` OR `,
  )})`;
}

/** ORDER BY for a sort key: its columns in the requested direction (ties broken by the later columns). */
export function orderFor<S extends string>(sorts: Record<S, unknown[]>, req: Pick<PageRequest<S>, 'sort' | 'dir'>): SQL[] {
  const cols = sorts[req.sort] ?? Object.values<unknown[]>(sorts)[0];
  return cols.map((c) => (req.dir === 'desc' ? desc(c as never) : asc(c as never)));
}

/** LIMIT and OFFSET of a page (size capped). */
export function limitOffset(req: Pick<PageRequest, 'page' | 'size'>): { limit: number; offset: number } {
  const size = Math.min(Math.max(1, Math.floor(req.size) || 50), MAX_PAGE_SIZE);
  return { limit: size, offset: (servablePage(req.page) - 1) * size };
}

/** One page of a short list already read whole, in its given order (reversed for `desc`): the rows
 * whose `texts` contain the filter text (A–Z in any case, as textFilter), and how many match. For lists a page must
 * compute in the app anyway (a lab's lots, its rule choices), so only the page reaches the HTML. */
export function pageOfRows<T>(rows: readonly T[], req: PageRequest, texts: (row: T) => (string | null | undefined)[]): Page<T> {
  const q = foldAscii(req.q.trim());
  const matching = q ? rows.filter((r) => texts(r).some((v) => v != null && foldAscii(v).includes(q))) : [...rows];
  if (req.dir === 'desc') matching.reverse();
  const { limit, offset } = limitOffset(req);
  return { rows: matching.slice(offset, offset + limit), total: matching.length };
}

/** A select whose columns come last: `(cols) => db.select(cols).from(…).join(…).where(…)`. */
export type SelectOf = (cols: Record<string, unknown>) => PromiseLike<unknown[]> & {
  orderBy(...by: SQL[]): { limit(n: number): { offset(n: number): PromiseLike<unknown[]> } };
};

/** The row a column map selects (a table column's data type, or an sql<T> expression's T). */
export type RowOf<C> = { [K in keyof C]: C[K] extends { _: { data: infer D } } ? D : C[K] extends SQL<infer T> ? T : never };

/** One page of a select: the page's rows in the sort's order and the count of all that match. */
export async function pageOf<C extends Record<string, unknown>, S extends string>(select: SelectOf, cols: C, sorts: Record<S, unknown[]>, req: PageRequest<S>): Promise<Page<RowOf<C>>> {
  const { limit, offset } = limitOffset(req);
  const counted = (await select({ n: sql<number>`count(*)`.mapWith(Number) }))[0] as { n: number } | undefined;
  return { rows: (await select(cols).orderBy(...orderFor(sorts, req)).limit(limit).offset(offset)) as RowOf<C>[], total: counted?.n ?? 0 };
}
