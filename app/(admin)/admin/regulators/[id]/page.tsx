import { notFound } from 'next/navigation';
import { pathId } from '@/app/_components/search-params';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountById } from '@/lib/services/read/accounts';
import { regionsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { AccountEditor } from '../../_components/account-editor';

export default async function RegulatorPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePage('regulator.manage');
  const { id } = await params;
  const db = getDb();
  const account = await accountById(db, pathId(id));
  if (!account || account.user.role !== 'regulator') notFound();
  const t = await getTranslations('admin');
  const locale = await getLocale();
  const regions = (await regionsInScope(db, actor)).filter((r) => r.level !== 'national');
  return (
    <div>
      <PageHeader title={account.user.name} subtitle={`${account.user.email} · ${t('regulators.one')} · ${locale === 'zh' ? account.regionName : account.regionNameEn}`} />
      <AccountEditor account={account} regionOptions={regions.map((r) => ({ value: r.code, label: `${locale === 'zh' ? r.name : r.nameEn} (${r.code})` }))} />
    </div>
  );
}
