import { getFormatter, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { webhookWorkspace } from '@/lib/services/hospital/webhooks';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { Card } from '@/app/_components/card';
import { createEndpointAction, disableEndpointAction, testEventAction } from '../actions';
import { WorkspaceNav } from '../_components/workspace-nav';

const TONE = { pending: 'badge-amber', delivered: 'badge-green', failed: 'badge-red' } as const;

export default async function WebhooksPage() {
  const actor = await requirePage('watchList.manage');
  const t = await getTranslations('hospital.webhooks');
  const format = await getFormatter();
  const { endpoints, deliveries } = await webhookWorkspace(getDb(), actor);
  const when = (ms: number | null) => (ms ? format.dateTime(new Date(ms), { dateStyle: 'medium', timeStyle: 'medium' }) : '—');
  const endpointColumns: Column<(typeof endpoints)[number]>[] = [
    { key: 'name', header: t('name'), cell: (e) => e.name },
    { key: 'url', header: t('url'), className: 'font-mono text-xs break-all', cell: (e) => e.url },
    { key: 'status', header: t('status'), cell: (e) => (e.active ? <span className="badge-green">{t('active')}</span> : <span className="badge-slate">{t('disabledAt', { date: when(e.disabledAt) })}</span>) },
    {
      key: 'actions',
      header: <span className="sr-only">{t('actions')}</span>,
      cell: (e) =>
        e.active && (
          <div className="flex flex-wrap gap-2">
            <ActionForm action={testEventAction} submitLabel={t('test')} variant="secondary" className="space-y-1" successMessage={t('testQueued')} testId={`webhook-test-${e.id}`}>
              <input type="hidden" name="id" value={e.id} />
            </ActionForm>
            <ActionForm action={disableEndpointAction} submitLabel={t('disable')} variant="danger" className="space-y-1" confirm={t('disableConfirm', { name: e.name })} testId={`webhook-disable-${e.id}`}>
              <input type="hidden" name="id" value={e.id} />
            </ActionForm>
          </div>
        ),
    },
  ];
  const deliveryColumns: Column<(typeof deliveries)[number]>[] = [
    { key: 'created', header: t('createdAt'), className: 'whitespace-nowrap', cell: (d) => when(d.createdAt) },
    { key: 'endpoint', header: t('endpoint'), cell: (d) => d.endpointName },
    { key: 'event', header: t('event'), className: 'font-mono text-xs', cell: (d) => d.event },
    { key: 'status', header: t('status'), cell: (d) => <span className={TONE[d.status]} data-status={d.status}>{t(`deliveryStatus.${d.status}`)}</span> },
    {
      key: 'attempts',
      header: t('attempts'),
      className: 'text-xs',
      cell: (d) => (
        <details>
          <summary>{t('attemptCount', { n: d.attempts })}{d.status === 'pending' && d.attempts > 0 ? ` · ${t('nextAt', { date: when(d.nextAttemptAt) })}` : ''}</summary>
          <ol className="mt-1 list-decimal pl-4">
            {d.attemptLog.map((a) => (
              <li key={a.id}>{t('attemptLine', { date: when(a.at), status: a.statusCode ?? '—', ms: a.durationMs, error: a.error ?? 'OK' })}</li>
            ))}
          </ol>
          <pre className="mt-1 max-w-md overflow-auto rounded bg-slate-100 p-1 text-[11px]">{d.payload}</pre>
        </details>
      ),
    },
  ];
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <WorkspaceNav active="webhooks" />
      {/* grid-cols-1: a track of minmax(0, 1fr), not auto, so a wide table scrolls in its box on a phone instead of widening the page */}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <DataTable columns={endpointColumns} rows={endpoints} rowKey={(e) => e.id} testId="endpoints" empty={t('empty')} />
          <section aria-labelledby="deliveries-title">
            <h2 id="deliveries-title" className="mb-2 text-lg font-semibold">
              {t('deliveries')}
            </h2>
            <DataTable columns={deliveryColumns} rows={deliveries} rowKey={(d) => d.id} rowProps={(d) => ({ 'data-testid': `delivery-${d.id}` })} testId="deliveries" empty={t('deliveriesEmpty')} />
          </section>
        </div>
        <Card id="new" title={t('createTitle')} hint={t('createHint')} className="card h-fit">
          <ActionForm action={createEndpointAction} submitLabel={t('create')} testId="webhook-create">
            <Field name="name" label={t('name')} placeholder="HIS" required />
            <Field name="url" label={t('url')} placeholder="https://his.example.org/labqc" required />
          </ActionForm>
          <p className="mt-4 text-xs text-slate-500">{t('signatureHelp')}</p>
          <code className="mt-1 block break-all rounded bg-slate-100 px-2 py-1 text-xs">LabQC-Signature: t=&lt;unix&gt;,v1=HMAC-SHA256(secret, t + &quot;.&quot; + body)</code>
        </Card>
      </div>
    </div>
  );
}
