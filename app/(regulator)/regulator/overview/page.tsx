import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionalOverview, CITY_TARGET_TESTS } from '@/lib/services/recognition/overview';
import { PageHeader } from '@/app/_components/page-header';
import { StatTile } from '@/app/_components/stat-tile';
import { EmptyState } from '@/app/_components/empty-state';
import { TrendChart } from '@/app/_components/recognition/trend-chart';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.overview');
  return { title: t('title') };
}

/** Regional overview: labs, certified pairs, recognised test types per city, EQA and IQC trends, risks. */
export default async function OverviewPage() {
  const actor = await requirePage('overview.read');
  const t = await getTranslations('recognition');
  const zh = (await getLocale()) === 'zh';
  const o = regionalOverview(getDb(), actor);
  return (
    <div data-testid="recognition-overview">
      <PageHeader title={t('overview.title')} subtitle={t('overview.subtitle', { region: zh ? o.region.name : o.region.nameEn, date: o.today })} />
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
        <table className="table" data-testid="overview-by-region">
          <thead>
            <tr>
              <th>{t('common.region')}</th>
              <th>{t('overview.labs')}</th>
              <th>{t('overview.certifiedLabs')}</th>
              <th>{t('overview.certifiedPairs')}</th>
              <th>{t('overview.recognisedTests')}</th>
              <th>{t('overview.target')}</th>
            </tr>
          </thead>
          <tbody>
            {o.byRegion.map((r) => (
              <tr key={r.regionCode}>
                <td>{zh ? r.regionName : r.regionNameEn}</td>
                <td>{r.labs}</td>
                <td>{r.certifiedLabs}</td>
                <td>{r.certifiedPairs}</td>
                <td>{r.recognisedTests}</td>
                <td>
                  {r.target ? (
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
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
        {o.atRisk.length === 0 ? (
          <p className="text-sm text-slate-600">{t('overview.noRisk')}</p>
        ) : (
          <table className="table" data-testid="overview-at-risk">
            <thead>
              <tr>
                <th>{t('common.lab')}</th>
                <th>{t('common.analyte')}</th>
                <th>{t('common.mark')}</th>
                <th>{t('overview.unmet')}</th>
                <th>{t('common.validity')}</th>
              </tr>
            </thead>
            <tbody>
              {o.atRisk.map((r) => (
                <tr key={`${r.labCode}:${r.analyteCode}`} className={r.flagged ? 'bg-red-50' : undefined}>
                  <td>
                    {r.labCode}
                    <div className="text-xs text-slate-500">{r.labName}</div>
                  </td>
                  <td>
                    {r.analyteCode} · {zh ? r.analyteNameZh : r.analyteNameEn}
                  </td>
                  <td>
                    <span className="badge-blue">{r.mark}</span> {r.flagged && <span className="badge-red">{t('queue.why.flagged')}</span>}
                  </td>
                  <td className="text-xs">{r.unmet.map((k) => t(`criteria.${k}` as 'criteria.cv')).join('；')}</td>
                  <td className="text-xs">{t('overview.endsSoon', { date: r.validTo })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
