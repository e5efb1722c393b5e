import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { hospitalTokens } from '@/lib/services/hospital/tokens';
import { HOSPITAL_TOKEN_SCOPES } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { Card } from '@/app/_components/card';
import { TokenExpiryField, tokenColumns } from '@/app/_components/token-fields';
import { createHospitalTokenAction, revokeHospitalTokenAction } from '../actions';

/** The page body, shared by the hospital workspace and the regulator's platform pages (the same
 * services, keyed by the signed-in account): `nav` is the tab row, `heading` the title and subtitle. */
export async function TokensView({ nav, heading }: { nav: React.ReactNode; heading?: { title: string; subtitle: string } }) {
  const actor = await requirePage('verifyToken.manage');
  const t = await getTranslations('admin.tokens');
  const th = await getTranslations('hospital.tokens');
  const tokens = await hospitalTokens(getDb(), actor);
  const now = Date.now();
  const columns: Column<(typeof tokens)[number]>[] = [
    { key: 'name', header: t('name'), cell: (tok) => tok.name },
    ...(await tokenColumns<(typeof tokens)[number]>({ revoke: revokeHospitalTokenAction, expiry: false, now })),
  ];
  return (
    <div>
      <PageHeader title={heading?.title ?? th('title')} subtitle={heading?.subtitle ?? th('subtitle')} />
      {nav}
      {/* grid-cols-1: a track of minmax(0, 1fr), not auto, so a wide table scrolls in its box on a phone instead of widening the page */}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
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
