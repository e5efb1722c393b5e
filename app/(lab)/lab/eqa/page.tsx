import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { listRounds } from '@/lib/services/eqa/rounds';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { RoundTable } from '@/app/_components/eqa/round-table';

export default async function LabEqaPage() {
  const actor = await requirePage('eqaRound.read');
  const t = await getTranslations('eqa');
  const rounds = listRounds(getDb(), actor);
  return (
    <div>
      <PageHeader title={t('lab.title')} subtitle={t('lab.subtitle', { lab: actor.labCode ?? '' })} />
      {rounds.length === 0 ? (
        <EmptyState title={t('lab.noRounds')} />
      ) : (
        <RoundTable rounds={rounds} hrefBase="/lab/eqa" testId="eqa-lab-rounds" />
      )}
    </div>
  );
}
