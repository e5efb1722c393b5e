import { notFound, redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { pathId } from '@/app/_components/search-params';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { accountById, hospitalSetupOf } from '@/lib/services/read/accounts';
import { PageHeader } from '@/app/_components/page-header';
import { StatTile } from '@/app/_components/stat-tile';
import { AccountEditor } from '../../_components/account-editor';

/** A hospital's or an administrator's account: edit, deactivate, reset its password, its history;
 * for a hospital, what it has set up (tokens, watches, webhooks), all of which stop with it. */
export default async function CentralAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requirePage('regulator.manage');
  const { id } = await params;
  const db = getDb();
  const account = await accountById(db, pathId(id));
  if (!account) notFound();
  if (account.user.role === 'regulator') redirect(`/admin/regulators/${account.user.id}`);
  if (account.user.role !== 'hospital' && account.user.role !== 'admin') notFound();
  const t = await getTranslations('admin');
  const setup = account.user.role === 'hospital' ? await hospitalSetupOf(db, actor, account.user.id) : null;
  return (
    <div>
      <PageHeader title={account.user.name} subtitle={`${account.user.email} · ${t(`centralAccounts.roles.${account.user.role}`)}`} />
      {setup && (
        <section aria-label={t('centralAccounts.setupTitle')} className="mb-6 grid grid-cols-1 gap-4 sm:grid-cols-3" data-testid="hospital-setup">
          <StatTile label={t('centralAccounts.liveTokens')} value={setup.liveTokens} />
          <StatTile label={t('centralAccounts.watches')} value={setup.watches} />
          <StatTile label={t('centralAccounts.activeEndpoints')} value={setup.activeEndpoints} />
        </section>
      )}
      <AccountEditor account={account} />
    </div>
  );
}
