import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { jurisdictionCounts } from '@/db/queries/counts';
import { PageHeader } from '@/app/_components/page-header';
import { SectionGrid } from '@/app/_components/section-grid';
import { StatTile } from '@/app/_components/stat-tile';

export default async function RegulatorHome() {
  const actor = await requirePage('overview.read');
  const t = await getTranslations('common.landing');
  const c = jurisdictionCounts(getDb(), actor.regionPath);
  return (
    <div data-testid="landing-regulator">
      <PageHeader title={t('regulatorTitle')} subtitle={t('regulatorSubtitle', { region: actor.regionCode ?? '' })} />
      <div className="mb-6 grid grid-cols-2 gap-4 md:grid-cols-4">
        <StatTile label={t('labs')} value={c.labs} />
        <StatTile label={t('regions')} value={c.regions} />
      </div>
      <SectionGrid actor={actor} exclude={['/regulator']} />
    </div>
  );
}
