import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { ownLabScope } from '@/lib/services/read/places';
import { ownLabTokens } from '@/lib/services/read/accounts';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { LAB_TOKEN_SCOPES } from '@/db/enums';
import { createTokenAction, revokeTokenAction } from './actions';
import { Card } from '@/app/_components/card';
import { TokenExpiryField, tokenColumns } from '@/app/_components/token-fields';

const SCOPE_KEY: Record<(typeof LAB_TOKEN_SCOPES)[number], 'iqcWrite' | 'eqaSubmit' | 'read'> = { 'iqc:write': 'iqcWrite', 'eqa:submit': 'eqaSubmit', read: 'read' };

export default async function TokensPage() {
  const base = await requirePage('apiToken.manage');
  const db = getDb();
  const actor = await requirePage('apiToken.manage', await ownLabScope(db, base));
  const t = await getTranslations('admin.tokens');
  const tokens = await ownLabTokens(db, actor);
  const now = Date.now();
  const columns: Column<(typeof tokens)[number]>[] = [
    {
      key: 'name',
      header: t('name'),
      cell: (tok) => (
        <>
          {tok.name}
          <div className="text-xs text-slate-500">{tok.createdBy}</div>
        </>
      ),
    },
    ...(await tokenColumns<(typeof tokens)[number]>({ revoke: revokeTokenAction, expiry: true, now })),
  ];
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle', { lab: actor.labCode ?? '' })} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2" aria-labelledby="list-title">
          <h2 id="list-title" className="sr-only">
            {t('listTitle')}
          </h2>
          <DataTable
            columns={columns}
            rows={tokens}
            rowKey={(tok) => tok.id}
            rowProps={(tok) => ({ 'data-testid': `token-${tok.id}` })}
            testId="token-list"
            empty={t('empty')}
            emptyText={t('emptyText')}
          />
        </section>
        <Card id="new" title={t('createTitle')} hint={t('createHint')} className="card h-fit">
          <ActionForm action={createTokenAction} submitLabel={t('create')} testId="token-create">
            <Field name="name" label={t('name')} placeholder={t('namePlaceholder')} required />
            <fieldset>
              <legend className="label">{t('scopes')}</legend>
              <p className="mb-1 text-xs text-slate-500">{t('scopesHint')}</p>
              {LAB_TOKEN_SCOPES.map((scope) => (
                <label key={scope} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name="scopes" value={scope} defaultChecked={scope !== 'eqa:submit'} />
                  {t(`scopeNames.${SCOPE_KEY[scope]}`)}
                </label>
              ))}
            </fieldset>
            <TokenExpiryField />
          </ActionForm>
          <p className="mt-4 text-xs text-slate-500">{t('usage')}</p>
          <code className="mt-1 block break-all rounded bg-slate-100 px-2 py-1 text-xs">Authorization: Bearer lqc_…</code>
        </Card>
      </div>
    </div>
  );
}
