import { getLocale, getTranslations } from 'next-intl/server';
import type { InstrumentChart } from '@/lib/services/iqc/charts';
import type { ItemCategory } from '@/db/enums';
import { DataTable, type Column } from '@/app/_components/data-table';
import { StatusBadge } from '@/app/_components/status-badge';
import { formatDateTime } from './format';

/** Runs listed per instrument (newest first). */
const RUNS_LISTED = 60;

interface Reading {
  level: string;
  lot: string;
  expected: string | null;
  category: string | null;
  signal: number | null;
  /** read outside its expected category */
  mismatch: boolean;
}

interface CategoryRun {
  runId: number;
  t: number;
  status: string;
  rules: string[];
  readings: Reading[];
}

/**
 * The control readings of a qualitative, ordinal or nominal item, one row per run: each control's
 * expected category against the category read (with its S/CO), and the run's verdict (a reading
 * outside its category rejects the run: rule qual-mismatch).
 */
export async function CategoryRuns({ chart, categories, signalUnit }: { chart: InstrumentChart; categories: ItemCategory[] | null; signalUnit: string | null }) {
  const t = await getTranslations('iqc.chart');
  const locale = await getLocale();
  const nameOf = (code: string | null) => {
    if (code === null) return '—';
    const c = categories?.find((x) => x.code === code);
    return c ? (locale === 'zh' ? c.nameZh : c.nameEn) : code;
  };
  const byRun = new Map<number, CategoryRun>();
  for (const p of chart.panels.flatMap((x) => x.points.map((pt) => ({ ...pt, level: x.level })))) {
    let run = byRun.get(p.runId);
    if (!run) byRun.set(p.runId, (run = { runId: p.runId, t: p.t, status: p.status, rules: [], readings: [] }));
    if (p.t < run.t) run.t = p.t;
    for (const r of p.rules) if (!run.rules.includes(r)) run.rules.push(r);
    run.readings.push({ level: p.level, lot: p.lot, expected: p.expected, category: p.category, signal: p.signal, mismatch: p.rules.includes('qual-mismatch') });
  }
  const runs = [...byRun.values()].sort((a, b) => b.t - a.t).slice(0, RUNS_LISTED);
  const collator = new Intl.Collator('en', { numeric: true });
  for (const r of runs) r.readings.sort((a, b) => collator.compare(a.level, b.level));
  const columns: Column<CategoryRun>[] = [
    { key: 'time', header: t('time'), className: 'whitespace-nowrap', cell: (r) => formatDateTime(r.t, locale) },
    {
      key: 'readings',
      header: t('readings'),
      cell: (r) => (
        <ul className="space-y-0.5">
          {r.readings.map((x) => (
            <li key={`${x.level}|${x.lot}`} data-level={x.level} data-mismatch={x.mismatch ? 'true' : undefined} className={x.mismatch ? 'font-medium text-red-700' : undefined}>
              {t('readingLine', { level: x.level, expected: nameOf(x.expected), read: nameOf(x.category) })}
              {x.signal !== null && (
                <span className="ml-1 text-slate-500">
                  ({x.signal} {signalUnit ?? ''})
                </span>
              )}
            </li>
          ))}
        </ul>
      ),
    },
    { key: 'verdict', header: t('verdict'), cell: (r) => <StatusBadge kind="run" status={r.status} /> },
    { key: 'rules', header: t('violations'), cell: (r) => (r.rules.length ? r.rules.map((x) => (x === 'qual-mismatch' ? t('qualMismatch') : x)).join(', ') : '—') },
  ];
  return (
    <section className="card overflow-x-auto text-sm">
      <h3 className="mb-2 font-semibold">{t('categoryRunsTitle')}</h3>
      <p className="mb-2 text-slate-600">{t('categoryRunsHelp')}</p>
      <DataTable columns={columns} rows={runs} rowKey={(r) => r.runId} rowProps={(r) => ({ 'data-run': String(r.runId), 'data-status': r.status })} testId="category-runs" />
    </section>
  );
}
