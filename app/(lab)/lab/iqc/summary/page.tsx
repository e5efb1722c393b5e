import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { monthlySummary } from '@/lib/services/iqc/summary';
import { PageHeader } from '@/app/_components/page-header';
import { SummaryMonthRefused, SummaryView } from '@/app/_components/iqc/summary-view';
import { firstValues } from '@/app/_components/search-params';

export default async function SummaryPage({ searchParams }: { searchParams: Promise<{ month?: string }> }) {
  const actor = await requirePage('iqc.read');
  const t = await getTranslations('iqc.summary');
  const { month } = firstValues(await searchParams);
  let data;
  try {
    data = await monthlySummary(getDb(), actor, { month: month ?? null });
  } catch (e) {
    // a month that is not one: the picker again with why (another refusal, e.g. no lab, is a 404)
    if (isAppError(e) && e.code === 'invalid') {
      return (
        <div>
          <PageHeader title={t('title')} subtitle={t('subtitle')} />
          <SummaryMonthRefused month={month ?? ''} error={e} />
        </div>
      );
    }
    if (isAppError(e)) notFound();
    throw e;
  }
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <SummaryView data={data} exportHref={`/api/v1/iqc/summary?month=${data.month}`} />
    </div>
  );
}
