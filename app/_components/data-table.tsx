// The one table of the app: columns as definitions, rows and the total from a paged query
// (db/queries/paging.ts), sorting, paging and a filter box kept in the URL search params so a
// page is a link. A server component: sorting and filtering happen in SQL, never in the browser.
import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { EmptyState } from './empty-state';
import { servablePage, type PageRequest, type SortDir } from '@/lib/services/read/paging';

export interface Column<R> {
  key: string;
  header: React.ReactNode;
  cell: (row: R) => React.ReactNode;
  /** the query's sort key behind this column (a column without one does not sort) */
  sort?: string;
  className?: string;
}

export type SearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The page request a list's search params ask for (`page`, `size`, `sort`, `dir`, `q`, each with
 * the table's prefix when a page holds several tables), checked against the query's sort keys. */
export function readPage<S extends string>(
  sp: SearchParams,
  opts: { sorts: readonly S[]; sort: S; dir?: SortDir; size?: number; prefix?: string },
): PageRequest<S> {
  const p = opts.prefix ?? '';
  const sort = first(sp[`${p}sort`]) as S | undefined;
  const dir = first(sp[`${p}dir`]);
  const size = Number(first(sp[`${p}size`]));
  return {
    page: servablePage(Number(first(sp[`${p}page`]))),
    size: Number.isFinite(size) && size >= 1 ? Math.min(Math.floor(size), 200) : (opts.size ?? 50),
    sort: sort && opts.sorts.includes(sort) ? sort : opts.sort,
    dir: dir === 'asc' || dir === 'desc' ? dir : (opts.dir ?? 'asc'),
    q: (first(sp[`${p}q`]) ?? '').slice(0, 100),
  };
}

function hrefWith(sp: SearchParams, set: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) {
    if (k in set) continue;
    for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) u.append(k, x);
  }
  for (const [k, v] of Object.entries(set)) if (v !== undefined && v !== '') u.set(k, String(v));
  return `?${u.toString()}`;
}

export async function DataTable<R>({
  columns,
  rows,
  rowKey,
  rowProps,
  total,
  more = false,
  page,
  searchParams = {},
  prefix = '',
  filter,
  empty,
  emptyText,
  testId,
  caption,
}: {
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string | number;
  rowProps?: (row: R) => { className?: string } & Record<`data-${string}`, string | undefined>;
  /** with `page`: the rows that match the filter, for the pager */
  total?: number;
  /** more rows match than `total` (the query stopped counting) */
  more?: boolean;
  page?: PageRequest;
  searchParams?: SearchParams;
  prefix?: string;
  /** show the filter box (with this label) */
  filter?: string;
  /** text when there are no rows (and a line under it) */
  empty?: string;
  emptyText?: string;
  testId?: string;
  caption?: React.ReactNode;
}) {
  const t = await getTranslations('common.table');
  const p = prefix;
  const pages = page && total !== undefined ? Math.max(1, Math.ceil(total / page.size)) : 1;
  const from = page && total ? (page.page - 1) * page.size + 1 : 0;
  const to = page && total !== undefined ? Math.min(total, page.page * page.size) : rows.length;
  // a page past the last (an old link, a typed ?page=): said so, and "previous" leads to the last page
  const pastEnd = !!page && total !== undefined && !more && page.page > pages;
  const sortLink = (c: Column<R>) => {
    if (!page || !c.sort) return c.header;
    const active = page.sort === c.sort;
    const dir = active && page.dir === 'asc' ? 'desc' : 'asc';
    return (
      <Link href={hrefWith(searchParams, { [`${p}sort`]: c.sort, [`${p}dir`]: dir, [`${p}page`]: undefined })} className="inline-flex items-center gap-1 hover:underline" aria-label={t('sortBy', { column: typeof c.header === 'string' ? c.header : c.key })} data-sort={c.sort}>
        {c.header}
        {active && <span aria-hidden>{page.dir === 'asc' ? '▲' : '▼'}</span>}
      </Link>
    );
  };
  return (
    <div data-testid={testId ? `${testId}-table` : undefined}>
      {caption}
      {filter !== undefined && page && (
        <form className="mb-2 flex flex-wrap items-end gap-2" role="search">
          <HiddenSearchParams searchParams={searchParams} except={[`${p}q`, `${p}page`]} />
          <label className="sr-only" htmlFor={`${p || 't-'}filter`}>
            {filter || t('filter')}
          </label>
          <input id={`${p || 't-'}filter`} name={`${p}q`} defaultValue={page.q} placeholder={filter || t('filterPlaceholder')} className="input max-w-xs" type="search" />
          <button type="submit" className="btn-secondary">
            {t('apply')}
          </button>
        </form>
      )}
      {rows.length === 0 ? (
        <EmptyState title={empty ?? t('empty')} text={emptyText} />
      ) : (
        // `relative`: the scroll box is the containing block of the cells' sr-only labels (position:
        // absolute), which would otherwise sit outside it and widen the page on a phone
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="table" data-testid={testId}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.key} className={c.className} aria-sort={page && c.sort && page.sort === c.sort ? (page.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    {sortLink(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={rowKey(r)} {...rowProps?.(r)}>
                  {columns.map((c) => (
                    <td key={c.key} className={c.className}>
                      {c.cell(r)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && total !== undefined && total > 0 && (
        <nav className="mt-2 flex items-center justify-between text-sm text-slate-600" aria-label={t('pageOf', { page: page.page, pages })} data-testid={testId ? `${testId}-pager` : undefined}>
          <span data-testid={testId ? `${testId}-count` : undefined}>{pastEnd ? t('pastEnd', { pages, total }) : t(more ? 'shownMore' : 'shown', { from, to, total })}</span>
          <span className="flex items-center gap-2">
            {page.page > 1 ? (
              <Link href={hrefWith(searchParams, { [`${p}page`]: pastEnd ? pages : page.page - 1 })} className="btn-secondary" rel="prev">
                {t('previous')}
              </Link>
            ) : null}
            <span>{more ? page.page : t('pageOf', { page: page.page, pages })}</span>
            {page.page < pages || (more && rows.length === page.size) ? (
              <Link href={hrefWith(searchParams, { [`${p}page`]: page.page + 1 })} className="btn-secondary" rel="next">
                {t('next')}
              </Link>
            ) : null}
          </span>
        </nav>
      )}
    </div>
  );
}

/** A GET form's hidden copies of the page's search parameters, all but `except`: submitting the form
 * changes its own fields and keeps the rest of the page's state (another table's page, a filter). */
export function HiddenSearchParams({ searchParams, except }: { searchParams: SearchParams; except: string[] }) {
  return Object.entries(searchParams)
    .filter(([k]) => !except.includes(k))
    .flatMap(([k, v]) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x, i) => <input key={`${k}${i}`} type="hidden" name={k} value={x} />));
}
