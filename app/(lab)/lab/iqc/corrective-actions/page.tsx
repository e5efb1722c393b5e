import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { correctiveActionList } from '@/lib/services/iqc/views';
import { PageHeader } from '@/app/_components/page-header';
import { ActionsList } from '@/app/_components/iqc/actions-list';

export default async function ActionsPage() {
  const actor = await requirePage('iqc.read');
  const t = await getTranslations('iqc.actions');
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <ActionsList items={correctiveActionList(getDb(), actor)} base="/lab/iqc" readOnly={false} />
    </div>
  );
}
