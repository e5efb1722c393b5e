import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import type { listRounds } from '@/lib/services/eqa/rounds';
import { StatusBadge } from '@/app/_components/status-badge';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localText } from '@/app/_components/local-name';

type Round = ReturnType<typeof listRounds>[number];

/** The rounds a lab or a regulator can see, each linking to `${hrefBase}/{code}`. */
export async function RoundTable({ rounds, hrefBase, testId, empty }: { rounds: Round[]; hrefBase: string; testId: string; empty?: string }) {
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const locale = await getLocale();
  const when = (at: string | number) => format.dateTime(new Date(at), { dateStyle: 'medium', timeStyle: 'short' });
  const columns: Column<Round>[] = [
    {
      key: 'code',
      header: t('round.code'),
      cell: (r) => (
        <Link href={`${hrefBase}/${encodeURIComponent(r.code)}`} className="font-medium text-brand-700 hover:underline">
          {r.code}
        </Link>
      ),
    },
    { key: 'scheme', header: t('round.scheme'), cell: (r) => localText(locale, r.schemeName, r.schemeNameEn) },
    { key: 'status', header: t('round.status'), cell: (r) => <StatusBadge kind="round" status={r.status} /> },
    { key: 'opens', header: t('round.opensAt'), cell: (r) => when(r.opensAt) },
    { key: 'closes', header: t('round.closesAt'), cell: (r) => when(r.closesAt) },
    { key: 'samples', header: t('round.samples'), className: 'text-xs', cell: (r) => r.samples.join(', ') },
  ];
  return <DataTable columns={columns} rows={rounds} rowKey={(r) => r.code} testId={testId} empty={empty} />;
}
