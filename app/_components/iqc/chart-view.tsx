import type { ReactNode } from 'react';
import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { instrumentCharts, InstrumentChart } from '@/lib/services/iqc/charts';
import { EmptyState } from '@/app/_components/empty-state';
import { DataTable, type Column, type SearchParams } from '@/app/_components/data-table';
import type { ChartResultPage } from './chart-results';
import { LjChart } from './lj-chart';
import { CategoryRuns } from './category-runs';
import { StatusBadge } from '@/app/_components/status-badge';
import { formatDateTime, formatDay, fmt } from './format';
import { errorText, type ErrorTranslator } from '@/app/_components/error-text';

/** What the exclude control needs of a result. */
export interface ExcludablePoint {
  resultId: number;
  value: number;
  level: string;
  excluded: boolean;
  excludedReason: string | null;
}

type Flagged = { runId: number; t: number; instrument: string; status: string; rules: Set<string>; actionId: number | null; actionStatus: string | null };

/**
 * Analyte, instrument and date range form; one Levey-Jennings chart per instrument (its own lots,
 * boundaries and targets) with its newest results, each with the lab's exclude control when given;
 * and the rejected runs with their corrective actions.
 */
export async function ChartView({
  data,
  base,
  readOnly,
  analytes,
  excludeControl,
  results,
  searchParams,
}: {
  data: Awaited<ReturnType<typeof instrumentCharts>>;
  /** one page of each chart's results, in the order of `data.charts` (./chart-results.ts) */
  results: ChartResultPage[];
  searchParams: SearchParams;
  base: string;
  readOnly: boolean;
  analytes: { code: string; nameEn: string; nameZh: string }[];
  /** the control that excludes one result with a reason (lab pages only) */
  excludeControl?: (point: ExcludablePoint) => ReactNode;
}) {
  const t = await getTranslations('iqc.chart');
  const locale = await getLocale();
  const name = locale === 'zh' ? data.analyte.nameZh : data.analyte.nameEn;
  const runs = new Map<number, Flagged>();
  for (const chart of data.charts) {
    for (const p of chart.panels.flatMap((x) => x.points)) {
      if (p.status !== 'rejected' && p.status !== 'warning') continue;
      const r = runs.get(p.runId) ?? { runId: p.runId, t: p.t, instrument: chart.instrument, status: p.status, rules: new Set<string>(), actionId: p.actionId, actionStatus: p.actionStatus };
      p.rules.forEach((x) => r.rules.add(x));
      runs.set(p.runId, r);
    }
  }
  const flagged = [...runs.values()].sort((a, b) => b.t - a.t);
  // a qualitative, ordinal or nominal item: a table of its runs' readings, and the Levey-Jennings
  // chart of its signal (S/CO) where the analyser gave one
  const categorical = data.analyte.kind !== 'quantitative';
  const signalPanels = (chart: InstrumentChart) =>
    chart.panels.map((p) => ({ ...p, points: p.points.filter((x) => x.signal !== null) })).filter((p) => p.points.length > 0);
  const several = data.instruments.length > 1;
  const instrumentName = (i: string) => i || t('noInstrument');
  const flaggedColumns: Column<(typeof flagged)[number]>[] = [
    { key: 'time', header: t('time'), className: 'whitespace-nowrap', cell: (r) => formatDateTime(r.t, locale) },
    ...(several ? [{ key: 'instrument', header: t('instrument'), cell: (r: (typeof flagged)[number]) => instrumentName(r.instrument) }] : []),
    { key: 'verdict', header: t('verdict'), cell: (r) => <StatusBadge kind="run" status={r.status} /> },
    { key: 'rules', header: t('violations'), cell: (r) => [...r.rules].join(', ') },
    {
      key: 'action',
      header: t('correctiveAction'),
      cell: (r) =>
        r.actionId === null ? (
          '—'
        ) : r.actionStatus === 'open' && !readOnly ? (
          <Link className="font-medium text-red-700 hover:underline" href={`${base}/corrective-actions/${r.actionId}`}>
            {t('recordAction')}
          </Link>
        ) : (
          <Link className="text-brand-700 hover:underline" href={`${base}/corrective-actions?focus=${r.actionId}`}>
            {r.actionStatus === 'open' ? t('actionOpen') : t('actionResolved')}
          </Link>
        ),
    },
  ];
  return (
    <div className="space-y-4">
      <ChartRangeForm analytes={analytes} analyte={data.analyte.code} instruments={several ? data.instruments : []} selected={data.selected ?? ''} from={formatDay(data.from)} to={formatDay(data.to - 1)} />

      <h2 className="text-lg font-semibold">
        {data.analyte.code} · {name} <span className="text-sm font-normal text-slate-500">({data.analyte.unit})</span>
      </h2>
      {several && <p className="text-sm text-slate-600">{t('instrumentsNote', { count: data.instruments.length })}</p>}
      {data.charts.length === 0 ? (
        <EmptyState title={t('noData')} />
      ) : (
        data.charts.map((chart, i) => (
          <section key={chart.instrument} className="space-y-3" data-testid="lj-instrument" data-instrument={chart.instrument}>
            {several && <h3 className="font-semibold">{t('instrumentTitle', { instrument: instrumentName(chart.instrument) })}</h3>}
            {categorical ? (
              <>
                <CategoryRuns chart={chart} categories={data.analyte.categories} signalUnit={data.analyte.signalUnit} />
                {signalPanels(chart).length > 0 && (
                  <div data-testid="signal-chart">
                    <h3 className="font-semibold">{t('signalChartTitle', { unit: data.analyte.signalUnit ?? 'S/CO' })}</h3>
                    <LjChart panels={signalPanels(chart)} unit={data.analyte.signalUnit ?? 'S/CO'} />
                  </div>
                )}
              </>
            ) : (
              <LjChart panels={chart.panels} unit={data.analyte.unit} />
            )}
            <ResultsList results={results[i]} searchParams={searchParams} locale={locale} excludeControl={readOnly ? undefined : excludeControl} />
          </section>
        ))
      )}

      {flagged.length > 0 && (
        <section className="card overflow-x-auto">
          <h2 className="mb-3 font-semibold">{t('flaggedRuns')}</h2>
          <DataTable columns={flaggedColumns} rows={flagged} rowKey={(r) => r.runId} rowProps={(r) => ({ 'data-run': String(r.runId) })} testId="flagged-runs" />
        </section>
      )}
    </div>
  );
}

