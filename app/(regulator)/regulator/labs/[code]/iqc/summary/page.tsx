import { requireLabIqc } from '@/app/_components/iqc/require-lab';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { monthlySummary } from '@/lib/services/iqc/summary';
import { SummaryMonthRefused, SummaryView } from '@/app/_components/iqc/summary-view';
import { firstValues } from '@/app/_components/search-params';

export default async function RegulatorSummary({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<{ month?: string }> }) {
  const { actor, code: lab } = await requireLabIqc(params);
  const { month } = firstValues(await searchParams);
  let data;
  try {
    data = await monthlySummary(getDb(), actor, { lab, month: month ?? null });
  } catch (e) {
    if (isAppError(e) && e.code === 'invalid') return <SummaryMonthRefused month={month ?? ''} error={e} />;
    throw e;
  }
  return <SummaryView data={data} exportHref={`/api/v1/iqc/summary?lab=${encodeURIComponent(lab)}&month=${data.month}`} />;
}
