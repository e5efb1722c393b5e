import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { countsInScope } from '@/lib/services/read/places';
import { roundsToAct } from '@/lib/services/read/eqa';
import { recognitionQueueCounts } from '@/lib/services/recognition/queue';
import { PageHeader } from '@/app/_components/page-header';
import { SectionGrid } from '@/app/_components/section-grid';
import { StatTile } from '@/app/_components/stat-tile';

export default async function RegulatorHome() {
  const actor = await requirePage('overview.read');
  const t = await getTranslations('common.landing');
  const th = await getTranslations('admin.regulatorHome');
  const zh = (await getLocale()) === 'zh';
  const db = getDb();
  const c = await countsInScope(db, actor);
  const { open: openRounds, toEvaluate } = await roundsToAct(db, actor);
  const queue = await recognitionQueueCounts(db, actor);
  const region = zh ? queue.region.name : queue.region.nameEn;
  return (
    <div data-testid="landing-regulator">
      <PageHeader title={t('regulatorTitle')} subtitle={th('subtitle', { region, code: queue.region.code })} />
      <div className="mb-6 grid grid-cols-2 gap-4 md:grid-cols-4" data-testid="regulator-headline">
        <StatTile label={t('labs')} value={c.labs} hint={th('labsHint', { regions: c.regions })} href="/regulator/labs" />
        <StatTile label={th('openRounds')} value={openRounds} hint={toEvaluate ? th('toEvaluate', { count: toEvaluate }) : th('openRoundsHint')} href="/regulator/eqa" />
        <StatTile
          label={th('awaitingDecision')}
          value={queue.toApprove + queue.toReview}
          hint={th('awaitingDecisionHint', { approve: queue.toApprove, review: queue.toReview })}
          href="/regulator/recognition"
        />
        <StatTile label={th('flagged')} value={queue.flagged} hint={th('flaggedHint')} href="/regulator/recognition" />
      </div>
      <SectionGrid actor={actor} exclude={['/regulator']} />
    </div>
  );
}
