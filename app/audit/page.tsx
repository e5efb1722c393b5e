import Link from 'next/link';
import { getFormatter, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
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
  const href = (page: number) => `/audit?${new URLSearchParams({ ...(log.action ? { action: log.action } : {}), page: String(page) })}`;
  return (
    <div>
      <PageHeader title={t('title')} subtitle={actor.role === 'admin' ? t('subtitleAll') : t('subtitleRegion', { region: actor.regionCode ?? '' })} />
      <form method="get" className="card mb-4 flex flex-wrap items-end gap-3" role="search" aria-label={t('filter')}>
        <div>
          <label htmlFor="action" className="label">
            {t('action')}
          </label>
          <select id="action" name="action" defaultValue={log.action ?? ''} className="input">
            <option value="">{t('allActions')}</option>
            {log.actions.map((a) => (
              <option key={a} value={a}>
                {a}
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
                  <td className="font-mono text-xs">{e.action}</td>
                  <td className="text-xs">{e.entityType ? `${e.entityType} #${e.entityId ?? ''}` : '—'}</td>
                  <td className="max-w-md break-words font-mono text-xs text-slate-600">{e.details ? JSON.stringify(e.details) : ''}</td>
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
