import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { correctiveActionPage } from '@/lib/services/iqc/views';
import type { PageRequest } from '@/lib/services/read/paging';
import { DataTable, type Column, type SearchParams } from '@/app/_components/data-table';
import { localText } from '@/app/_components/local-name';
import { formatDateTime } from './format';

type Item = Awaited<ReturnType<typeof correctiveActionPage>>['rows'][number];

/** Corrective actions of a lab, one page at a time (open first by default); resolved ones show who
 * did what, and when. */
export async function ActionsList({
  page,
  req,
  searchParams,
  base,
  readOnly,
}: {
  page: Awaited<ReturnType<typeof correctiveActionPage>>;
  req: PageRequest;
  searchParams: SearchParams;
  base: string;
  readOnly: boolean;
}) {
  const t = await getTranslations('iqc.actions');
  const locale = await getLocale();
  const columns: Column<Item>[] = [
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (a) => (
        <>
          <Link className="text-brand-700 hover:underline" href={`${base}/chart?analyte=${encodeURIComponent(a.analyte)}`}>
            {a.analyte}
          </Link>{' '}
          <span className="text-slate-500">{localText(locale, a.analyteNameZh, a.analyteNameEn)}</span>
          {a.instrument && <span className="block text-xs text-slate-500">{a.instrument}</span>}
        </>
      ),
    },
    { key: 'run', header: t('runAt'), sort: 'opened', className: 'whitespace-nowrap', cell: (a) => formatDateTime(a.measuredAt, locale) },
    {
      key: 'status',
      header: t('status'),
      sort: 'status',
      cell: (a) =>
        a.status !== 'open' ? (
          <span className="badge-green">{t('resolved')}</span>
        ) : readOnly ? (
          <span className="badge-red">{t('open')}</span>
        ) : (
          <Link className="btn-danger" href={`${base}/corrective-actions/${a.id}`}>
            {t('resolve')}
          </Link>
        ),
    },
    { key: 'cause', header: t('cause'), cell: (a) => a.cause ?? '' },
    { key: 'action', header: t('action'), cell: (a) => a.action ?? '' },
    { key: 'outcome', header: t('outcome'), cell: (a) => a.outcome ?? '' },
    {
      key: 'resolvedBy',
      header: t('resolvedBy'),
      className: 'whitespace-nowrap text-xs',
      cell: (a) => (
        <>
          {a.resolvedBy ?? ''}
          {a.resolvedAt ? <span className="block text-slate-500">{formatDateTime(a.resolvedAt, locale)}</span> : null}
        </>
      ),
    },
  ];
  return (
    <DataTable
      columns={columns}
      rows={page.rows}
      total={page.total}
      page={req}
      searchParams={searchParams}
      filter=""
      rowKey={(a) => a.id}
      rowProps={(a) => ({ 'data-action-id': String(a.id), 'data-status': a.status })}
      testId="corrective-actions"
      empty={t('none')}
    />
  );
}
