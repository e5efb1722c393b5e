import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { roundsPage } from '@/lib/services/read/eqa';
import { PageHeader } from '@/app/_components/page-header';
import type { SearchParams } from '@/app/_components/data-table';
import { RoundTable, roundsRequest } from '@/app/_components/eqa/round-table';
import { firstValues } from '@/app/_components/search-params';

export default async function LabEqaPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('eqaRound.read');
  const t = await getTranslations('eqa');
  const sp = firstValues(await searchParams);
  const page = roundsRequest(sp);
  const rounds = await roundsPage(getDb(), actor, page);
  return (
    <div>
      <PageHeader title={t('lab.title')} subtitle={t('lab.subtitle', { lab: actor.labCode ?? '' })} />
      <RoundTable rounds={rounds} page={page} searchParams={sp} hrefBase="/lab/eqa" testId="eqa-lab-rounds" empty={t('lab.noRounds')} />
    </div>
  );
}
