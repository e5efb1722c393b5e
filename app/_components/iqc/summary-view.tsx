import { getLocale, getTranslations } from 'next-intl/server';
import type { monthlySummary } from '@/lib/services/iqc/summary';
import { EmptyState } from '@/app/_components/empty-state';
import { fmt, formatDateTime } from './format';
import { RuleChoiceText } from './rule-choice';

/** The monthly review table with its month picker and CSV export link. */
export async function SummaryView({ data, exportHref }: { data: ReturnType<typeof monthlySummary>; exportHref: string }) {
  const t = await getTranslations('iqc.summary');
  const tt = await getTranslations('iqc.targets');
  const locale = await getLocale();
  return (
    <div className="space-y-4">
      <form method="get" className="card flex flex-wrap items-end gap-3">
        <div>
          <label className="label" htmlFor="month">
            {t('month')}
          </label>
          <input id="month" name="month" type="month" className="input" defaultValue={data.month} />
        </div>
        <button className="btn" type="submit">
          {t('show')}
        </button>
        <a className="btn-secondary" href={exportHref} data-testid="summary-export">
          {t('export')}
        </a>
      </form>
      {data.rows.length === 0 ? (
        <EmptyState title={t('noData')} />
      ) : (
        <div className="card overflow-x-auto">
          <table className="table" data-testid="iqc-summary">
            <thead>
              <tr>
                <th>{t('analyte')}</th>
                <th>{t('level')}</th>
                <th>{t('lot')}</th>
                <th>{t('n')}</th>
                <th>{t('mean')}</th>
                <th>{t('sd')}</th>
                <th>{t('cv')}</th>
                <th>{t('targetMean')}</th>
                <th>{t('bias')}</th>
                <th>{t('allowableCv')}</th>
                <th>{t('eqaBias')}</th>
                <th>{t('sigma')}</th>
                <th>{t('violations')}</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={`${r.analyte}|${r.instrument}|${r.level}|${r.lot}`}>
                  <td>
                    <span className="font-medium">{r.analyte}</span> <span className="text-slate-500">{locale === 'zh' ? r.nameZh : r.nameEn}</span>
                    {r.instrument && <span className="block text-xs text-slate-500">{r.instrument}</span>}
                  </td>
                  <td>{r.level}</td>
                  <td>{r.lot}</td>
                  <td>
                    {r.n}
                    {r.rejectedRuns > 0 && <span className="block text-xs text-red-700">{t('rejectedRuns', { count: r.rejectedRuns })}</span>}
                  </td>
                  <td>{fmt(r.mean, 3)}</td>
                  <td>{fmt(r.sd, 3)}</td>
                  <td className={r.cvOk === false ? 'font-semibold text-red-700' : undefined}>{fmt(r.cv, 2)}</td>
                  <td>{fmt(r.targetMean, 3)}</td>
                  <td>{fmt(r.biasPercent, 2)}</td>
                  <td>
                    {fmt(r.allowableCv, 1)}{' '}
                    {r.cvOk === null ? null : r.cvOk ? <span className="badge-green">{t('ok')}</span> : <span className="badge-red">{t('exceeded')}</span>}
                  </td>
                  <td title={r.eqaBias?.source}>
                    {fmt(r.eqaBias?.percent, 2)}
                    {r.eqaBias && <span className="block text-xs text-slate-500">{r.eqaBias.rounds.join(', ')}</span>}
                  </td>
                  <td className={r.sigma !== null && r.sigma < 3 ? 'font-semibold text-red-700' : undefined}>{fmt(r.sigma, 1)}</td>
                  <td className="text-xs">
                    {Object.entries(r.violations)
                      .map(([k, v]) => `${k} ×${v}`)
                      .join(', ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="mt-2 text-xs text-slate-500">{t('sigmaHelp')}</p>
        </div>
      )}
      {data.choices.length > 0 && (
        <section className="card overflow-x-auto">
          <h2 className="mb-3 font-semibold">{t('choicesTitle')}</h2>
          <table className="table" data-testid="iqc-rule-choices">
            <thead>
              <tr>
                <th>{t('analyte')}</th>
                <th>{t('instrument')}</th>
                <th>{tt('lastRun')}</th>
                <th>{tt('rules')}</th>
                <th>{tt('how')}</th>
              </tr>
            </thead>
            <tbody>
              {data.choices.map((c) => (
                <tr key={`${c.analyte}|${c.instrument}`} data-analyte={c.analyte}>
                  <td>{c.analyte}</td>
                  <td>{c.instrument || '—'}</td>
                  <td className="whitespace-nowrap">{formatDateTime(c.runAt, locale)}</td>
                  <td className="whitespace-nowrap text-xs">{c.choice.rules.join(', ')}</td>
                  <td className="text-sm">
                    <RuleChoiceText choice={c.choice} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
