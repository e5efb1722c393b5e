import { getFormatter, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { hospitalTokens } from '@/lib/services/hospital/tokens';
import { HOSPITAL_TOKEN_SCOPES } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { Card } from '@/app/_components/card';
import { TokenExpiryField, TokenStatus } from '@/app/_components/token-fields';
import { createHospitalTokenAction, revokeHospitalTokenAction } from '../actions';

/** The page body, shared by the hospital workspace and the regulator's platform pages (the same
 * services, keyed by the signed-in account): `nav` is the tab row, `heading` the title and subtitle. */
export async function TokensView({ nav, heading }: { nav: React.ReactNode; heading?: { title: string; subtitle: string } }) {
  const actor = await requirePage('verifyToken.manage');
  const t = await getTranslations('admin.tokens');
  const th = await getTranslations('hospital.tokens');
  const format = await getFormatter();
  const tokens = await hospitalTokens(getDb(), actor);
  const now = Date.now();
  const when = (ms: number | null) => (ms ? format.dateTime(new Date(ms), { dateStyle: 'medium', timeStyle: 'short' }) : '—');
  const columns: Column<(typeof tokens)[number]>[] = [
    { key: 'name', header: t('name'), cell: (tok) => tok.name },
    { key: 'prefix', header: t('prefix'), className: 'font-mono', cell: (tok) => `${tok.prefix}…` },
    { key: 'created', header: t('createdAt'), className: 'whitespace-nowrap', cell: (tok) => when(tok.createdAt) },
    { key: 'used', header: t('lastUsedAt'), className: 'whitespace-nowrap', cell: (tok) => when(tok.lastUsedAt) },
    { key: 'scopes', header: t('scopes'), className: 'font-mono text-xs', cell: (tok) => tok.scopes.join(' ') },
    {
      key: 'status',
      header: t('status'),
      cell: (tok) => <TokenStatus revokedAt={tok.revokedAt} expiresAt={tok.expiresAt} now={now} />,
    },
    {
      key: 'actions',
      header: <span className="sr-only">{t('actions')}</span>,
      cell: (tok) =>
        !tok.revokedAt && (
          <ActionForm action={revokeHospitalTokenAction} submitLabel={t('revoke')} variant="danger" className="space-y-1" confirm={t('revokeConfirm', { name: tok.name })} testId="token-revoke">
            <input type="hidden" name="id" value={tok.id} />
          </ActionForm>
        ),
    },
  ];
  return (
    <div>
      <PageHeader title={heading?.title ?? th('title')} subtitle={heading?.subtitle ?? th('subtitle')} />
      {nav}
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2">
          <DataTable columns={columns} rows={tokens} rowKey={(tok) => tok.id} rowProps={(tok) => ({ 'data-testid': `token-${tok.id}` })} testId="token-list" empty={t('empty')} emptyText={th('emptyText')} />
        </section>
        <Card id="new" title={t('createTitle')} hint={th('createHint')} className="card h-fit">
          <ActionForm action={createHospitalTokenAction} submitLabel={t('create')} testId="token-create">
            <Field name="name" label={t('name')} placeholder="HIS" required />
            <fieldset>
              <legend className="label">{t('scopes')}</legend>
              {HOSPITAL_TOKEN_SCOPES.map((scope) => (
                <label key={scope} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === 'verify'} disabled={scope === 'verify'} />
                  {th(`scope.${scope}`)}
                </label>
              ))}
            </fieldset>
            <TokenExpiryField />
          </ActionForm>
          <p className="mt-4 text-xs text-slate-500">{th('usage')}</p>
          <code className="mt-1 block break-all rounded bg-slate-100 px-2 py-1 text-xs">POST /api/v1/verify · POST /fhir/Observation/$verify-recognition — Authorization: Bearer lqc_…</code>
        </Card>
      </div>
    </div>
  );
}