/** One page of an instrument's results (newest first unless sorted otherwise), each with the exclude control when given. */
async function ResultsList({ results, searchParams, locale, excludeControl }: { results: ChartResultPage; searchParams: SearchParams; locale: string; excludeControl?: (point: ExcludablePoint) => ReactNode }) {
  const t = await getTranslations('iqc.chart');
  const points = results.rows;
  const columns: Column<(typeof points)[number]>[] = [
    { key: 'time', header: t('time'), className: 'whitespace-nowrap', sort: 'time', cell: (p) => formatDateTime(p.measuredAt, locale) },
    { key: 'level', header: t('level'), cell: (p) => p.level },
    { key: 'lot', header: t('lot'), cell: (p) => p.lot },
    {
      key: 'value',
      header: t('value'),
      cell: (p) => (
        <>
          {p.category !== null ? `${p.category}${p.signal !== null ? ` (${p.signal})` : ''}` : p.value}
          {p.excluded && <span className="ml-1 text-xs text-slate-500">({t('excluded')})</span>}
        </>
      ),
    },
    { key: 'z', header: 'z', cell: (p) => fmt(p.z, 2) },
    { key: 'verdict', header: t('verdict'), cell: (p) => <StatusBadge kind="run" status={p.status} /> },
    ...(excludeControl
      ? [{ key: 'exclude', header: t('exclude'), cell: (p: (typeof points)[number]) => excludeControl({ resultId: p.resultId, value: p.value, level: p.level, excluded: p.excluded, excludedReason: p.excludedReason }) }]
      : []),
  ];
  return (
    // stays open while the reader pages, sorts or filters this list
    <details className="card overflow-x-auto text-sm" open={Object.keys(searchParams).some((k) => k.startsWith(results.prefix)) || undefined}>
      <summary className="cursor-pointer font-medium">
        {t('resultsTitle')} <span className="text-slate-500">({t('pointCount', { count: results.total })})</span>
      </summary>
      <div className="mt-2">
        <DataTable
          columns={columns}
          rows={points}
          total={results.total}
          page={results.page}
          prefix={results.prefix}
          searchParams={searchParams}
          filter={t('resultsFilter')}
          rowKey={(p) => p.resultId}
          rowProps={(p) => ({ 'data-result': String(p.resultId) })}
          testId="chart-results"
        />
      </div>
    </details>
  );
}

