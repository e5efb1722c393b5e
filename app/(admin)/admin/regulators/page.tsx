import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountsInScope } from '@/lib/services/read/accounts';
import { regionsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { ActionForm } from '@/app/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { createRegulatorAction } from '@/app/(regulator)/regulator/users/actions';

export default async function RegulatorsPage() {
  const actor = await requirePage('regulator.manage');
  const t = await getTranslations('admin');
  const locale = await getLocale();
  const db = getDb();
  const regulators = accountsInScope(db, actor, { role: 'regulator' });
  const regions = regionsInScope(db, actor).filter((r) => r.level !== 'national');
  return (
    <div>
      <PageHeader title={t('regulators.title')} subtitle={t('regulators.subtitle')} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2">
          {regulators.length === 0 ? (
            <EmptyState title={t('regulators.empty')} />
          ) : (
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="table" data-testid="regulator-list">
                <thead>
                  <tr>
                    <th scope="col">{t('fields.name')}</th>
                    <th scope="col">{t('fields.email')}</th>
                    <th scope="col">{t('fields.region')}</th>
                    <th scope="col">{t('fields.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {regulators.map((u) => (
                    <tr key={u.id}>
                      <td>
                        <Link href={`/admin/regulators/${u.id}`} className="font-medium text-brand-700 hover:underline">
                          {u.name}
                        </Link>
                      </td>
                      <td>{u.email}</td>
                      <td>{locale === 'zh' ? u.regionName : u.regionNameEn}</td>
                      <td>{u.active ? <span className="badge-green">{t('status.active')}</span> : <span className="badge-red">{t('status.inactive')}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="card h-fit" aria-labelledby="new-title">
          <h2 id="new-title" className="mb-3 font-semibold">
            {t('regulators.createTitle')}
          </h2>
          <ActionForm action={createRegulatorAction} submitLabel={t('form.create')} testId="regulator-create">
            <Field name="email" type="email" label={t('fields.email')} required />
            <Field name="name" label={t('fields.name')} required />
            <SelectField
              name="regionCode"
              label={t('fields.region')}
              required
              options={regions.map((r) => ({ value: r.code, label: `${locale === 'zh' ? r.name : r.nameEn} (${r.code})` }))}
            />
            <p className="text-xs text-slate-500">{t('accounts.temporaryPasswordHint')}</p>
          </ActionForm>
        </section>
      </div>
    </div>
  );
}
