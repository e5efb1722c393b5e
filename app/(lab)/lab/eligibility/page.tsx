import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { ownEligibility } from '@/lib/services/read/own-lab';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { CriteriaList } from '@/app/_components/recognition/criteria-list';
import { localText } from '@/app/_components/local-name';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.eligibility');
  return { title: t('title') };
}

/** The lab manager's own verdicts: what meets the policy, what is missing, with links to evidence. */
export default async function EligibilityPage() {
  const actor = await requirePage('eligibility.read');
  const t = await getTranslations('recognition');
  const locale = await getLocale();
  const format = await getFormatter(); // China time (lib/i18n/request.ts), as every time the app shows
  // scoped in SQL to the actor's own lab
  const rows = await ownEligibility(getDb(), actor);
  return (
    <div data-testid="eligibility-page">
      <PageHeader title={t('eligibility.title')} subtitle={t('eligibility.subtitle')} />
      {rows.length === 0 ? (
        <EmptyState title={t('eligibility.none')} />
      ) : (
        <div className="space-y-3">
          {rows.map((r) => (
            <details key={r.analyteId} className="card" open={!r.eligible && r.criteria.some((l) => l.key === 'listed' && l.met)} data-testid={`eligibility-${r.analyteCode}`}>
              <summary className="flex cursor-pointer flex-wrap items-center gap-2">
                <span className="font-medium">
                  {r.analyteCode} · {localText(locale, r.analyteNameZh, r.analyteNameEn)}
                </span>
                <span className={r.eligible ? 'badge-green' : 'badge-red'}>{r.eligible ? t('common.eligible') : t('common.notEligible')}</span>
                {r.mark && r.certStatus && (
                  <span className={r.certStatus === 'active' ? 'badge-blue' : 'badge-amber'}>
                    {t('eligibility.certified', { mark: r.mark, validTo: r.validTo ?? '' })} · {t(`status.${r.certStatus}`)}
                  </span>
                )}
                {!r.eligible && (
                  <span className="text-xs text-slate-600">
                    {t('eligibility.missing')}: {r.criteria.filter((l) => !l.met).map((l) => t(`criteria.${l.key}` as 'criteria.cv')).join(t('eligibility.separator'))}
                  </span>
                )}
              </summary>
              <div className="mt-3">
                <CriteriaList lines={r.criteria} />
                <p className="mt-2 text-xs text-slate-500">{t('common.computedAt', { at: format.dateTime(new Date(r.computedAt), { dateStyle: 'medium', timeStyle: 'short' }) })}</p>
              </div>
            </details>
          ))}
        </div>
      )}
    </div>
  );
}
