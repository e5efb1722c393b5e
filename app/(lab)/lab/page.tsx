import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { labDashboard } from '@/lib/services/iqc/views';
import { PageHeader } from '@/app/_components/page-header';
import { DashboardView } from '@/app/_components/iqc/dashboard-view';

export default async function LabHome() {
  const actor = await requirePage('iqc.read');
  const t = await getTranslations('common.landing');
  const ti = await getTranslations('iqc.home');
  const data = await labDashboard(getDb(), actor);
  return (
    <div data-testid="landing-lab">
      <PageHeader
        title={t('labTitle')}
        subtitle={t('labSubtitle', { lab: actor.labCode ?? '' })}
        links={[
          { href: '/lab/iqc/enter', label: ti('enter'), primary: true },
          { href: '/lab/iqc', label: ti('title') },
        ]}
      />
      <DashboardView data={data} base="/lab/iqc" readOnly={false} />
    </div>
  );
}
