import { notFound } from 'next/navigation';
import { pathId } from '@/app/_components/search-params';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountById } from '@/lib/services/read/accounts';
import { labsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { AccountEditor } from '@/app/(admin)/admin/_components/account-editor';

export default async function LabUserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const db = getDb();
  const account = await accountById(db, pathId(id));
  if (!account || account.user.role !== 'lab_manager') {
    await requirePage('labUser.manage');
    notFound();
  }
  const actor = await requirePage('labUser.manage', { labId: account.user.labId ?? undefined, regionPath: account.regionPath ?? undefined });
  const t = await getTranslations('admin');
  const labs = await labsInScope(db, actor);
  return (
    <div>
      <PageHeader title={account.user.name} subtitle={`${account.user.email} · ${account.labCode} · ${t('users.one')}`} />
      <AccountEditor account={account} labOptions={labs.map((l) => ({ value: l.code, label: `${l.code} · ${l.name}` }))} />
    </div>
  );
}
