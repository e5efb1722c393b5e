import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { correctiveActionList } from '@/lib/services/iqc/views';
import { EmptyState } from '@/app/_components/empty-state';
import { formatDateTime } from './format';

/** Corrective actions of a lab, open ones first; resolved ones show who did what, and when. */
export async function ActionsList({ items, base, readOnly }: { items: ReturnType<typeof correctiveActionList>; base: string; readOnly: boolean }) {
  const t = await getTranslations('iqc.actions');
  const locale = await getLocale();
  if (!items.length) return <EmptyState title={t('none')} />;
  return (
    <div className="card overflow-x-auto">
      <table className="table" data-testid="corrective-actions">
        <thead>
          <tr>
            <th>{t('analyte')}</th>
            <th>{t('runAt')}</th>
            <th>{t('status')}</th>
            <th>{t('cause')}</th>
            <th>{t('action')}</th>
            <th>{t('outcome')}</th>
            <th>{t('resolvedBy')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} id={`ca-${a.id}`} data-action-id={a.id} data-status={a.status}>
              <td>
                <Link className="text-brand-700 hover:underline" href={`${base}/chart?analyte=${encodeURIComponent(a.analyte)}`}>
                  {a.analyte}
                </Link>{' '}
                <span className="text-slate-500">{locale === 'zh' ? a.analyteNameZh : a.analyteNameEn}</span>
                {a.instrument && <span className="block text-xs text-slate-500">{a.instrument}</span>}
              </td>
              <td className="whitespace-nowrap">{formatDateTime(a.measuredAt, locale)}</td>
              <td>
                {a.status === 'open' ? (
                  readOnly ? (
                    <span className="badge-red">{t('open')}</span>
                  ) : (
                    <Link className="btn-danger" href={`${base}/corrective-actions/${a.id}`}>
                      {t('resolve')}
                    </Link>
                  )
                ) : (
                  <span className="badge-green">{t('resolved')}</span>
                )}
              </td>
              <td>{a.cause ?? ''}</td>
              <td>{a.action ?? ''}</td>
              <td>{a.outcome ?? ''}</td>
              <td className="whitespace-nowrap text-xs">
                {a.resolvedBy ?? ''}
                {a.resolvedAt ? <span className="block text-slate-500">{formatDateTime(a.resolvedAt, locale)}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
