import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountsPageInScope, USER_SORTS } from '@/lib/services/read/accounts';
import { labsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { ActiveBadge } from '@/app/_components/status-badge';
import { ActionForm } from '@/app/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { createLabManagerAction } from './actions';
import { Card } from '@/app/_components/card';
import { firstValues } from '@/app/_components/search-params';

export default async function LabUsersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('labUser.manage');
  const t = await getTranslations('admin');
  const sp = firstValues(await searchParams);
  const req = readPage(sp, { sorts: USER_SORTS, sort: 'lab' });
  const db = getDb();
  const accounts = await accountsPageInScope(db, actor, 'lab_manager', req);
  const labs = await labsInScope(db, actor, { activeOnly: true });
  const columns: Column<(typeof accounts.rows)[number]>[] = [
    {
      key: 'name',
      header: t('fields.name'),
      sort: 'name',
      cell: (u) => (
        <Link href={`/regulator/users/${u.id}`} className="font-medium text-brand-700 hover:underline">
          {u.name}
        </Link>
      ),
    },
    { key: 'email', header: t('fields.email'), sort: 'email', cell: (u) => u.email },
    { key: 'lab', header: t('fields.lab'), sort: 'lab', className: 'font-mono', cell: (u) => u.labCode },
    { key: 'status', header: t('fields.status'), cell: (u) => <ActiveBadge active={u.active} /> },
  ];
  return (
    <div>
      <PageHeader title={t('users.title')} subtitle={t('users.subtitle', { count: accounts.total })} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2">
          <DataTable
            columns={columns}
            rows={accounts.rows}
            total={accounts.total}
            page={req}
            searchParams={sp}
            filter={t('users.searchPlaceholder')}
            rowKey={(u) => u.id}
            testId="user-list"
            empty={t('users.empty')}
          />
        </section>
        <Card id="new" title={t('users.createTitle')} className="card h-fit">
          <ActionForm action={createLabManagerAction} submitLabel={t('form.create')} testId="user-create">
            <Field name="email" type="email" label={t('fields.email')} required />
            <Field name="name" label={t('fields.name')} required />
            <SelectField name="labCode" label={t('fields.lab')} required options={labs.map((l) => ({ value: l.code, label: `${l.code} · ${l.name}` }))} />
            <p className="text-xs text-slate-500">{t('accounts.temporaryPasswordHint')}</p>
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
