import { notFound } from 'next/navigation';
import { pathId } from '@/app/_components/search-params';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { correctiveActionDetail } from '@/lib/services/iqc/views';
import { PageHeader } from '@/app/_components/page-header';
import { StatusBadge } from '@/app/_components/status-badge';
import { CorrectForm, ResolveForm } from '@/app/_components/iqc/forms';
import { fmt, formatDateTime } from '@/app/_components/iqc/format';
import { correctResultAction, resolveCorrectiveActionAction } from '../../actions';
import { localName } from '@/app/_components/local-name';

export default async function ResolvePage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePage('correctiveAction.resolve');
  const t = await getTranslations('iqc.actions');
  const locale = await getLocale();
  let d;
  try {
    d = await correctiveActionDetail(getDb(), actor, pathId((await params).id));
  } catch (e) {
    if (isAppError(e)) notFound();
    throw e;
  }
  return (
    <div className="space-y-4">
      <PageHeader
        title={t('resolveTitle', { analyte: d.analyte.code })}
        subtitle={`${localName(locale, d.analyte)} · ${formatDateTime(d.run.measuredAt, locale)}${d.run.instrument ? ` · ${d.run.instrument}` : ''}`}
      />
      <section className="card overflow-x-auto">
        <div className="mb-3 flex items-center gap-3">
          <StatusBadge kind="run" status={d.run.status} />
          <span className="text-sm text-red-700">{d.violations.map((v) => `${v.rule} (${v.levels.join(', ')})`).join(' · ')}</span>
        </div>
        <table className="table">
          <thead>
            <tr>
              <th>{t('level')}</th>
              <th>{t('value')}</th>
              <th>z</th>
              <th>{t('version')}</th>
              <th>{t('correctTitle')}</th>
            </tr>
          </thead>
          <tbody>
            {d.results.map((r) => (
              <tr key={r.id} className={r.current ? undefined : 'text-slate-400 line-through'}>
                <td>{r.level}</td>
                <td>
                  {r.category !== null ? `${r.category}${r.signal !== null ? ` (${r.signal})` : ''}` : `${r.value} ${d.analyte.unit}`}
                </td>
                <td>{fmt(r.z, 2)}</td>
                <td>
                  v{r.version}
                  {r.reason ? <span className="block text-xs no-underline">{r.reason}</span> : null}
                </td>
                <td>{r.current && d.action.status === 'open' ? <CorrectForm action={correctResultAction} resultId={r.id} value={r.category ?? r.value} signal={r.signal} categories={d.analyte.categories?.map((c) => c.code)} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {d.action.status === 'open' ? (
        <ResolveForm id={d.action.id} action={resolveCorrectiveActionAction} doneHref="/lab" />
      ) : (
        <section className="card text-sm" data-testid="resolved-record">
          <p>
            <strong>{t('cause')}:</strong> {d.action.cause}
          </p>
          <p>
            <strong>{t('action')}:</strong> {d.action.action}
          </p>
          <p>
            <strong>{t('outcome')}:</strong> {d.action.outcome}
          </p>
        </section>
      )}
    </div>
  );
}
