import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { watchWorkspace } from '@/lib/services/hospital/watches';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { Card } from '@/app/_components/card';
import { addWatchAction, removeWatchAction } from './actions';
import { BatchCheckForm } from './_components/forms';
import { WorkspaceNav } from './_components/workspace-nav';
import { localText } from '@/app/_components/local-name';

const TONE: Record<string, string> = { suspend: 'badge-amber', revoke: 'badge-red', expire: 'badge-slate', reinstate: 'badge-green' };

export default async function HospitalHome() {
  const actor = await requirePage('watchList.manage');
  const t = await getTranslations('hospital');
  const tl = await getTranslations('common.landing');
  const format = await getFormatter();
  const locale = await getLocale();
  const { watches, changes } = await watchWorkspace(getDb(), actor);
  const when = (ms: number) => format.dateTime(new Date(ms), { dateStyle: 'medium', timeStyle: 'short' });
  const watchColumns: Column<(typeof watches)[number]>[] = [
    {
      key: 'what',
      header: t('watch.what'),
      cell: (w) =>
        w.labCode ? (
          <Link href={`/verify/labs/${encodeURIComponent(w.labCode)}`} className="text-brand-700 underline">
            <span className="font-mono">{w.labCode}</span> {localText(locale, w.labName ?? '', w.labNameEn)}
          </Link>
        ) : (
          <>
            {t('watch.region')} <span className="font-mono">{w.regionCode}</span> {localText(locale, w.regionName ?? '', w.regionNameEn)}
          </>
        ),
    },
    { key: 'since', header: t('watch.since'), className: 'whitespace-nowrap', cell: (w) => when(w.createdAt) },
    {
      key: 'remove',
      header: <span className="sr-only">{t('watch.remove')}</span>,
      cell: (w) => (
        <ActionForm action={removeWatchAction} submitLabel={t('watch.remove')} variant="secondary" className="space-y-1" testId="watch-remove">
          <input type="hidden" name="id" value={w.id} />
        </ActionForm>
      ),
    },
  ];
  const changeColumns: Column<(typeof changes)[number]>[] = [
    { key: 'at', header: t('changes.at'), className: 'whitespace-nowrap', cell: (c) => when(c.at) },
    { key: 'lab', header: t('changes.lab'), cell: (c) => <span className="font-mono">{c.labCode}</span> },
    { key: 'analyte', header: t('changes.analyte'), cell: (c) => <>{c.analyteCode} <span className="text-xs text-slate-500">{localText(locale, c.analyteName, c.analyteNameEn)}</span></> },
    { key: 'action', header: t('changes.action'), cell: (c) => <span className={TONE[c.action] ?? 'badge-slate'} data-action={c.action}>{t(`changes.actions.${c.action as 'suspend'}`)}</span> },
    { key: 'effective', header: t('changes.effectiveOn'), className: 'whitespace-nowrap', cell: (c) => c.effectiveOn },
    { key: 'certificate', header: t('changes.certificate'), className: 'font-mono text-xs', cell: (c) => c.certificateNo ?? '—' },
    { key: 'reason', header: t('changes.reason'), className: 'text-xs', cell: (c) => c.reason },
  ];
  return (
    <div data-testid="landing-hospital">
      <PageHeader title={tl('hospitalTitle')} subtitle={t('subtitle')} links={[{ href: '/verify', label: tl('verifyLink') }]} />
      <WorkspaceNav active="overview" />
      {/* grid-cols-1: a track of minmax(0, 1fr), not auto, so a wide table scrolls in its box on a phone instead of widening the page */}
      <div className="grid grid-cols-1 gap-6">
        <Card id="batch" title={t('batch.title')} hint={t('batch.hint')} testId="batch-card">
          <BatchCheckForm />
        </Card>
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
          <section className="lg:col-span-2" aria-labelledby="changes-title">
            <h2 id="changes-title" className="mb-2 text-lg font-semibold">
              {t('changes.title')}
            </h2>
            <DataTable columns={changeColumns} rows={changes} rowKey={(c) => c.id} rowProps={(c) => ({ 'data-testid': `change-${c.labCode}-${c.analyteCode}` })} testId="changes" empty={t('changes.empty')} emptyText={t('changes.emptyText')} />
          </section>
          <Card id="watch" title={t('watch.title')} hint={t('watch.hint')} className="card h-fit" testId="watch-card">
            <ActionForm action={addWatchAction} submitLabel={t('watch.add')} testId="watch-add" successMessage={t('watch.added')}>
              <Field name="lab" label={t('watch.lab')} placeholder="GZ-001" />
              <Field name="region" label={t('watch.regionCode')} placeholder="440000" hint={t('watch.regionHint')} />
            </ActionForm>
            <div className="mt-4">
              <DataTable columns={watchColumns} rows={watches} rowKey={(w) => w.id} rowProps={(w) => ({ 'data-testid': `watch-${w.labCode ?? w.regionCode}` })} testId="watches" empty={t('watch.empty')} />
            </div>
          </Card>
        </div>
      </div>
    </div>
  );
}
