import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountsInScope } from '@/lib/services/read/accounts';
import { regionsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localName, localText } from '@/app/_components/local-name';
import { ActiveBadge } from '@/app/_components/status-badge';
import { ActionForm } from '@/app/_components/action-form';
import { Field, SelectField } from '@/app/_components/fields';
import { createRegulatorAction } from '@/app/(regulator)/regulator/users/actions';
import { Card } from '@/app/_components/card';

export default async function RegulatorsPage() {
  const actor = await requirePage('regulator.manage');
  const t = await getTranslations('admin');
  const locale = await getLocale();
  const db = getDb();
  const regulators = await accountsInScope(db, actor, { role: 'regulator' });
  const regions = (await regionsInScope(db, actor)).filter((r) => r.level !== 'national');
  const columns: Column<(typeof regulators)[number]>[] = [
    {
      key: 'name',
      header: t('fields.name'),
      cell: (u) => (
        <Link href={`/admin/regulators/${u.id}`} className="font-medium text-brand-700 hover:underline">
          {u.name}
        </Link>
      ),
    },
    { key: 'email', header: t('fields.email'), cell: (u) => u.email },
    { key: 'region', header: t('fields.region'), cell: (u) => localText(locale, u.regionName ?? '', u.regionNameEn) },
    { key: 'status', header: t('fields.status'), cell: (u) => <ActiveBadge active={u.active} /> },
  ];
  return (
    <div>
      <PageHeader title={t('regulators.title')} subtitle={t('regulators.subtitle')} />
      <div className="grid gap-6 lg:grid-cols-3">
        <section className="lg:col-span-2">
          <DataTable columns={columns} rows={regulators} rowKey={(u) => u.id} testId="regulator-list" empty={t('regulators.empty')} />
        </section>
        <Card id="new" title={t('regulators.createTitle')} className="card h-fit">
          <ActionForm action={createRegulatorAction} submitLabel={t('form.create')} testId="regulator-create">
            <Field name="email" type="email" label={t('fields.email')} required />
            <Field name="name" label={t('fields.name')} required />
            <SelectField
              name="regionCode"
              label={t('fields.region')}
              required
              options={regions.map((r) => ({ value: r.code, label: `${localName(locale, r)} (${r.code})` }))}
            />
            <p className="text-xs text-slate-500">{t('accounts.temporaryPasswordHint')}</p>
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
