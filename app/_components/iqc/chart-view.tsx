import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { chartData } from '@/lib/services/iqc/views';
import { EmptyState } from '@/app/_components/empty-state';
import { LjChart } from './lj-chart';
import { StatusBadge } from './status-badge';
import { formatDateTime, formatDay } from './format';

/** Date range form, the Levey-Jennings chart, and the rejected runs with their corrective actions. */
export async function ChartView({
  data,
  base,
  readOnly,
  analytes,
}: {
  data: ReturnType<typeof chartData>;
  base: string;
  readOnly: boolean;
  analytes: { code: string; nameEn: string; nameZh: string }[];
}) {
  const t = await getTranslations('iqc.chart');
  const locale = await getLocale();
  const name = locale === 'zh' ? data.analyte.nameZh : data.analyte.nameEn;
  const runs = new Map<number, { runId: number; t: number; status: string; rules: Set<string>; actionId: number | null; actionStatus: string | null }>();
  for (const p of data.panels.flatMap((x) => x.points)) {
    if (p.status !== 'rejected' && p.status !== 'warning') continue;
    const r = runs.get(p.runId) ?? { runId: p.runId, t: p.t, status: p.status, rules: new Set<string>(), actionId: p.actionId, actionStatus: p.actionStatus };
    p.rules.forEach((x) => r.rules.add(x));
    runs.set(p.runId, r);
  }
  const flagged = [...runs.values()].sort((a, b) => b.t - a.t);
  return (
    <div className="space-y-4">
      <form method="get" className="card flex flex-wrap items-end gap-3" aria-label={t('range')}>
        <div>
          <label className="label" htmlFor="analyte">
            {t('analyte')}
          </label>
          <select id="analyte" name="analyte" defaultValue={data.analyte.code} className="input">
            {analytes.map((a) => (
              <option key={a.code} value={a.code}>
                {a.code} · {locale === 'zh' ? a.nameZh : a.nameEn}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label className="label" htmlFor="from">
            {t('from')}
          </label>
          <input id="from" name="from" type="date" className="input" defaultValue={formatDay(data.from)} />
        </div>
        <div>
          <label className="label" htmlFor="to">
            {t('to')}
          </label>
          <input id="to" name="to" type="date" className="input" defaultValue={formatDay(data.to - 1)} />
        </div>
        <button className="btn" type="submit">
          {t('show')}
        </button>
      </form>

      <h2 className="text-lg font-semibold">
        {data.analyte.code} · {name} <span className="text-sm font-normal text-slate-500">({data.analyte.unit})</span>
      </h2>
      {data.panels.length === 0 ? (
        <EmptyState title={t('noData')} />
      ) : (
        <LjChart panels={data.panels} unit={data.analyte.unit} />
      )}

      {flagged.length > 0 && (
        <section className="card overflow-x-auto">
          <h2 className="mb-3 font-semibold">{t('flaggedRuns')}</h2>
          <table className="table" data-testid="flagged-runs">
            <thead>
              <tr>
                <th>{t('time')}</th>
                <th>{t('verdict')}</th>
                <th>{t('violations')}</th>
                <th>{t('correctiveAction')}</th>
              </tr>
            </thead>
            <tbody>
              {flagged.map((r) => (
                <tr key={r.runId} data-run={r.runId}>
                  <td className="whitespace-nowrap">{formatDateTime(r.t, locale)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{[...r.rules].join(', ')}</td>
                  <td>
                    {r.actionId === null ? (
                      '—'
                    ) : r.actionStatus === 'open' && !readOnly ? (
                      <Link className="font-medium text-red-700 hover:underline" href={`${base}/corrective-actions/${r.actionId}`}>
                        {t('recordAction')}
                      </Link>
                    ) : (
                      <Link className="text-brand-700 hover:underline" href={`${base}/corrective-actions?focus=${r.actionId}`}>
                        {r.actionStatus === 'open' ? t('actionOpen') : t('actionResolved')}
                      </Link>
                    )}
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
