import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { PageHeader } from '@/app/_components/page-header';
import { SectionGrid } from '@/app/_components/section-grid';

export default async function LabHome() {
  const actor = await requirePage('iqc.read');
  const t = await getTranslations('common.landing');
  return (
    <div data-testid="landing-lab">
      <PageHeader title={t('labTitle')} subtitle={t('labSubtitle', { lab: actor.labCode ?? '' })} />
      <SectionGrid actor={actor} exclude={['/lab']} />
    </div>
  );
}