/** The analyte, instrument and date range form (its values as shown, or as sent when refused). */
export async function ChartRangeForm(props: { analytes: { code: string; nameEn: string; nameZh: string }[]; analyte: string; instruments: string[]; selected: string; from: string; to: string }) {
  const t = await getTranslations('iqc.chart');
  const locale = await getLocale();
  return (
    <form method="get" className="card flex flex-wrap items-end gap-3" aria-label={t('range')}>
      <div>
        <label className="label" htmlFor="analyte">
          {t('analyte')}
        </label>
        <select id="analyte" name="analyte" defaultValue={props.analyte} className="input">
          {props.analytes.map((a) => (
            <option key={a.code} value={a.code}>
              {a.code} · {locale === 'zh' ? a.nameZh : a.nameEn}
            </option>
          ))}
        </select>
      </div>
      {props.instruments.length > 1 ? (
        <div>
          <label className="label" htmlFor="instrument">
            {t('instrument')}
          </label>
          <select id="instrument" name="instrument" defaultValue={props.selected} className="input" data-testid="instrument-select">
            <option value="">{t('allInstruments')}</option>
            {props.instruments.filter(Boolean).map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </div>
      ) : (
        props.selected && <input type="hidden" name="instrument" value={props.selected} />
      )}
      <div>
        <label className="label" htmlFor="from">
          {t('from')}
        </label>
        <input id="from" name="from" type="date" className="input" defaultValue={props.from} />
      </div>
      <div>
        <label className="label" htmlFor="to">
          {t('to')}
        </label>
        <input id="to" name="to" type="date" className="input" defaultValue={props.to} />
      </div>
      <button className="btn" type="submit">
        {t('show')}
      </button>
    </form>
  );
}

/** A range the chart cannot draw (not a date, the end before the start, longer than a year): the
 * form again with what was sent and why, instead of a page that does not exist. */
export async function ChartRangeRefused({ error, analytes, analyte, searchParams }: { error: { reason: string; params: Record<string, string | number>; message: string; errors: { field: string; code?: string; params?: Record<string, string | number>; message: string }[] }; analytes: { code: string; nameEn: string; nameZh: string }[]; analyte: string; searchParams: SearchParams }) {
  const t = await getTranslations('iqc.chart');
  const tErrors = await getTranslations('errors');
  const text = (e: { code?: string; reason?: string; params?: Record<string, string | number>; message?: string }) => errorText(tErrors as unknown as ErrorTranslator, e);
  const value = (k: string) => {
    const v = searchParams[k];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  };
  return (
    <div className="space-y-4">
      <ChartRangeForm analytes={analytes} analyte={analyte} instruments={[]} selected={value('instrument')} from={value('from')} to={value('to')} />
      <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="chart-range-error">
        <p className="font-medium">{text(error)}</p>
        {!!error.errors.length && (
          <ul className="mt-1 list-disc pl-5">
            {error.errors.map((e, i) => (
              <li key={i}>
                {e.field === 'from' ? t('from') : e.field === 'to' ? t('to') : e.field}: {text(e)}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
