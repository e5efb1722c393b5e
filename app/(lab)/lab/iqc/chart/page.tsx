import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { iqcAnalytes } from '@/lib/services/iqc/views';
import { instrumentCharts } from '@/lib/services/iqc/charts';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { ChartRangeRefused, ChartView } from '@/app/_components/iqc/chart-view';
import { chartResultPages } from '@/app/_components/iqc/chart-results';
import { ExcludeForm } from '@/app/_components/iqc/exclude-form';
import { excludeResultAction, includeResultAction } from '../exclude-action';
import { firstValues } from '@/app/_components/search-params';

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export default async function ChartPage({ searchParams }: { searchParams: Search }) {
  const actor = await requirePage('iqc.read');
  const t = await getTranslations('iqc.chart');
  const sp = firstValues(await searchParams);
  const db = getDb();
  const analytes = await iqcAnalytes(db, actor);
  const code = one(sp.analyte) ?? analytes[0]?.code;
  if (!code) return <EmptyState title={t('noData')} />;
  let data;
  try {
    data = await instrumentCharts(db, actor, { analyte: code, from: one(sp.from), to: one(sp.to), instrument: one(sp.instrument) });
  } catch (e) {
    // a range it cannot draw: the form again with what was sent and why
    if (isAppError(e) && e.code === 'invalid') {
      return (
        <div>
          <PageHeader title={t('title')} subtitle={t('subtitle')} />
          <ChartRangeRefused error={e} analytes={analytes} analyte={code} searchParams={sp} />
        </div>
      );
    }
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <ChartView
        data={data}
        results={await chartResultPages(db, actor, data, sp)}
        searchParams={sp}
        base="/lab/iqc"
        readOnly={false}
        analytes={analytes}
        excludeControl={(p) => <ExcludeForm resultId={p.resultId} excluded={p.excluded} reason={p.excludedReason} excludeAction={excludeResultAction} includeAction={includeResultAction} />}
      />
    </div>
  );
}
