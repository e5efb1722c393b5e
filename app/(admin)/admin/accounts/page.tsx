import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountsPageInScope } from '@/lib/services/read/accounts';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { ActiveBadge } from '@/app/_components/status-badge';
import { ActionForm } from '@/app/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { TabNav } from '@/app/_components/tab-nav';
import { Card } from '@/app/_components/card';
import { firstValues } from '@/app/_components/search-params';
import { createCentralAccountAction } from '@/app/(regulator)/regulator/users/actions';
import { CENTRAL_ROLES } from '@/lib/validation/admin';
import { centralRoleOf } from './roles';

const SORTS = ['name', 'email'] as const;

/** Accounts not bound to a lab or a region: hospitals and regional platforms (verification,
 * watches, webhooks), and the administrators of the installation. */
export default async function CentralAccountsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('regulator.manage');
  const t = await getTranslations('admin');
  const sp = firstValues(await searchParams);
  const role = centralRoleOf(sp.role);
  const req = readPage(sp, { sorts: SORTS, sort: 'name' });
  const accounts = await accountsPageInScope(getDb(), actor, role, req);
  const columns: Column<(typeof accounts.rows)[number]>[] = [
    {
      key: 'name',
      header: t('fields.name'),
      sort: 'name',
      cell: (u) => (
        <Link href={`/admin/accounts/${u.id}`} className="font-medium text-brand-700 hover:underline">
          {u.name}
        </Link>
      ),
    },
    { key: 'email', header: t('fields.email'), sort: 'email', cell: (u) => u.email },
    { key: 'status', header: t('fields.status'), cell: (u) => <ActiveBadge active={u.active} /> },
  ];
  return (
    <div>
      <PageHeader title={t('centralAccounts.title')} subtitle={t('centralAccounts.subtitle')} />
      <TabNav
        label={t('centralAccounts.title')}
        active={role}
        tabs={CENTRAL_ROLES.map((r) => ({ key: r, href: `/admin/accounts?role=${r}`, text: t(`centralAccounts.roles.${r}`) }))}
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2">
          <p className="mb-3 text-sm text-slate-600">{t(`centralAccounts.about.${role}`, { count: accounts.total })}</p>
          <DataTable
            columns={columns}
            rows={accounts.rows}
            total={accounts.total}
            page={req}
            searchParams={sp}
            filter={t('centralAccounts.searchPlaceholder')}
            rowKey={(u) => u.id}
            testId="account-list"
            empty={t(`centralAccounts.empty.${role}`)}
          />
        </section>
        <Card id="new" title={t('centralAccounts.createTitle')} className="card h-fit">
          <ActionForm action={createCentralAccountAction} submitLabel={t('form.create')} testId="account-create">
            <SelectField name="role" label={t('fields.role')} required defaultValue={role} options={CENTRAL_ROLES.map((r) => ({ value: r, label: t(`centralAccounts.roles.${r}`) }))} />
            <Field name="email" type="email" label={t('fields.email')} required />
            <Field name="name" label={t('fields.name')} hint={t('centralAccounts.nameHint')} required />
            <p className="text-xs text-slate-500">{t('accounts.temporaryPasswordHint')}</p>
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
