import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { ACTION_SORTS, correctiveActionPage } from '@/lib/services/iqc/views';
import { readPage, type SearchParams } from '@/app/_components/data-table';
import { PageHeader } from '@/app/_components/page-header';
import { ActionsList } from '@/app/_components/iqc/actions-list';
import { firstValues } from '@/app/_components/search-params';

export default async function ActionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('iqc.read');
  const sp = firstValues(await searchParams);
  const req = readPage(sp, { sorts: ACTION_SORTS, sort: 'opened', dir: 'desc' });
  const t = await getTranslations('iqc.actions');
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <ActionsList page={await correctiveActionPage(getDb(), actor, {}, req)} req={req} searchParams={sp} base="/lab/iqc" readOnly={false} />
    </div>
  );
}
