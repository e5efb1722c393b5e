import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { labDashboard } from '@/lib/services/iqc/views';
import { StatTile } from '@/app/_components/stat-tile';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localName, localText } from '@/app/_components/local-name';
import { StatusBadge } from '@/app/_components/status-badge';
import { formatDateTime } from './format';

/** The lab's IQC at a glance: traffic-light table, open corrective actions, days since last QC.
 * `base` is where the lab's IQC pages live (/lab/iqc or /regulator/labs/<code>/iqc). */
export async function DashboardView({ data, base, readOnly }: { data: Awaited<ReturnType<typeof labDashboard>>; base: string; readOnly: boolean }) {
  const t = await getTranslations('iqc.dashboard');
  const locale = await getLocale();
  const c = data.counts;
  const chart = (analyte: string) => `${base}/chart?analyte=${encodeURIComponent(analyte)}`;
  const lightColumns: Column<(typeof data.rows)[number]>[] = [
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (r) => (
        <>
          <Link className="font-medium text-brand-700 hover:underline" href={chart(r.analyte)}>
            {r.analyte}
          </Link>{' '}
          <span className="text-slate-500">{localName(locale, r)}</span>
        </>
      ),
    },
    { key: 'instrument', header: t('instrument'), cell: (r) => r.instrument || '—' },
    { key: 'status', header: t('lastRun'), cell: (r) => <StatusBadge kind="run" status={r.status} /> },
    { key: 'at', header: t('lastAt'), className: 'whitespace-nowrap', cell: (r) => formatDateTime(r.lastAt, locale) },
    { key: 'days', header: t('daysSince'), cell: (r) => <span className={r.daysSince > 2 ? 'font-semibold text-amber-700' : undefined}>{r.daysSince}</span> },
    { key: 'open', header: t('openActions'), cell: (r) => (r.openActions > 0 ? <span className="badge-red">{r.openActions}</span> : '0') },
  ];
  const actionColumns: Column<(typeof data.openActions)[number]>[] = [
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (a) => (
        <>
          {a.analyte} <span className="text-slate-500">{localText(locale, a.analyteNameZh, a.analyteNameEn)}</span>
        </>
      ),
    },
    { key: 'instrument', header: t('instrument'), cell: (a) => a.instrument || '—' },
    { key: 'at', header: t('runAt'), className: 'whitespace-nowrap', cell: (a) => formatDateTime(a.measuredAt, locale) },
    {
      key: 'actions',
      header: t('actions'),
      className: 'space-x-3 whitespace-nowrap',
      cell: (a) => (
        <>
          <Link className="text-brand-700 hover:underline" href={chart(a.analyte)}>
            {t('viewChart')}
          </Link>
          {!readOnly && (
            <Link className="text-brand-700 hover:underline" href={`${base}/corrective-actions/${a.id}`}>
              {t('resolve')}
            </Link>
          )}
        </>
      ),
    },
  ];
  const tt = await getTranslations('iqc.targets');
  const expiryColumns: Column<(typeof data.expiringLots)[number]>[] = [
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (l) => (
        <>
          {l.analyte} <span className="text-slate-500">{localName(locale, l)}</span>
        </>
      ),
    },
    { key: 'level', header: tt('level'), cell: (l) => l.level },
    { key: 'lot', header: tt('lot'), cell: (l) => l.lot },
    { key: 'instrument', header: t('instrument'), cell: (l) => l.instrument || '—' },
    {
      key: 'expiresOn',
      header: tt('expiresOn'),
      className: 'whitespace-nowrap',
      cell: (l) => (
        <>
          {l.expiresOn} <span className={l.daysLeft < 0 ? 'badge-red' : 'badge-amber'}>{l.daysLeft < 0 ? tt('expired') : tt('expiresSoon', { days: l.daysLeft })}</span>
        </>
      ),
    },
  ];
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
        <DataTable columns={lightColumns} rows={data.rows} rowKey={(r) => `${r.analyte}|${r.instrument}`} rowProps={(r) => ({ 'data-analyte': r.analyte })} testId="iqc-lights" empty={t('noData')} />
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
        <DataTable columns={actionColumns} rows={data.openActions} rowKey={(a) => a.id} rowProps={(a) => ({ 'data-action-id': String(a.id) })} testId="iqc-open-actions" empty={t('noOpen')} />
      </section>

      {data.expiringLots.length > 0 && (
        <section className="card overflow-x-auto" aria-labelledby="iqc-expiring">
          <div className="mb-3 flex items-center justify-between">
            <h2 id="iqc-expiring" className="font-semibold">
              {t('expiringTitle')}
            </h2>
            {!readOnly && (
              <Link className="text-sm text-brand-700 hover:underline" href={`${base}/targets`}>
                {t('allLots')}
              </Link>
            )}
          </div>
          <p className="mb-2 text-sm text-slate-600">{t('expiringHelp', { days: data.expiryWarningDays })}</p>
          <DataTable columns={expiryColumns} rows={data.expiringLots} rowKey={(l) => l.id} rowProps={(l) => ({ 'data-lot': l.lot })} testId="iqc-expiring-lots" />
        </section>
      )}
    </div>
  );
}
