import { getLocale, getTranslations } from 'next-intl/server';
import type { monthlySummary } from '@/lib/services/iqc/summary';
import { DataTable, type Column, type SearchParams } from '@/app/_components/data-table';
import type { PageRequest } from '@/lib/services/read/paging';
import { localName, localText } from '@/app/_components/local-name';
import { fmt, formatDateTime } from './format';
import { RuleChoiceText } from './rule-choice';
import { errorText, type ErrorTranslator } from '@/app/_components/error-text';

type Row = Awaited<ReturnType<typeof monthlySummary>>['rows'][number];

/** The monthly review table with its month picker and CSV export link. */
export async function SummaryView({ data, exportHref }: { data: Awaited<ReturnType<typeof monthlySummary>>; exportHref: string }) {
  const t = await getTranslations('iqc.summary');
  const locale = await getLocale();
  const red = (bad: boolean) => (bad ? 'font-semibold text-red-700' : undefined);
  const columns: Column<Row>[] = [
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (r) => (
        <>
          <span className="font-medium">{r.analyte}</span> <span className="text-slate-500">{localName(locale, r)}</span>
          {r.instrument && <span className="block text-xs text-slate-500">{r.instrument}</span>}
        </>
      ),
    },
    { key: 'level', header: t('level'), cell: (r) => r.level },
    { key: 'lot', header: t('lot'), cell: (r) => r.lot },
    {
      key: 'n',
      header: t('n'),
      cell: (r) => (
        <>
          {r.n}
          {r.rejectedRuns > 0 && <span className="block text-xs text-red-700">{t('rejectedRuns', { count: r.rejectedRuns })}</span>}
        </>
      ),
    },
    { key: 'mean', header: t('mean'), cell: (r) => fmt(r.mean, 3) },
    { key: 'sd', header: t('sd'), cell: (r) => fmt(r.sd, 3) },
    { key: 'cv', header: t('cv'), cell: (r) => <span className={red(r.cvOk === false)}>{fmt(r.cv, 2)}</span> },
    {
      key: 'target',
      header: t('targetMean'),
      cell: (r) => (
        <>
          {fmt(r.targetMean, 3)}
          {r.targetMeans > 1 && <span className="block text-xs text-slate-500">{t('targetsInMonth', { count: r.targetMeans })}</span>}
        </>
      ),
    },
    { key: 'bias', header: t('bias'), cell: (r) => fmt(r.biasPercent, 2) },
    {
      key: 'allowable',
      header: t('allowableCv'),
      cell: (r) => (
        <>
          {fmt(r.allowableCv, 1)} {r.cvOk === null ? null : r.cvOk ? <span className="badge-green">{t('ok')}</span> : <span className="badge-red">{t('exceeded')}</span>}
        </>
      ),
    },
    {
      key: 'eqa',
      header: t('eqaBias'),
      cell: (r) => (
        <span title={r.eqaBias?.source}>
          {fmt(r.eqaBias?.percent, 2)}
          {r.eqaBias && <span className="block text-xs text-slate-500">{r.eqaBias.rounds.join(', ')}</span>}
        </span>
      ),
    },
    { key: 'sigma', header: t('sigma'), cell: (r) => <span className={red(r.sigma !== null && r.sigma < 3)}>{fmt(r.sigma, 1)}</span> },
    {
      key: 'violations',
      header: t('violations'),
      className: 'text-xs',
      cell: (r) =>
        Object.entries(r.violations)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || '—',
    },
  ];
  return (
    <div className="space-y-4">
      <MonthForm month={data.month} exportHref={exportHref} />
      <DataTable
        columns={columns}
        rows={data.rows}
        rowKey={(r) => `${r.analyte}|${r.instrument}|${r.level}|${r.lot}`}
        testId="iqc-summary"
        empty={t('noData')}
        caption={data.rows.length > 0 && <p className="mb-2 text-xs text-slate-500">{t('sigmaHelp')}</p>}
      />
      {data.choices.length > 0 && (
        <section className="card overflow-x-auto">
          <h2 className="mb-3 font-semibold">{t('choicesTitle')}</h2>
          <RuleChoicesTable rows={data.choices} testId="iqc-rule-choices" />
        </section>
      )}
    </div>
  );
}

type Choice = { analyte: string; instrument: string; runAt: number; choice: Parameters<typeof RuleChoiceText>[0]['choice']; nameZh?: string; nameEn?: string };

/** Which Westgard rules each analyte × instrument's latest run was judged by, and why; paged and
 * filtered on the server when `paging` is given (the month's report shows them all). */
export async function RuleChoicesTable({ rows, testId, empty, paging }: { rows: Choice[]; testId: string; empty?: string; paging?: Paging }) {
  const t = await getTranslations('iqc.summary');
  const tt = await getTranslations('iqc.targets');
  const locale = await getLocale();
  const columns: Column<Choice>[] = [
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (c) => (
        <>
          <span className="font-medium">{c.analyte}</span> {c.nameZh !== undefined && <span className="text-slate-500">{localText(locale, c.nameZh, c.nameEn)}</span>}
        </>
      ),
    },
    { key: 'instrument', header: t('instrument'), cell: (c) => c.instrument || '—' },
    { key: 'run', header: tt('lastRun'), className: 'whitespace-nowrap', cell: (c) => formatDateTime(c.runAt, locale) },
    { key: 'rules', header: tt('rules'), className: 'whitespace-nowrap text-xs', cell: (c) => c.choice.rules.join(', ') },
    { key: 'how', header: tt('how'), className: 'text-sm', cell: (c) => <RuleChoiceText choice={c.choice} /> },
  ];
  return (
    <DataTable
      columns={columns}
      rows={rows}
      rowKey={(c) => `${c.analyte}|${c.instrument}`}
      rowProps={(c) => ({ 'data-analyte': c.analyte, 'data-instrument': c.instrument })}
      testId={testId}
      empty={empty}
      {...paging}
    />
  );
}

/** A paged table's request, its total and the search parameters its links and filter keep. */
type Paging = { total: number; page: PageRequest; searchParams: SearchParams; prefix: string; filter: string };

/** The month picker, with the CSV export of the month shown. */
async function MonthForm({ month, exportHref }: { month: string; exportHref?: string }) {
  const t = await getTranslations('iqc.summary');
  return (
    <form method="get" className="card flex flex-wrap items-end gap-3">
      <div>
        <label className="label" htmlFor="month">
          {t('month')}
        </label>
        <input id="month" name="month" type="month" className="input" defaultValue={month} />
      </div>
      <button className="btn" type="submit">
        {t('show')}
      </button>
      {exportHref && (
        <a className="btn-secondary" href={exportHref} data-testid="summary-export">
          {t('export')}
        </a>
      )}
    </form>
  );
}

/** A month that is not one (2026-13): the picker again, with why, instead of a page that does not exist. */
export async function SummaryMonthRefused({ month, error }: { month: string; error: { reason: string; params: Record<string, string | number>; message: string } }) {
  const tErrors = await getTranslations('errors');
  return (
    <div className="space-y-4">
      <MonthForm month={month} />
      <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="summary-month-error">
        {errorText(tErrors as unknown as ErrorTranslator, error)}: {month}
      </p>
    </div>
  );
}
