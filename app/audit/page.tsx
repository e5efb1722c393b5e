import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { ownRegion } from '@/lib/services/read/places';
import { requirePage } from '@/lib/auth';
import { scopeOf } from '@/lib/auth/core';
import { getDb } from '@/db/client';
import { readAuditLog } from '@/lib/services/audit';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('admin.audit');
  return { title: t('title') };
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ page?: string; action?: string }> }) {
  const actor = await requirePage('audit.read');
  const sp = await searchParams;
  const t = await getTranslations('admin.audit');
  const tc = await getTranslations('common');
  const format = await getFormatter();
  const log = readAuditLog(getDb(), actor, sp);
  const region = ownRegion(getDb(), actor);
  const regionLabel = region ? `${(await getLocale()) === 'zh' ? region.name : region.nameEn} (${region.code})` : (actor.regionCode ?? '');
  const actionName = (a: string) => (t.has(`actionNames.${a.replace(/\./g, '_')}`) ? t(`actionNames.${a.replace(/\./g, '_')}` as 'actionNames.lab_create') : a);
  const entityName = (e: string) => (t.has(`entityTypes.${e}`) ? t(`entityTypes.${e}` as 'entityTypes.lab') : e);
  const href = (page: number) => `/audit?${new URLSearchParams({ ...(log.action ? { action: log.action } : {}), page: String(page) })}`;
  return (
    <div>
      <PageHeader title={t('title')} subtitle={scopeOf(actor).kind === 'all' ? t('subtitleAll') : t('subtitleRegion', { region: regionLabel })} />
      <form method="get" className="card mb-4 flex flex-wrap items-end gap-3" role="search" aria-label={t('filter')}>
        <div>
          <label htmlFor="action" className="label">
            {t('action')}
          </label>
          <select id="action" name="action" defaultValue={log.action ?? ''} className="input">
            <option value="">{t('allActions')}</option>
            {log.actions.map((a) => (
              <option key={a} value={a}>
                {actionName(a)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn-secondary">
          {tc('actions.filter')}
        </button>
      </form>
      {log.entries.length === 0 ? (
        <EmptyState title={t('empty')} />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="table" data-testid="audit-list">
            <thead>
              <tr>
                <th scope="col">{t('at')}</th>
                <th scope="col">{t('actor')}</th>
                <th scope="col">{t('action')}</th>
                <th scope="col">{t('entity')}</th>
                <th scope="col">{t('details')}</th>
              </tr>
            </thead>
            <tbody>
              {log.entries.map((e) => (
                <tr key={e.id}>
                  <td className="whitespace-nowrap">{format.dateTime(new Date(e.at), { dateStyle: 'medium', timeStyle: 'medium' })}</td>
                  <td>
                    {e.actorEmail ?? '—'}
                    {e.ip && <div className="text-xs text-slate-500">{e.ip}</div>}
                  </td>
                  <td className="text-sm">
                    {actionName(e.action)}
                    <div className="font-mono text-xs text-slate-500">{e.action}</div>
                  </td>
                  <td className="whitespace-nowrap text-xs">{e.entityType ? `${entityName(e.entityType)} #${e.entityId ?? ''}` : '—'}</td>
                  <td className="max-w-md break-words text-xs text-slate-600">
                    {e.details && typeof e.details === 'object' && !Array.isArray(e.details) ? (
                      <dl>
                        {Object.entries(e.details as Record<string, unknown>).map(([k, v]) => (
                          <div key={k}>
                            <dt className="inline font-mono text-slate-500">{k}: </dt>
                            <dd className="inline">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                          </div>
                        ))}
                      </dl>
                    ) : e.details ? (
                      <span className="font-mono">{JSON.stringify(e.details)}</span>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav aria-label={t('pagination')} className="mt-4 flex items-center gap-3 text-sm">
        {log.page > 1 && (
          <Link href={href(log.page - 1)} className="btn-secondary" rel="prev">
            {t('previous')}
          </Link>
        )}
        <span className="text-slate-600">{t('page', { page: log.page })}</span>
        {log.hasNext && (
          <Link href={href(log.page + 1)} className="btn-secondary" rel="next">
            {t('next')}
          </Link>
        )}
      </nav>
    </div>
  );
}
