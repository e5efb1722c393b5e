import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { notFound } from 'next/navigation';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { labRoundView } from '@/lib/services/read/eqa';
import { PageHeader } from '@/app/_components/page-header';
import { StatusBadge } from '@/app/_components/status-badge';
import { CsvSubmissionForm, SubmissionForm } from '@/app/_components/eqa/submission-forms';
import { LabReportSection } from '@/app/_components/eqa/lab-report';
import { PrintButton } from '@/app/_components/print-button';
import { localName, localText } from '@/app/_components/local-name';
import { isCategorical } from '@/lib/catalogue/kinds';
import { submitCsvAction, submitFormAction } from '../actions';
import { firstValues } from '@/app/_components/search-params';

export default async function LabRoundPage({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const actor = await requirePage('eqaRound.read');
  const code = decodeURIComponent((await params).code);
  const search = firstValues(await searchParams);
  const db = getDb();
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const locale = await getLocale();
  // the service applies the visibility rules (enrolled lab, not a draft) and says whether the round is open
  const view = await labRoundView(db, actor, code);
  if (!view) notFound();
  const { round: visible, history, current } = view;
  const isOpen = view.state.open;
  // a categorical answer is shown by its category code (stored with it; else the grade's code in today's catalogue)
  const items = new Map(view.analytes.map((a) => [a.code, a]));
  const shown = (h: { analyte: string; value: number; category?: string | null }): string | number => {
    const item = items.get(h.analyte);
    return h.category ?? (item && isCategorical(item.kind) ? (item.categories?.[h.value]?.code ?? h.value) : h.value);
  };

  const body = (() => {
    if (visible.status === 'published') {
      return <LabReportSection db={db} actor={actor} roundCode={code} labCode={actor.labCode ?? ''} search={search} basePath={`/lab/eqa/${encodeURIComponent(code)}`} />;
    }
    if (isOpen) {
      const { analytes, samples } = view;
      const values = Object.fromEntries(current.map((c) => [`${c.sample}|${c.analyte}`, shown(c)]));
      return (
        <div className="space-y-6">
          <section className="card no-print">
            <h2 className="mb-1 font-semibold">{t('submit.formTitle')}</h2>
            <p className="mb-3 text-sm text-slate-600">{t('submit.formHelp')}</p>
            <SubmissionForm
              action={submitFormAction}
              roundCode={code}
              samples={samples}
              values={values}
              analytes={analytes.map((a) => {
                const last = current.find((c) => c.analyte === a.code);
                // qualitative, ordinal and nominal items: a choice of their categories (code as value)
                const options = isCategorical(a.kind) ? (a.categories ?? []).map((c) => ({ code: c.code, label: localText(locale, c.nameZh, c.nameEn) })) : null;
                return { code: a.code, name: localName(locale, a), unit: a.unit, method: last?.method ?? '', instrument: last?.instrument ?? '', options };
              })}
            />
          </section>
          <section className="card no-print">
            <h2 className="mb-1 font-semibold">{t('submit.csvTitle')}</h2>
            <p className="mb-3 text-sm text-slate-600">
              {t('submit.csvHelp')}{' '}
              <a className="text-brand-700 underline" href={`/api/v1/eqa/rounds/${encodeURIComponent(code)}/template`} data-testid="eqa-template-link">
                {t('submit.template')}
              </a>
            </p>
            <CsvSubmissionForm action={submitCsvAction} roundCode={code} />
          </section>
        </div>
      );
    }
    return (
      <p className="card text-sm text-slate-700" data-testid="eqa-awaiting">
        {visible.status === 'evaluated' || visible.status === 'closed' ? t('lab.awaiting') : t('lab.notOpenYet')}
      </p>
    );
  })();

  return (
    <div className="space-y-6">
      <PageHeader
        title={t('lab.roundTitle', { round: code })}
        subtitle={
          <>
            {localText(locale, visible.schemeName, visible.schemeNameEn)} · <StatusBadge kind="round" status={view.state.shown} /> · {t('round.closesAt')}{' '}
            {format.dateTime(new Date(visible.closesAt), { dateStyle: 'medium', timeStyle: 'short' })}
          </>
        }
        actions={
          visible.status === 'published' ? (
            <PrintButton label={t('report.print')} />
          ) : undefined
        }
      />
      {body}
      {history.length > 0 && visible.status !== 'published' && (
        <section className="card">
          <h2 className="mb-2 font-semibold">{t('submit.historyTitle')}</h2>
          <table className="table" data-testid="eqa-submission-history">
            <thead>
              <tr>
                <th>{t('report.analyte')}</th>
                <th>{t('report.sample')}</th>
                <th>{t('report.value')}</th>
                <th>{t('submit.method')}</th>
                <th>{t('submit.instrument')}</th>
                <th>{t('submit.version')}</th>
                <th>{t('submit.submittedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.id} className={h.current ? '' : 'text-slate-400 line-through'}>
                  <td>{h.analyte}</td>
                  <td>{h.sample}</td>
                  <td>{shown(h)}</td>
                  <td>{h.method}</td>
                  <td>{h.instrument}</td>
                  <td>
                    v{h.version} {h.current && <span className="badge-green">{t('submit.current')}</span>}
                  </td>
                  <td>{format.dateTime(new Date(h.submittedAt), { dateStyle: 'short', timeStyle: 'short' })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
