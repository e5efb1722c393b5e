import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { ownRegion } from '@/lib/services/read/places';
import { requirePage } from '@/lib/auth';
import { scopeOf } from '@/lib/auth/core';
import { getDb } from '@/db/client';
import { AUDIT_PAGE_SIZE, readAuditLog } from '@/lib/services/audit';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column, type SearchParams } from '@/app/_components/data-table';
import { FilterSelect } from '@/app/_components/fields';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('admin.audit');
  return { title: t('title') };
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams & { page?: string; action?: string }> }) {
  const actor = await requirePage('audit.read');
  const sp = firstValues(await searchParams);
  const t = await getTranslations('admin.audit');
  const tc = await getTranslations('common');
  const format = await getFormatter();
  const log = await readAuditLog(getDb(), actor, { page: typeof sp.page === 'string' ? sp.page : undefined, action: typeof sp.action === 'string' ? sp.action : undefined });
  const region = await ownRegion(getDb(), actor);
  const regionLabel = region ? `${(await getLocale()) === 'zh' ? region.name : region.nameEn} (${region.code})` : (actor.regionCode ?? '');
  const actionName = (a: string) => (t.has(`actionNames.${a.replace(/\./g, '_')}`) ? t(`actionNames.${a.replace(/\./g, '_')}` as 'actionNames.lab_create') : a);
  const entityName = (e: string) => (t.has(`entityTypes.${e}`) ? t(`entityTypes.${e}` as 'entityTypes.lab') : e);
  const columns: Column<(typeof log.entries)[number]>[] = [
    { key: 'at', header: t('at'), className: 'whitespace-nowrap', cell: (e) => format.dateTime(new Date(e.at), { dateStyle: 'medium', timeStyle: 'medium' }) },
    {
      key: 'actor',
      header: t('actor'),
      cell: (e) => (
        <>
          {e.actorEmail ?? '—'}
          {e.ip && <div className="text-xs text-slate-500">{e.ip}</div>}
        </>
      ),
    },
    {
      key: 'action',
      header: t('action'),
      className: 'text-sm',
      cell: (e) => (
        <>
          {actionName(e.action)}
          <div className="font-mono text-xs text-slate-500">{e.action}</div>
        </>
      ),
    },
    { key: 'lab', header: t('lab'), className: 'whitespace-nowrap text-xs', cell: (e) => e.labCode ?? '—' },
    { key: 'entity', header: t('entity'), className: 'whitespace-nowrap text-xs', cell: (e) => (e.entityType ? `${entityName(e.entityType)}${e.entityId === null ? '' : ` #${e.entityId}`}` : '—') },
    { key: 'details', header: t('details'), className: 'max-w-md break-words text-xs text-slate-600', cell: (e) => <Details details={e.details} /> },
  ];
  return (
    <div>
      <PageHeader title={t('title')} subtitle={scopeOf(actor).kind === 'all' ? t('subtitleAll') : t('subtitleRegion', { region: regionLabel })} />
      <form method="get" className="card mb-4 flex flex-wrap items-end gap-3" role="search" aria-label={t('filter')}>
        <FilterSelect id="action" label={t('action')} value={log.action} all={t('allActions')} options={log.actions.map((a) => ({ value: a, label: actionName(a) }))} />
        <button type="submit" className="btn-secondary">
          {tc('actions.filter')}
        </button>
      </form>
      <DataTable
        columns={columns}
        rows={log.entries}
        rowKey={(e) => e.id}
        total={log.total}
        more={log.hasNext}
        page={{ page: log.page, size: AUDIT_PAGE_SIZE, sort: 'at', dir: 'desc', q: '' }}
        searchParams={sp}
        testId="audit-list"
        empty={t('empty')}
      />
    </div>
  );
}

/** An entry's details: a definition list of its fields, or the JSON as it is. */
function Details({ details }: { details: unknown }) {
  if (details && typeof details === 'object' && !Array.isArray(details))
    return (
      <dl>
        {Object.entries(details as Record<string, unknown>).map(([k, v]) => (
          <div key={k}>
            <dt className="inline font-mono text-slate-500">{k}: </dt>
            <dd className="inline">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
          </div>
        ))}
      </dl>
    );
  return details ? <span className="font-mono">{JSON.stringify(details)}</span> : null;
}
