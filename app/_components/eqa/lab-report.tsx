import { finite, num } from '@/app/_components/format';
import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import type { labHistory, labRoundReport, sampleHistogram, youdenPlot } from '@/lib/services/eqa/reports';
import { deviationText, figureText, rangeText } from './report-figures';
import { ValueHistogram } from './histogram';
import { YoudenPlot } from './youden-plot';
import { ZScoreChart } from './z-chart';
import { CategoryPanel, categoricalCells, categoricalReason } from './category-report';
import type { sampleCategoryDistribution } from '@/lib/services/eqa/reports-categorical';
import { localName } from '@/app/_components/local-name';

type Report = Awaited<ReturnType<typeof labRoundReport>>;

/** A lab's printable report for one round: the results table, then the charts for a chosen analyte. */
export async function LabReport({
  report,
  history,
  histogram,
  youden,
  categories,
  selected,
  hrefFor,
}: {
  report: Report;
  history: Awaited<ReturnType<typeof labHistory>>;
  histogram: Awaited<ReturnType<typeof sampleHistogram>> | null;
  youden: Awaited<ReturnType<typeof youdenPlot>> | null;
  /** the chosen sample of a qualitative, ordinal or nominal item: its answers per category */
  categories: Awaited<ReturnType<typeof sampleCategoryDistribution>>;
  selected: { analyte: string; sample: string; sampleB: string };
  hrefFor: (analyte: string, sample: string, sampleB: string) => string;
}) {
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const locale = await getLocale();
  const rounds = [...new Set(history.z.map((h) => h.round))];
  // qualitative, ordinal and nominal items: answer, target, accepted categories instead of numbers
  const cat = new Map<string, Awaited<ReturnType<typeof categoricalCells>> & { reason: string }>();
  for (const a of report.analytes.filter((x) => x.kind !== 'quantitative')) {
    for (const s of a.samples) {
      const reason = await categoricalReason(s.reason ?? s.targetReason, { n: s.answers, agreeing: s.agreeing, percent: report.scheme.consensusPercent, min: report.scheme.minPeerGroupSize });
      cat.set(`${a.code}|${s.sample}`, { ...(await categoricalCells(a, s, s.accepted)), reason });
    }
  }
  const selectedItem = report.analytes.find((a) => a.code === selected.analyte);
  // a round of qualitative, ordinal and nominal items only: its columns are named for categories, without z
  const allCategorical = report.analytes.length > 0 && cat.size > 0 && report.analytes.every((a) => a.kind !== 'quantitative');
  return (
    <div className="space-y-6" data-testid="eqa-lab-report">
      <section className="card">
        <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
          <h2 className="font-semibold">
            {t('report.title', { round: report.round.code, lab: report.lab.code })}
          </h2>
          <p className="text-xs text-slate-500">
            {t('report.evaluationLine', { version: report.evaluation.version, date: report.round.publishedAt ? format.dateTime(new Date(report.round.publishedAt), { dateStyle: 'medium' }) : '—' })}
          </p>
        </div>
        <div className="overflow-x-auto">
          <table className="table" data-testid="eqa-results-table">
            <thead>
              <tr>
                <th>{t('report.analyte')}</th>
                <th>{t('report.sample')}</th>
                <th>{t('report.value')}</th>
                <th>{allCategorical ? t('categorical.columns.target') : t('report.assigned')}</th>
                <th>{allCategorical ? t('categorical.columns.accepted') : t('report.limits')}</th>
                <th>{allCategorical ? t('categorical.columns.distance') : t('report.deviation')}</th>
                {!allCategorical && <th>{t('report.z')}</th>}
                <th>{allCategorical ? t('categorical.columns.basis') : t('report.peerGroup')}</th>
                <th>{t('report.result')}</th>
              </tr>
            </thead>
            <tbody>
              {report.analytes.map((a) =>
                a.notSubmitted ? (
                  <tr key={a.code} className="bg-slate-50">
                    <td className="font-medium">{a.code}</td>
                    <td colSpan={allCategorical ? 6 : 7} className="italic text-slate-600">
                      {a.verdict === 'not_evaluated' ? t('report.notEvaluatedAnalyte') : t('report.notSubmitted')}
                    </td>
                    <td>
                      <span className={a.verdict === 'not_evaluated' ? 'badge-slate' : 'badge-red'} data-testid={`verdict-${a.code}`}>
                        {t('verdict.not_submitted')}
                        {a.score !== null && ` · ${num(a.score, 3)}%`}
                      </span>
                      {a.unsuccessful && <span className="badge-red ml-1">{t('verdict.unsuccessful')}</span>}
                    </td>
                  </tr>
                ) : (
                  a.samples.map((s, i) => {
                    const c = cat.get(`${a.code}|${s.sample}`);
                    const [pct, z] = [finite(s.percentDeviation), finite(s.z)];
                    return (
                      <tr key={`${a.code}-${s.sample}`} data-testid={c ? `eqa-row-${a.code}-${s.sample}` : undefined}>
                        {i === 0 && (
                          <td rowSpan={a.samples.length} className="font-medium">
                            <Link className="text-brand-700 hover:underline" href={hrefFor(a.code, selected.sample, selected.sampleB)}>
                              {a.code}
                            </Link>
                            <div className="text-xs font-normal text-slate-500">
                              {localName(locale, a)}
                              {a.unit ? ` (${a.unit})` : ''}
                            </div>
                          </td>
                        )}
                        <td>{s.sample}</td>
                        <td>{s.value === null || (c && c.value === null) ? <span className="italic text-slate-500">{t('report.noResult')}</span> : c ? c.value : figureText(s.value, s, true)}</td>
                        <td>{c ? c.target : figureText(s.assignedValue, s, false)}</td>
                        <td className="whitespace-nowrap">{c ? c.accepted : rangeText(s)}</td>
                        <td className="whitespace-nowrap">
                          {c ? c.distance : deviationText(s)}
                          {pct !== null && <div className="text-xs text-slate-500">{`${(Math.abs(pct) < 0.05 ? 0 : pct).toFixed(1)}%`}</div>}
                        </td>
                        {!allCategorical && (
                          <td className="whitespace-nowrap">
                            {z === null ? '—' : z.toFixed(2)}
                            {s.scoreType === 'z_prime' && <span className="ml-1 text-xs text-slate-500">z′</span>}
                            {s.uNegligible === false && (
                              <span className="badge-amber ml-1" title={t('report.uNotNegligible')} data-testid={`u-flag-${a.code}-${s.sample}`}>
                                {t('report.uFlag')}
                              </span>
                            )}
                          </td>
                        )}
                        <td className="text-xs">
                          {c ? c.basis : s.peerGroup === null ? '—' : s.source === 'reference' ? t('source.reference') : s.peerGroup === '*' ? t('source.allMethods') : s.peerGroup}
                          {!c && s.n !== null && <span className="text-slate-500"> · n={s.n}</span>}
                        </td>
                        <td>
                          {s.value === null ? (
                            <span className="badge-slate">{t('report.missing')}</span>
                          ) : s.acceptable === null ? (
                            <span data-testid={`not-evaluated-${a.code}-${s.sample}`}>
                              <span className="badge-slate">{t('report.notEvaluated')}</span>
                              {s.reason && (
                                <span className="block text-xs text-slate-600">
                                  {c ? c.reason : t(`report.reasons.${s.reason as 'too_few_results'}`, { n: s.reasonN ?? 0, min: report.scheme.minPeerGroupSize })}
                                </span>
                              )}
                            </span>
                          ) : s.acceptable ? (
                            <span className="badge-green">{t('report.acceptable')}</span>
                          ) : (
                            <span className="badge-red">{t('report.notAcceptable')}</span>
                          )}
                          {i === a.samples.length - 1 && (
                            <div className="mt-1">
                              <span className={a.verdict === 'satisfactory' ? 'badge-green' : a.verdict === 'not_evaluated' ? 'badge-slate' : 'badge-red'} data-testid={`verdict-${a.code}`}>
                                {t(`verdict.${a.verdict}`)}
                                {a.score !== null && ` · ${num(a.score, 3)}%`}
                              </span>
                              {a.unsuccessful && <span className="badge-red ml-1">{t('verdict.unsuccessful')}</span>}
                            </div>
                          )}
                        </td>
                      </tr>
                    );
                  })
                ),
              )}
            </tbody>
          </table>
        </div>
        {!allCategorical && <p className="mt-2 text-xs text-slate-500">{t('report.legend', { min: report.scheme.minRoundScore })}</p>}
        {cat.size > 0 && (
          <p className="mt-2 text-xs text-slate-500">
            {t('categorical.legend', {
              tolerance: report.scheme.ordinalTolerance,
              negative: String(report.scheme.negativeMustBeNegative),
              percent: report.scheme.consensusPercent,
              qual: report.scheme.passPercent.qualitative,
              ord: report.scheme.passPercent.ordinal,
              nom: report.scheme.passPercent.nominal,
            })}
          </p>
        )}
      </section>

      <section className="card">
        <h2 className="mb-2 font-semibold">{t('report.chartsFor', { analyte: selected.analyte })}</h2>
        <nav className="no-print mb-3 flex flex-wrap gap-2 text-sm" aria-label={t('report.chooseAnalyte')}>
          {report.analytes.map((a) => (
            <Link key={a.code} href={hrefFor(a.code, selected.sample, selected.sampleB)} className={a.code === selected.analyte ? 'badge-blue' : 'badge-slate'}>
              {a.code}
            </Link>
          ))}
        </nav>
        {categories ? (
          <CategoryPanel
            dist={categories}
            samples={report.samples}
            categories={selectedItem?.categories ?? null}
            hrefFor={(s) => hrefFor(selected.analyte, s, selected.sampleB)}
            scheme={report.scheme}
          />
        ) : (
          <div className="grid gap-6 lg:grid-cols-2">
            <div>
              <h3 className="mb-1 text-sm font-medium">{t('report.histogramTitle', { sample: selected.sample })}</h3>
              <nav className="no-print mb-2 flex flex-wrap gap-2 text-xs" aria-label={t('report.chooseSample')}>
                {report.samples.map((s) => (
                  <Link key={s} href={hrefFor(selected.analyte, s, selected.sampleB)} className={s === selected.sample ? 'badge-blue' : 'badge-slate'}>
                    {s}
                  </Link>
                ))}
              </nav>
              {histogram ? (
                <ValueHistogram
                  values={histogram.values}
                  labValue={histogram.labValue}
                  lower={histogram.lower}
                  upper={histogram.upper}
                  assigned={histogram.assignedValue}
                  labels={{ count: t('report.labs'), yours: t('report.yourValue'), assigned: t('report.assignedShort'), range: t('report.acceptableRange') }}
                />
              ) : (
                <p className="text-sm text-slate-500">{t('report.noData')}</p>
              )}
              <p className="mt-1 text-xs text-slate-500">{t('report.histogramHelp', { n: histogram?.values.length ?? 0 })}</p>
            </div>
            <div>
              <h3 className="mb-1 text-sm font-medium">{t('report.youdenTitle', { a: selected.sample, b: selected.sampleB })}</h3>
              <nav className="no-print mb-2 flex flex-wrap gap-2 text-xs" aria-label={t('report.chooseSample')}>
                {report.samples
                  .filter((s) => s !== selected.sample)
                  .map((s) => (
                    <Link key={s} href={hrefFor(selected.analyte, selected.sample, s)} className={s === selected.sampleB ? 'badge-blue' : 'badge-slate'}>
                      {s}
                    </Link>
                  ))}
              </nav>
              {youden && (youden.points.length > 0 || youden.own) ? (
                <YoudenPlot points={youden.points} own={youden.own} sampleA={youden.sampleA} sampleB={youden.sampleB} labels={{ others: t('report.otherLabs'), yours: t('report.yourLab') }} />
              ) : (
                <p className="text-sm text-slate-500">{t('report.noData')}</p>
              )}
            </div>
          </div>
        )}
        <div className="mt-6">
          {/* categorical items have no z: only their verdicts across rounds */}
          {!categories && (
            <>
              <h3 className="mb-1 text-sm font-medium">{t('report.zTitle', { analyte: selected.analyte })}</h3>
              <ZScoreChart
                rounds={rounds}
                points={history.z.flatMap((h) => {
                  const z = finite(h.z);
                  return h.analyte === selected.analyte && z !== null ? [{ round: h.round, sample: h.sample, z }] : [];
                })}
              />
            </>
          )}
          <table className="table mt-2">
            <thead>
              <tr>
                <th>{t('report.round')}</th>
                <th>{t('report.score')}</th>
                <th>{t('report.result')}</th>
              </tr>
            </thead>
            <tbody>
              {history.scores
                .filter((s) => s.analyte === selected.analyte)
                .map((s) => (
                  <tr key={s.round}>
                    <td>{s.round}</td>
                    <td>{num(s.score, 3)}%</td>
                    <td>
                      <span className={s.verdict === 'satisfactory' ? 'badge-green' : 'badge-red'}>{t(`verdict.${s.notSubmitted ? 'not_submitted' : s.verdict}`)}</span>
                      {s.unsuccessful && <span className="badge-red ml-1">{t('verdict.unsuccessful')}</span>}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

/** Load and render a lab's report with charts (shared by the lab's and the regulator's pages). */
export async function LabReportSection({
  db,
  actor,
  roundCode,
  labCode,
  search,
  basePath,
}: {
  db: import('@/db/client').DB;
  actor: import('@/lib/auth/core').Actor;
  roundCode: string;
  labCode: string;
  search: { analyte?: string; sample?: string; sampleB?: string };
  basePath: string;
}) {
  const { labRoundReport, labHistory, sampleHistogram, youdenPlot } = await import('@/lib/services/eqa/reports');
  const report = await labRoundReport(db, actor, { roundCode, labCode });
  const analyte = report.analytes.find((a) => a.code === search.analyte)?.code ?? report.analytes.find((a) => a.verdict !== 'satisfactory')?.code ?? report.analytes[0]?.code ?? '';
  const sample = report.samples.includes(search.sample ?? '') ? search.sample! : report.samples[0];
  const sampleB = report.samples.includes(search.sampleB ?? '') && search.sampleB !== sample ? search.sampleB! : (report.samples.find((s) => s !== sample) ?? sample);
  const history = await labHistory(db, actor, { roundCode, labCode });
  // a qualitative, ordinal or nominal item: the answers per category instead of histogram and Youden plot
  const categorical = report.analytes.find((a) => a.code === analyte && a.kind !== 'quantitative');
  const { sampleCategoryDistribution } = await import('@/lib/services/eqa/reports-categorical');
  const categories = categorical ? await sampleCategoryDistribution(db, actor, { roundCode, labCode, sample, analyte }) : null;
  const histogram = analyte && !categorical ? await sampleHistogram(db, actor, { roundCode, labCode, sample, analyte }) : null;
  const youden = analyte && !categorical && sampleB !== sample ? await youdenPlot(db, actor, { roundCode, labCode, analyte, sampleA: sample, sampleB }) : null;
  const hrefFor = (a: string, s: string, b: string) => `${basePath}?analyte=${encodeURIComponent(a)}&sample=${encodeURIComponent(s)}&sampleB=${encodeURIComponent(b)}`;
  return <LabReport report={report} history={history} histogram={histogram} youden={youden} categories={categories} selected={{ analyte, sample, sampleB }} hrefFor={hrefFor} />;
}
