import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { labDashboard } from '@/lib/services/iqc/views';
import { StatTile } from '@/app/_components/stat-tile';
import { EmptyState } from '@/app/_components/empty-state';
import { StatusBadge } from '@/app/_components/status-badge';
import { formatDateTime } from './format';

/** The lab's IQC at a glance: traffic-light table, open corrective actions, days since last QC.
 * `base` is where the lab's IQC pages live (/lab/iqc or /regulator/labs/<code>/iqc). */
export async function DashboardView({ data, base, readOnly }: { data: ReturnType<typeof labDashboard>; base: string; readOnly: boolean }) {
  const t = await getTranslations('iqc.dashboard');
  const locale = await getLocale();
  const c = data.counts;
  return (
    <div className="space-y-6">
      <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <StatTile label={t('analytes')} value={c.analytes} />
        <StatTile label={t('red')} value={<span data-testid="count-red">{c.red}</span>} />
        <StatTile label={t('openActions')} value={<span data-testid="count-open">{c.open}</span>} />
        <StatTile label={t('daysSinceLastQc')} value={c.daysSinceLastQc ?? '—'} />
      </div>

      <section className="card overflow-x-auto" aria-labelledby="iqc-lights">
        <h2 id="iqc-lights" className="mb-3 font-semibold">
          {t('lightsTitle')}
        </h2>
        {data.rows.length === 0 ? (
          <EmptyState title={t('noData')} />
        ) : (
          <table className="table" data-testid="iqc-lights">
            <thead>
              <tr>
                <th>{t('analyte')}</th>
                <th>{t('instrument')}</th>
                <th>{t('lastRun')}</th>
                <th>{t('lastAt')}</th>
                <th>{t('daysSince')}</th>
                <th>{t('openActions')}</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={`${r.analyte}|${r.instrument}`} data-analyte={r.analyte}>
                  <td>
                    <Link className="font-medium text-brand-700 hover:underline" href={`${base}/chart?analyte=${encodeURIComponent(r.analyte)}`}>
                      {r.analyte}
                    </Link>{' '}
                    <span className="text-slate-500">{locale === 'zh' ? r.nameZh : r.nameEn}</span>
                  </td>
                  <td>{r.instrument || '—'}</td>
                  <td>
                    <StatusBadge kind="run" status={r.status} />
                  </td>
                  <td className="whitespace-nowrap">{formatDateTime(r.lastAt, locale)}</td>
                  <td className={r.daysSince > 2 ? 'font-semibold text-amber-700' : undefined}>{r.daysSince}</td>
                  <td>{r.openActions > 0 ? <span className="badge-red">{r.openActions}</span> : '0'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card overflow-x-auto" aria-labelledby="iqc-open">
        <div className="mb-3 flex items-center justify-between">
          <h2 id="iqc-open" className="font-semibold">
            {t('openTitle')}
          </h2>
          <Link className="text-sm text-brand-700 hover:underline" href={`${base}/corrective-actions`}>
            {t('allActions')}
          </Link>
        </div>
        {data.openActions.length === 0 ? (
          <p className="text-sm text-slate-500">{t('noOpen')}</p>
        ) : (
          <table className="table" data-testid="iqc-open-actions">
            <thead>
              <tr>
                <th>{t('analyte')}</th>
                <th>{t('instrument')}</th>
                <th>{t('runAt')}</th>
                <th>{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {data.openActions.map((a) => (
                <tr key={a.id} data-action-id={a.id}>
                  <td>
                    {a.analyte} <span className="text-slate-500">{locale === 'zh' ? a.analyteNameZh : a.analyteNameEn}</span>
                  </td>
                  <td>{a.instrument || '—'}</td>
                  <td className="whitespace-nowrap">{formatDateTime(a.measuredAt, locale)}</td>
                  <td className="space-x-3 whitespace-nowrap">
                    <Link className="text-brand-700 hover:underline" href={`${base}/chart?analyte=${encodeURIComponent(a.analyte)}`}>
                      {t('viewChart')}
                    </Link>
                    {!readOnly && (
                      <Link className="text-brand-700 hover:underline" href={`${base}/corrective-actions/${a.id}`}>
                        {t('resolve')}
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
