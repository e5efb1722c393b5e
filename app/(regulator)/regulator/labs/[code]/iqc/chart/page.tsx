import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { requireLabIqc } from '@/app/_components/iqc/require-lab';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { iqcAnalytes } from '@/lib/services/iqc/views';
import { instrumentCharts } from '@/lib/services/iqc/charts';
import { EmptyState } from '@/app/_components/empty-state';
import { ChartRangeRefused, ChartView } from '@/app/_components/iqc/chart-view';
import { chartResultPages } from '@/app/_components/iqc/chart-results';
import { firstValues } from '@/app/_components/search-params';

type Search = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export default async function RegulatorChart({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Search }) {
  const { actor, code: lab } = await requireLabIqc(params);
  const t = await getTranslations('iqc.chart');
  const sp = firstValues(await searchParams);
  const db = getDb();
  const analytes = await iqcAnalytes(db, actor, lab);
  const code = one(sp.analyte) ?? analytes[0]?.code;
  if (!code) return <EmptyState title={t('noData')} />;
  let data;
  try {
    data = await instrumentCharts(db, actor, { lab, analyte: code, from: one(sp.from), to: one(sp.to), instrument: one(sp.instrument) });
  } catch (e) {
    // a range it cannot draw: the form again with what was sent and why
    if (isAppError(e) && e.code === 'invalid') return <ChartRangeRefused error={e} analytes={analytes} analyte={code} searchParams={sp} />;
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
  return <ChartView data={data} results={await chartResultPages(db, actor, data, sp)} searchParams={sp} base={`/regulator/labs/${encodeURIComponent(lab)}/iqc`} readOnly analytes={analytes} />;
}
