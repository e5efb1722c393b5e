import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { listUsers } from '@/db/queries/users';
import { listLabs } from '@/db/queries/labs';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { ActionForm } from '@/app/(admin)/admin/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { createLabManagerAction } from './actions';

export default async function LabUsersPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const actor = await requirePage('labUser.manage');
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const { q: rawQ } = await searchParams;
  const q = rawQ?.trim().slice(0, 100) || undefined;
  const db = getDb();
  const accounts = listUsers(db, { role: 'lab_manager', withinPath: actor.regionPath, q });
  const labs = listLabs(db, { withinPath: actor.regionPath, activeOnly: true });
  return (
    <div>
      <PageHeader title={t('users.title')} subtitle={t('users.subtitle', { count: accounts.length })} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2">
          <form method="get" role="search" className="mb-3 flex gap-2" aria-label={t('users.search')}>
            <label htmlFor="q" className="sr-only">
              {t('users.search')}
            </label>
            <input id="q" name="q" defaultValue={q} className="input" placeholder={t('users.searchPlaceholder')} />
            <button type="submit" className="btn-secondary">
              {tc('actions.search')}
            </button>
          </form>
          {accounts.length === 0 ? (
            <EmptyState title={t('users.empty')} />
          ) : (
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="table" data-testid="user-list">
                <thead>
                  <tr>
                    <th scope="col">{t('fields.name')}</th>
                    <th scope="col">{t('fields.email')}</th>
                    <th scope="col">{t('fields.lab')}</th>
                    <th scope="col">{t('fields.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {accounts.map((u) => (
                    <tr key={u.id}>
                      <td>
                        <Link href={`/regulator/users/${u.id}`} className="font-medium text-brand-700 hover:underline">
                          {u.name}
                        </Link>
                      </td>
                      <td>{u.email}</td>
                      <td className="font-mono">{u.labCode}</td>
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
            {t('users.createTitle')}
          </h2>
          <ActionForm action={createLabManagerAction} submitLabel={t('form.create')} testId="user-create">
            <Field name="email" type="email" label={t('fields.email')} required />
            <Field name="name" label={t('fields.name')} required />
            <SelectField name="labCode" label={t('fields.lab')} required options={labs.map((l) => ({ value: l.code, label: `${l.code} · ${l.name}` }))} />
            <p className="text-xs text-slate-500">{t('accounts.temporaryPasswordHint')}</p>
          </ActionForm>
        </section>
      </div>
    </div>
  );
}
