import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { labRoundReport } from '@/lib/services/eqa/reports';
import { PageHeader } from '@/app/_components/page-header';
import { LabReportSection } from '@/app/_components/eqa/lab-report';
import { PrintButton } from '@/app/_components/print-button';
import { pageRead } from '@/app/_components/eqa/page-errors';
import { firstValues } from '@/app/_components/search-params';

export default async function RegulatorLabReportPage({ params, searchParams }: { params: Promise<{ code: string; lab: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const actor = await requirePage('eqaResult.read');
  const p = await params;
  const code = decodeURIComponent(p.code);
  const lab = decodeURIComponent(p.lab);
  const t = await getTranslations('eqa');
  const db = getDb();
  // checks access (403/404) and that the round is evaluated before rendering the charts
  const check = await pageRead(async () => await labRoundReport(db, actor, { roundCode: code, labCode: lab }));
  return (
    <div className="space-y-6">
      <PageHeader
        title={t('report.title', { round: code, lab })}
        subtitle={
          <Link href={`/regulator/eqa/rounds/${encodeURIComponent(code)}`} className="text-brand-700 hover:underline">
            {t('regulator.backToRound')}
          </Link>
        }
        actions={<PrintButton label={t('report.print')} />}
      />
      {check.conflict ? (
        <p className="card text-sm">{check.conflict}</p>
      ) : (
        <LabReportSection db={db} actor={actor} roundCode={code} labCode={lab} search={firstValues(await searchParams)} basePath={`/regulator/eqa/rounds/${encodeURIComponent(code)}/labs/${encodeURIComponent(lab)}`} />
      )}
    </div>
  );
}
