import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionalOverview, CITY_TARGET_TESTS } from '@/lib/services/recognition/overview';
import { PageHeader } from '@/app/_components/page-header';
import { StatTile } from '@/app/_components/stat-tile';
import { EmptyState } from '@/app/_components/empty-state';
import { TrendChart } from '@/app/_components/recognition/trend-chart';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localName, localText } from '@/app/_components/local-name';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.overview');
  return { title: t('title') };
}

/** Regional overview: labs, certified pairs, recognised test types per city, EQA and IQC trends, risks. */
export default async function OverviewPage() {
  const actor = await requirePage('overview.read');
  const t = await getTranslations('recognition');
  const locale = await getLocale();
  const o = await regionalOverview(getDb(), actor);
  const regionColumns: Column<(typeof o.byRegion)[number]>[] = [
    { key: 'region', header: t('common.region'), cell: (r) => localText(locale, r.regionName, r.regionNameEn) },
    { key: 'labs', header: t('overview.labs'), cell: (r) => r.labs },
    { key: 'certifiedLabs', header: t('overview.certifiedLabs'), cell: (r) => r.certifiedLabs },
    { key: 'certifiedPairs', header: t('overview.certifiedPairs'), cell: (r) => r.certifiedPairs },
    { key: 'recognised', header: t('overview.recognisedTests'), cell: (r) => r.recognisedTests },
    {
      key: 'target',
      header: t('overview.target'),
      cell: (r) =>
        r.target ? (
          <div className="flex items-center gap-2">
            <div className="h-2 w-24 rounded bg-slate-100">
              <div className="h-2 rounded bg-brand-600" style={{ width: `${Math.min(100, (100 * r.recognisedTests) / r.target)}%` }} />
            </div>
            <span className="text-xs text-slate-500">
              {r.recognisedTests}/{r.target}
            </span>
          </div>
        ) : (
          '—'
        ),
    },
  ];
  const riskColumns: Column<(typeof o.atRisk)[number]>[] = [
    {
      key: 'lab',
      header: t('common.lab'),
      cell: (r) => (
        <>
          {r.labCode}
          <div className="text-xs text-slate-500">{r.labName}</div>
        </>
      ),
    },
    { key: 'analyte', header: t('common.analyte'), cell: (r) => `${r.analyteCode} · ${localText(locale, r.analyteNameZh, r.analyteNameEn)}` },
    {
      key: 'mark',
      header: t('common.mark'),
      cell: (r) => (
        <>
          <span className="badge-blue">{r.mark}</span> {r.flagged && <span className="badge-red">{t('queue.why.flagged')}</span>}
        </>
      ),
    },
    { key: 'unmet', header: t('overview.unmet'), className: 'text-xs', cell: (r) => r.unmet.map((k) => t(`criteria.${k}` as 'criteria.cv')).join('；') },
    { key: 'validity', header: t('common.validity'), className: 'text-xs', cell: (r) => t('overview.endsSoon', { date: r.validTo }) },
  ];
  return (
    <div data-testid="recognition-overview">
      <PageHeader title={t('overview.title')} subtitle={t('overview.subtitle', { region: localName(locale, o.region), date: o.today })} />
      <div className="mb-6 grid grid-cols-2 gap-4 md:grid-cols-5">
        <StatTile label={t('overview.labs')} value={o.totals.labs} />
        <StatTile label={t('overview.certifiedPairs')} value={o.totals.certifiedPairs} />
        <StatTile label={t('overview.eligiblePairs')} value={o.totals.eligiblePairs} />
        <StatTile label={t('overview.suspended')} value={o.totals.suspended} />
        <StatTile label={t('overview.flagged')} value={o.totals.flagged} />
      </div>
      <section className="card mb-6">
        <h2 className="font-semibold">{t('overview.byRegion')}</h2>
        <p className="mb-2 text-xs text-slate-500">{t('overview.targetNote', { target: CITY_TARGET_TESTS })}</p>
        <DataTable columns={regionColumns} rows={o.byRegion} rowKey={(r) => r.regionCode} testId="overview-by-region" />
      </section>
      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <section className="card">
          <h2 className="mb-2 font-semibold">{t('overview.eqaChart')}</h2>
          {o.eqa.length ? <TrendChart label={t('overview.eqaChart')} data={o.eqa.map((m) => ({ month: m.month, value: m.passRate }))} /> : <EmptyState title={t('overview.noData')} />}
        </section>
        <section className="card">
          <h2 className="mb-2 font-semibold">{t('overview.iqcChart')}</h2>
          {o.iqc.length ? <TrendChart label={t('overview.iqcChart')} color="#0f766e" data={o.iqc.map((m) => ({ month: m.month, value: m.coverage }))} /> : <EmptyState title={t('overview.noData')} />}
        </section>
      </div>
      <section className="card">
        <h2 className="mb-2 font-semibold">{t('overview.atRisk')}</h2>
        <DataTable
          columns={riskColumns}
          rows={o.atRisk}
          rowKey={(r) => `${r.labCode}:${r.analyteCode}`}
          rowProps={(r) => ({ className: r.flagged ? 'bg-red-50' : undefined })}
          testId="overview-at-risk"
          empty={t('overview.noRisk')}
        />
      </section>
    </div>
  );
}
