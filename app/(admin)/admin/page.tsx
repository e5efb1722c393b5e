import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { countsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { SectionGrid } from '@/app/_components/section-grid';
import { StatTile } from '@/app/_components/stat-tile';

export default async function AdminHome() {
  const actor = await requirePage('region.manage');
  const t = await getTranslations('common.landing');
  const c = await countsInScope(getDb(), actor);
  return (
    <div data-testid="landing-admin">
      <PageHeader title={t('adminTitle')} subtitle={t('adminSubtitle')} />
      <div className="mb-6 grid grid-cols-2 gap-4 md:grid-cols-4">
        <StatTile label={t('regions')} value={c.regions} />
        <StatTile label={t('labs')} value={c.labs} />
        <StatTile label={t('users')} value={c.users} />
        <StatTile label={t('analytes')} value={c.analytes} />
      </div>
      <SectionGrid actor={actor} exclude={['/admin']} />
    </div>
  );
}
