import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { ASSIGNED_SORTS, FAILED_SORTS, regulatorRoundReport } from '@/lib/services/eqa/reports';
import { PageHeader } from '@/app/_components/page-header';
import { StatTile } from '@/app/_components/stat-tile';
import { StatusBadge } from '@/app/_components/status-badge';
import { ActionForm } from '@/app/_components/action-form';
import { ZDistribution } from '@/app/_components/eqa/z-distribution';
import { PrintButton } from '@/app/_components/print-button';
import { pageRead } from '@/app/_components/eqa/page-errors';
import { EvaluationProgress } from '@/app/_components/eqa/evaluation-progress';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { firstValues } from '@/app/_components/search-params';
import { num } from '@/app/_components/format';
import { categoricalReason } from '@/app/_components/eqa/category-report';
import { roundOperationAction } from '../../actions';


/** The regulator's round: what grows with the labs (unsatisfactory scores, assigned values) is paged,
 * sorted and filtered on the server, each table by its own search params (`f_…`, `av_…`). */
export default async function RegulatorRoundPage({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('eqaRound.report');
  const code = decodeURIComponent((await params).code);
  const sp = firstValues(await searchParams);
  const failedPage = readPage(sp, { sorts: FAILED_SORTS, sort: 'lab', prefix: 'f_' });
  const assignedPage = readPage(sp, { sorts: ASSIGNED_SORTS, sort: 'analyte', prefix: 'av_' });
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const zh = (await getLocale()) === 'zh';
  const { data: rep } = await pageRead(async () => await regulatorRoundReport(getDb(), actor, { roundCode: code, failed: failedPage, assigned: assignedPage }));
  if (!rep) return null;
  const status = rep.round.status;
  const ops: { op: string; label: string; variant: 'primary' | 'secondary' | 'danger' }[] = [];
  // the EQA service says what the round's state allows (roundState); canManage whether this reader may
  const allowed = new Set(rep.canManage ? rep.round.allowedOperations : []);
  if (allowed.has('open')) ops.push({ op: 'open', label: t('ops.open'), variant: 'primary' });
  if (allowed.has('close')) ops.push({ op: 'close', label: t('ops.close'), variant: 'secondary' });
  if (allowed.has('evaluate')) ops.push({ op: 'evaluate', label: status === 'evaluated' ? t('ops.reevaluate') : t('ops.evaluate'), variant: 'primary' });
  if (allowed.has('publish')) ops.push({ op: 'publish', label: t('ops.publish'), variant: 'primary' });
  const latest = rep.evaluations[0];
  type Evaluated = Extract<typeof rep, { evaluated: true }>;
  type Participation = { analyte: string; submitted: number; participants: number; passed?: number; passRate?: number | null };
  const participationColumns: Column<Participation>[] = [
    { key: 'analyte', header: t('report.analyte'), className: 'font-medium', cell: (p) => p.analyte },
    { key: 'submitted', header: t('regulator.submitted'), cell: (p) => `${p.submitted} / ${p.participants}` },
    ...(rep.evaluated
      ? ([
          { key: 'passed', header: t('regulator.passed'), cell: (p) => p.passed },
          { key: 'rate', header: t('regulator.passRate'), cell: (p) => (p.passRate == null ? '—' : `${p.passRate.toFixed(1)}%`) },
        ] satisfies Column<Participation>[])
      : []),
  ];
  const failedColumns: Column<Evaluated['failed']['rows'][number]>[] = [
    {
      key: 'lab',
      header: t('regulator.lab'),
      sort: 'lab',
      cell: (f) => (
        <>
          <Link className="text-brand-700 hover:underline" href={`/regulator/eqa/rounds/${encodeURIComponent(code)}/labs/${encodeURIComponent(f.lab)}?analyte=${f.analyte}`}>
            {f.lab}
          </Link>{' '}
          <span className="text-xs text-slate-500">{f.labName}</span>
        </>
      ),
    },
    { key: 'analyte', header: t('report.analyte'), sort: 'analyte', cell: (f) => f.analyte },
    { key: 'score', header: t('report.score'), sort: 'score', cell: (f) => `${num(f.score, 3)}%` },
    {
      key: 'result',
      header: t('report.result'),
      cell: (f) => (
        <>
          <span className="badge-red">{t(`verdict.${f.notSubmitted ? 'not_submitted' : 'unsatisfactory'}`)}</span>
          {f.unsuccessful && <span className="badge-red ml-1">{t('verdict.unsuccessful')}</span>}
        </>
      ),
    },
  ];
  const notEvaluatedColumns: Column<Evaluated['notEvaluated'][number]>[] = [
    { key: 'analyte', header: t('report.analyte'), cell: (x) => x.analyte },
    { key: 'sample', header: t('report.sample'), cell: (x) => x.sample },
    { key: 'results', header: t('regulator.results'), cell: (x) => x.results },
    {
      key: 'result',
      header: t('report.result'),
      cell: (x) => (
        <>
          <span className="badge-slate">{t('report.notEvaluated')}</span>{' '}
          <span className="text-xs text-slate-600">{x.reason ? t(`report.reasons.${x.reason as 'too_few_results'}`, { n: x.n ?? 0, min: rep.scheme.minPeerGroupSize }) : ''}</span>
        </>
      ),
    },
  ];
  // qualitative, ordinal and nominal items: concordance instead of z, with why samples were not evaluated
  const concordance = await Promise.all(
    (rep.evaluated ? rep.concordance : []).map(async (c) => ({
      ...c,
      notEvaluated: await Promise.all(
        c.notEvaluated.map(async (x) => ({ ...x, text: await categoricalReason(x.reason, { n: x.n, agreeing: x.agreeing, percent: rep.scheme.consensusPercent, min: rep.scheme.minPeerGroupSize }) })),
      ),
    })),
  );
  const allCategorical = concordance.length > 0 && concordance.length === rep.analytes.length;
  const concordanceColumns: Column<(typeof concordance)[number]>[] = [
    { key: 'analyte', header: t('categorical.item'), className: 'font-medium', cell: (c) => c.analyte },
    { key: 'kind', header: t('categorical.kind'), cell: (c) => t(`categorical.kinds.${c.kind}`) },
    { key: 'labs', header: t('categorical.labsAnswered'), cell: (c) => c.labs },
    { key: 'evaluated', header: t('categorical.evaluated'), cell: (c) => `${c.evaluated} / ${c.answers}` },
    { key: 'acceptable', header: t('categorical.acceptable'), cell: (c) => c.acceptable },
    { key: 'rate', header: t('categorical.rate'), cell: (c) => (c.rate === null ? '—' : `${c.rate.toFixed(1)}%`) },
    {
      key: 'notEvaluated',
      header: t('categorical.notEvaluated'),
      className: 'text-xs',
      cell: (c) =>
        c.notEvaluated.length === 0 ? (
          t('categorical.none')
        ) : (
          <ul>
            {c.notEvaluated.map((x) => (
              <li key={x.sample} data-testid={`concordance-not-evaluated-${c.analyte}-${x.sample}`}>
                {t('categorical.notEvaluatedLine', { sample: x.sample, reason: x.text })}
              </li>
            ))}
          </ul>
        ),
    },
  ];
  const assignedColumns: Column<Evaluated['assignedValues']['rows'][number]>[] = [
    { key: 'analyte', header: t('report.analyte'), sort: 'analyte', cell: (a) => a.analyte },
    { key: 'sample', header: t('report.sample'), sort: 'sample', cell: (a) => a.sample },
    { key: 'group', header: t('report.peerGroup'), className: 'text-xs', cell: (a) => (a.source === 'reference' ? t('source.reference') : a.peerGroup === '*' ? t('source.allMethods') : a.peerGroup) },
    { key: 'n', header: <span className="normal-case">n</span>, cell: (a) => a.n },
    { key: 'assigned', header: t('report.assigned'), cell: (a) => num(a.assignedValue) },
    { key: 'sd', header: <span className="normal-case">s*</span>, cell: (a) => num(a.robustSd) },
    { key: 'sigma', header: <span className="normal-case">σpt</span>, cell: (a) => num(a.sigmaPt) },
    { key: 'u', header: <span className="normal-case">u(x_pt)</span>, cell: (a) => num(a.uAssigned) },
    { key: 'score', header: t('regulator.score'), cell: (a) => (a.uNegligible ? 'z' : 'z′') },
  ];
  return (
    <div className="space-y-6">
      <PageHeader
        title={t('regulator.roundTitle', { round: code })}
        subtitle={
          <>
            {zh ? rep.scheme.name : (rep.scheme.nameEn ?? rep.scheme.name)} · <StatusBadge kind="round" status={rep.round.shownStatus} /> · {format.dateTime(new Date(rep.round.opensAt), { dateStyle: 'medium' })} – {format.dateTime(new Date(rep.round.closesAt), { dateStyle: 'medium', timeStyle: 'short' })}
          </>
        }
        actions={
          <>
            {rep.evaluated && (
              <a className="btn-secondary" href={`/api/v1/eqa/rounds/${encodeURIComponent(code)}/export`} data-testid="eqa-export">
                {t('regulator.exportCsv')}
              </a>
            )}
            <PrintButton label={t('report.print')} />
          </>
        }
      />

      {latest?.status === 'running' && <EvaluationProgress label={t('regulator.evaluationRunning', { version: latest.version })} progress={latest.progress} />}

      {ops.length > 0 && latest?.status !== 'running' && (
        <section className="no-print card flex flex-wrap items-start gap-4" data-testid="eqa-round-ops">
          {ops.map((o) => (
            <ActionForm key={o.op} action={roundOperationAction} submitLabel={o.label} variant={o.variant} successMessage={t('form.done')} testId={`eqa-op-${o.op}`} className="space-y-1">
              <input type="hidden" name="op" value={o.op} />
              <input type="hidden" name="roundCode" value={code} />
            </ActionForm>
          ))}
        </section>
      )}

      <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <StatTile label={t('regulator.participants')} value={rep.participants} />
        <StatTile label={t('round.samples')} value={rep.samples.length} hint={rep.samples.join(', ')} />
        <StatTile label={t('scheme.analytes')} value={rep.analytes.length} />
        <StatTile
          label={t('regulator.evaluation')}
          value={latest ? `v${latest.version}` : '—'}
          hint={latest ? `${t(`evaluationStatus.${latest.status}`)} · ${Math.round(latest.progress * 100)}%` : t('regulator.notEvaluated')}
        />
      </div>

      <section className="card">
        <h2 className="mb-2 font-semibold">{t('regulator.participation')}</h2>
        <DataTable columns={participationColumns} rows={rep.participation as Participation[]} rowKey={(p) => p.analyte} testId="eqa-participation" />
      </section>

      {rep.evaluated && (
        <>
          {concordance.length > 0 && (
            <section className="card">
              <h2 className="mb-1 font-semibold">{t('categorical.concordanceTitle')}</h2>
              <p className="mb-2 text-xs text-slate-500">{t('categorical.concordanceHelp')}</p>
              <DataTable columns={concordanceColumns} rows={concordance} rowKey={(c) => c.analyte} rowProps={(c) => ({ 'data-testid': `concordance-${c.analyte}` })} testId="eqa-concordance" />
            </section>
          )}

          {/* a round of qualitative, ordinal and nominal items only has no z and no assigned values */}
          <div className={allCategorical ? '' : 'grid gap-6 lg:grid-cols-2'}>
            {!allCategorical && (
              <section className="card">
                <h2 className="mb-2 font-semibold">{t('regulator.zDistribution')}</h2>
                <ZDistribution bins={rep.zDistribution} countLabel={t('regulator.results')} />
              </section>
            )}
            <section className="card">
              <form method="get" action={`/regulator/eqa/rounds/${encodeURIComponent(code)}/labs`} className="no-print mb-4 flex flex-wrap items-end gap-2">
                <div>
                  <label htmlFor="lab-code" className="label">
                    {t('regulator.labReport')}
                  </label>
                  <input id="lab-code" name="lab" className="input w-40" placeholder={t('regulator.labCode')} required />
                </div>
                <button type="submit" className="btn-secondary">
                  {t('regulator.open')}
                </button>
              </form>
              <h2 className="mb-2 font-semibold">{t('regulator.failedLabs', { n: rep.failed.total })}</h2>
              <DataTable
                columns={failedColumns}
                rows={rep.failed.rows}
                rowKey={(f) => `${f.lab}-${f.analyte}`}
                testId="eqa-failed"
                empty={failedPage.q ? undefined : t('regulator.noneFailed')}
                total={rep.failed.total}
                page={failedPage}
                searchParams={sp}
                prefix="f_"
                filter={t('regulator.failedFilter')}
              />
            </section>
          </div>

          {rep.notEvaluated.length > 0 && (
            <section className="card" data-testid="eqa-not-evaluated">
              <h2 className="mb-1 font-semibold">{t('regulator.notEvaluatedTitle', { n: rep.notEvaluated.length })}</h2>
              <p className="mb-2 text-xs text-slate-500">{t('regulator.notEvaluatedHelp')}</p>
              <DataTable columns={notEvaluatedColumns} rows={rep.notEvaluated} rowKey={(x) => `${x.analyte}-${x.sample}-${x.reason}`} rowProps={(x) => ({ 'data-testid': `not-evaluated-${x.analyte}-${x.sample}` })} />
            </section>
          )}

          {!allCategorical && (
            <section className="card">
              <h2 className="mb-2 font-semibold">{t('regulator.assignedValues')}</h2>
              <DataTable
                columns={assignedColumns}
                rows={rep.assignedValues.rows}
                rowKey={(a) => `${a.analyte}-${a.sample}-${a.peerGroup}`}
                testId="eqa-assigned"
                total={rep.assignedValues.total}
                page={assignedPage}
                searchParams={sp}
                prefix="av_"
                filter={t('regulator.assignedFilter')}
              />
            </section>
          )}
        </>
      )}

      {rep.evaluations.length > 0 && (
        <section className="card">
          <h2 className="mb-2 font-semibold">{t('regulator.evaluations')}</h2>
          <ul className="space-y-3 text-sm" data-testid="eqa-evaluations">
            {rep.evaluations.map((e) => (
              <li key={e.id} className="border-t border-slate-100 pt-2">
                <p>
                  <span className="font-medium">v{e.version}</span> · {t(`evaluationStatus.${e.status}`)} · {format.dateTime(new Date(e.startedAt), { dateStyle: 'medium', timeStyle: 'short' })}
                  {e.finishedAt && ` · ${t('regulator.took', { ms: e.finishedAt - e.startedAt })}`}
                </p>
                <p className="break-all text-xs text-slate-500">
                  {t('regulator.digest')}: {e.inputDigest ?? '—'} · {e.algorithmVersion}
                </p>
                {e.diff?.previousVersion != null && (
                  <p className="text-xs" data-testid={`eqa-diff-${e.version}`}>
                    {t('regulator.diffLine', {
                      previous: e.diff.previousVersion,
                      assigned: e.diff.assignedValues?.changed ?? 0,
                      verdicts: e.diff.verdicts?.changed ?? 0,
                      inputs: e.diff.inputsChanged ? t('regulator.inputsChanged') : t('regulator.inputsSame'),
                    })}
                  </p>
                )}
                {e.diff?.verdicts && e.diff.verdicts.items.length > 0 && (
                  <ul className="ml-4 list-disc text-xs">
                    {e.diff.verdicts.items.slice(0, 20).map((v, i) => (
                      <li key={i}>
                        {v.lab} {v.analyte}: {v.before ? `${t(`verdict.${v.before.verdict}` as 'verdict.satisfactory')} ${num(v.before.score, 3)}%` : '—'} →{' '}
                        {v.after ? `${t(`verdict.${v.after.verdict}` as 'verdict.satisfactory')} ${num(v.after.score, 3)}%` : t('verdict.not_evaluated')}
                      </li>
                    ))}
                  </ul>
                )}
                {e.diff?.notes && e.diff.notes.length > 0 && (
                  <details className="text-xs text-slate-600">
                    <summary>{t('regulator.notes', { n: e.diff.notesTotal ?? e.diff.notes.length })}</summary>
                    <ul className="ml-4 list-disc">
                      {e.diff.notes.map((n, i) => (
                        <li key={i}>{n}</li>
                      ))}
                    </ul>
                  </details>
                )}
                {e.diff?.error && <p className="text-xs text-red-700">{e.diff.error}</p>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
