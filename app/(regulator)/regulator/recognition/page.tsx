import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { QUEUE_SORTS } from '@/lib/services/recognition/queue';
import { recognitionQueuePage } from '@/lib/services/recognition/queue';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { localName, localText } from '@/app/_components/local-name';
import { FilterSelect } from '@/app/_components/fields';
import { CriteriaList } from '@/app/_components/recognition/criteria-list';
import { DecisionForm, RecomputeButton } from './decision-form';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.queue');
  return { title: t('title') };
}

type Queue = Awaited<ReturnType<typeof recognitionQueuePage>>;
type ApproveRow = Queue['toApprove']['rows'][number];
type ReviewRow = Queue['toReview']['rows'][number];

/** The regulator's queue: eligible pairs to approve, certified pairs to review (flagged first),
 * each list paged, sorted and filtered on the server (a province holds hundreds of thousands). */
export default async function RecognitionQueuePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('certification.decide');
  const sp = firstValues(await searchParams);
  const one = (k: string) => (typeof sp[k] === 'string' ? (sp[k] as string) : '');
  const t = await getTranslations('recognition');
  const locale = await getLocale();
  const db = getDb();
  const analytes = await catalogueAnalytes(db, { activeOnly: true });
  const analyteId = analytes.find((a) => a.code === one('analyte'))?.id;
  const q = one('q').slice(0, 100);
  const approve = { ...readPage(sp, { sorts: QUEUE_SORTS, sort: 'lab', prefix: 'a_' }), q };
  const review = { ...readPage(sp, { sorts: QUEUE_SORTS, sort: 'lab', prefix: 'r_' }), q };
  const queue = await recognitionQueuePage(db, actor, { cityCode: one('city') || undefined, labCode: one('lab') || undefined, analyteId }, { approve, review });
  const city = (r: { regionName: string; regionNameEn: string }) => localText(locale, r.regionName, r.regionNameEn);
  const analyte = (r: { analyteCode: string; analyteNameZh: string; analyteNameEn: string }) => `${r.analyteCode} · ${localText(locale, r.analyteNameZh, r.analyteNameEn)}`;
  const select = (r: { labId: number; analyteId: number; labCode: string; analyteCode: string }) => (
    <input type="checkbox" name="pairs" value={`${r.labId}:${r.analyteId}`} aria-label={t('queue.selectPair', { lab: r.labCode, analyte: r.analyteCode })} />
  );
  const criteria = (r: { eligible: boolean | null; criteria: ApproveRow['criteria']; outdatedBy: number | null }) => (
    <>
      <details>
        <summary className="cursor-pointer text-sm">{r.eligible ? t('common.eligible') : t('common.notEligible')}</summary>
        <CriteriaList lines={r.criteria} links={false} />
      </details>
      {r.outdatedBy !== null && (
        <div className="badge-amber mt-1" data-testid="verdict-outdated">
          {t('queue.outdated', { version: r.outdatedBy })}
        </div>
      )}
    </>
  );

  const reviewColumns: Column<ReviewRow>[] = [
    { key: 'select', header: t('queue.select'), cell: select },
    {
      key: 'lab',
      header: t('common.lab'),
      sort: 'lab',
      cell: (r) => (
        <>
          <Link href={`/certificates/${encodeURIComponent(r.labCode)}`} className="text-brand-700 underline">
            {r.labCode}
          </Link>
          <div className="text-xs text-slate-500">
            {r.labName} · {city(r)}
          </div>
        </>
      ),
    },
    { key: 'analyte', header: t('common.analyte'), sort: 'analyte', cell: analyte },
    {
      key: 'status',
      header: t('common.status'),
      className: 'space-x-1',
      cell: (r) => (
        <>
          <span className={r.status === 'active' ? 'badge-green' : 'badge-amber'}>{t(`status.${r.status}`)}</span>
          <span className={r.why === 'flagged' ? 'badge-red' : 'badge-slate'}>{t(`queue.why.${r.why}`)}</span>
          {r.flagReason && <div className="mt-1 text-xs text-red-800">{r.flagReason}</div>}
        </>
      ),
    },
    {
      key: 'mark',
      header: t('common.mark'),
      cell: (r) => (
        <>
          <span className="badge-blue">{r.mark}</span>
          <div className="font-mono text-[10px] text-slate-500">{r.certificateNo}</div>
        </>
      ),
    },
    { key: 'validity', header: t('common.validity'), className: 'text-xs', cell: (r) => t('common.window', { from: r.validFrom, to: r.validTo }) },
    { key: 'criteria', header: t('common.criteria'), sort: 'computed', cell: criteria },
  ];
  const approveColumns: Column<ApproveRow>[] = [
    { key: 'select', header: t('queue.select'), cell: select },
    {
      key: 'lab',
      header: t('common.lab'),
      sort: 'lab',
      cell: (r) => (
        <>
          {r.labCode}
          <div className="text-xs text-slate-500">{r.labName}</div>
        </>
      ),
    },
    { key: 'city', header: t('common.city'), sort: 'city', cell: city },
    { key: 'analyte', header: t('common.analyte'), sort: 'analyte', cell: analyte },
    { key: 'criteria', header: t('common.criteria'), sort: 'computed', cell: criteria },
  ];

  return (
    <div data-testid="recognition-queue">
      <PageHeader
        title={t('queue.title')}
        subtitle={t('queue.subtitle', { region: localName(locale, queue.region) })}
        links={[
          { href: '/regulator/overview', label: t('queue.overviewLink') },
          { href: '/regulator/policy', label: t('queue.policyLink') },
          { href: '/regulator/calendar', label: t('calendar.link') },
        ]}
        actions={<RecomputeButton />}
      />
      <form className="card mb-6 flex flex-wrap items-end gap-3" aria-label={t('queue.filters')} role="search">
        <div>
          <label htmlFor="f-q" className="label">
            {t('queue.search')}
          </label>
          <input id="f-q" name="q" type="search" defaultValue={q} className="input" />
        </div>
        <FilterSelect id="f-city" name="city" label={t('common.city')} value={one('city')} all={t('queue.allCities')} options={queue.cities.map((c) => ({ value: c.code, label: localName(locale, c) }))} />
        <FilterSelect id="f-analyte" name="analyte" label={t('common.analyte')} value={one('analyte')} all={t('queue.allTests')} options={analytes.map((a) => ({ value: a.code, label: `${a.code} · ${localName(locale, a)}` }))} />
        {one('lab') && <input type="hidden" name="lab" value={one('lab')} />}
        <button type="submit" className="btn-secondary">
          {t('queue.apply')}
        </button>
      </form>

      <DecisionForm>
        <section className="mb-8">
          <h2 className="mb-2 text-lg font-semibold">{t('queue.toReview', { count: queue.toReview.total })}</h2>
          <DataTable
            columns={reviewColumns}
            rows={queue.toReview.rows}
            total={queue.toReview.total}
            page={review}
            prefix="r_"
            searchParams={sp}
            testId="queue-review"
            empty={t('queue.emptyReview')}
            rowKey={(r) => r.certificationId}
            rowProps={(r) => ({ className: r.flagged ? 'bg-red-50' : undefined, 'data-testid': `review-${r.labCode}-${r.analyteCode}` })}
          />
        </section>
        <section>
          <h2 className="mb-2 text-lg font-semibold">{t('queue.toApprove', { count: queue.toApprove.total })}</h2>
          <DataTable
            columns={approveColumns}
            rows={queue.toApprove.rows}
            total={queue.toApprove.total}
            more={queue.toApprove.more}
            page={approve}
            prefix="a_"
            searchParams={sp}
            testId="queue-approve"
            empty={t('queue.emptyApprove')}
            rowKey={(r) => `${r.labId}:${r.analyteId}`}
            rowProps={(r) => ({ 'data-testid': `approve-${r.labCode}-${r.analyteCode}` })}
          />
        </section>
      </DecisionForm>
    </div>
  );
}
