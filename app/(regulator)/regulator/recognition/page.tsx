import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { listAnalytes } from '@/db/queries/analytes';
import { listLabs } from '@/db/queries/labs';
import { recognitionQueue } from '@/lib/services/recognition/queue';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { CriteriaList } from '@/app/_components/recognition/criteria-list';
import { DecisionForm, RecomputeButton } from './decision-form';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.queue');
  return { title: t('title') };
}

type Search = { city?: string; lab?: string; analyte?: string };

/** The regulator's queue: eligible pairs to approve, certified pairs to review (flagged first). */
export default async function RecognitionQueuePage({ searchParams }: { searchParams: Promise<Search> }) {
  const actor = await requirePage('certification.decide');
  const sp = await searchParams;
  const t = await getTranslations('recognition');
  const zh = (await getLocale()) === 'zh';
  const db = getDb();
  const analytes = listAnalytes(db, { activeOnly: true });
  const labs = listLabs(db, { withinPath: actor.regionPath, activeOnly: true, limit: 2000 });
  const labId = labs.find((l) => l.code === sp.lab)?.id;
  const analyteId = analytes.find((a) => a.code === sp.analyte)?.id;
  const q = recognitionQueue(db, actor, { cityCode: sp.city || undefined, labId, analyteId });
  const name = (r: { analyteNameZh: string; analyteNameEn: string }) => (zh ? r.analyteNameZh : r.analyteNameEn);
  const city = (r: { regionName: string; regionNameEn: string }) => (zh ? r.regionName : r.regionNameEn);

  return (
    <div data-testid="recognition-queue">
      <PageHeader
        title={t('queue.title')}
        subtitle={t('queue.subtitle', { region: zh ? q.region.name : q.region.nameEn })}
        actions={
          <>
            <Link href="/regulator/overview" className="btn-secondary">
              {t('queue.overviewLink')}
            </Link>
            <Link href="/regulator/policy" className="btn-secondary">
              {t('queue.policyLink')}
            </Link>
            <Link href="/regulator/calendar" className="btn-secondary">
              {t('calendar.link')}
            </Link>
            <RecomputeButton />
          </>
        }
      />
      <form className="card mb-6 flex flex-wrap items-end gap-3" aria-label={t('queue.filters')}>
        <div>
          <label htmlFor="f-city" className="label">
            {t('common.city')}
          </label>
          <select id="f-city" name="city" defaultValue={sp.city ?? ''} className="input">
            <option value="">{t('queue.allCities')}</option>
            {q.cities.map((c) => (
              <option key={c.code} value={c.code}>
                {zh ? c.name : c.nameEn}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-lab" className="label">
            {t('common.lab')}
          </label>
          <select id="f-lab" name="lab" defaultValue={sp.lab ?? ''} className="input">
            <option value="">{t('queue.allLabs')}</option>
            {labs.map((l) => (
              <option key={l.code} value={l.code}>
                {l.code} · {l.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-analyte" className="label">
            {t('common.analyte')}
          </label>
          <select id="f-analyte" name="analyte" defaultValue={sp.analyte ?? ''} className="input">
            <option value="">{t('queue.allTests')}</option>
            {analytes.map((a) => (
              <option key={a.code} value={a.code}>
                {a.code} · {zh ? a.nameZh : a.nameEn}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn-secondary">
          {t('queue.apply')}
        </button>
      </form>

      <DecisionForm>
        <section className="mb-8">
          <h2 className="mb-2 text-lg font-semibold">{t('queue.toReview', { count: q.toReview.length })}</h2>
          {q.toReview.length === 0 ? (
            <EmptyState title={t('queue.emptyReview')} />
          ) : (
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="table" data-testid="queue-review">
                <thead>
                  <tr>
                    <th>{t('queue.select')}</th>
                    <th>{t('common.lab')}</th>
                    <th>{t('common.analyte')}</th>
                    <th>{t('common.status')}</th>
                    <th>{t('common.mark')}</th>
                    <th>{t('common.validity')}</th>
                    <th>{t('common.criteria')}</th>
                  </tr>
                </thead>
                <tbody>
                  {q.toReview.map((r) => (
                    <tr key={r.certificationId} className={r.flagged ? 'bg-red-50' : undefined} data-testid={`review-${r.labCode}-${r.analyteCode}`}>
                      <td>
                        <input type="checkbox" name="pairs" value={`${r.labId}:${r.analyteId}`} aria-label={t('queue.selectPair', { lab: r.labCode, analyte: r.analyteCode })} />
                      </td>
                      <td>
                        <Link href={`/certificates/${encodeURIComponent(r.labCode)}`} className="text-brand-700 underline">
                          {r.labCode}
                        </Link>
                        <div className="text-xs text-slate-500">
                          {r.labName} · {city(r)}
                        </div>
                      </td>
                      <td>
                        {r.analyteCode} · {name(r)}
                      </td>
                      <td className="space-x-1">
                        <span className={r.status === 'active' ? 'badge-green' : 'badge-amber'}>{t(`status.${r.status}`)}</span>
                        <span className={r.why === 'flagged' ? 'badge-red' : 'badge-slate'}>{t(`queue.why.${r.why}`)}</span>
                        {r.flagReason && <div className="mt-1 text-xs text-red-800">{r.flagReason}</div>}
                      </td>
                      <td>
                        <span className="badge-blue">{r.mark}</span>
                        <div className="font-mono text-[10px] text-slate-500">{r.certificateNo}</div>
                      </td>
                      <td className="text-xs">{t('common.window', { from: r.validFrom, to: r.validTo })}</td>
                      <td>
                        <details>
                          <summary className="cursor-pointer text-sm">{r.eligible ? t('common.eligible') : t('common.notEligible')}</summary>
                          <CriteriaList lines={r.criteria} links={false} />
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section>
          <h2 className="mb-2 text-lg font-semibold">{t('queue.toApprove', { count: q.toApprove.length })}</h2>
          {q.toApprove.length === 0 ? (
            <EmptyState title={t('queue.emptyApprove')} />
          ) : (
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="table" data-testid="queue-approve">
                <thead>
                  <tr>
                    <th>{t('queue.select')}</th>
                    <th>{t('common.lab')}</th>
                    <th>{t('common.city')}</th>
                    <th>{t('common.analyte')}</th>
                    <th>{t('common.criteria')}</th>
                  </tr>
                </thead>
                <tbody>
                  {q.toApprove.map((r) => (
                    <tr key={`${r.labId}:${r.analyteId}`} data-testid={`approve-${r.labCode}-${r.analyteCode}`}>
                      <td>
                        <input type="checkbox" name="pairs" value={`${r.labId}:${r.analyteId}`} aria-label={t('queue.selectPair', { lab: r.labCode, analyte: r.analyteCode })} />
                      </td>
                      <td>
                        {r.labCode}
                        <div className="text-xs text-slate-500">{r.labName}</div>
                      </td>
                      <td>{city(r)}</td>
                      <td>
                        {r.analyteCode} · {name(r)}
                      </td>
                      <td>
                        <details>
                          <summary className="cursor-pointer text-sm">{t('common.eligible')}</summary>
                          <CriteriaList lines={r.criteria} links={false} />
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </DecisionForm>
    </div>
  );
}
