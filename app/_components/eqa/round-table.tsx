import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { ROUND_SORTS, type roundsPage } from '@/lib/services/read/eqa';
import { StatusBadge } from '@/app/_components/status-badge';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { localText } from '@/app/_components/local-name';

type Rounds = Awaited<ReturnType<typeof roundsPage>>;
type Round = Rounds['rows'][number];

/** The page request of a rounds list: newest opening first, 25 a page. */
export const roundsRequest = (sp: SearchParams) => readPage(sp, { sorts: ROUND_SORTS, sort: 'opens', dir: 'desc', size: 25 });

/** One page of the rounds a lab or a regulator can see, each linking to `${hrefBase}/{code}`. */
export async function RoundTable({
  rounds,
  page,
  searchParams,
  hrefBase,
  testId,
  empty,
}: {
  rounds: Rounds;
  page: ReturnType<typeof roundsRequest>;
  searchParams: SearchParams;
  hrefBase: string;
  testId: string;
  empty?: string;
}) {
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const locale = await getLocale();
  const when = (at: string | number) => format.dateTime(new Date(at), { dateStyle: 'medium', timeStyle: 'short' });
  const columns: Column<Round>[] = [
    {
      key: 'code',
      header: t('round.code'),
      sort: 'code',
      cell: (r) => (
        <Link href={`${hrefBase}/${encodeURIComponent(r.code)}`} className="font-medium text-brand-700 hover:underline">
          {r.code}
        </Link>
      ),
    },
    { key: 'scheme', header: t('round.scheme'), cell: (r) => localText(locale, r.schemeName, r.schemeNameEn) },
    { key: 'status', header: t('round.status'), cell: (r) => <StatusBadge kind="round" status={r.status} /> },
    { key: 'opens', header: t('round.opensAt'), sort: 'opens', cell: (r) => when(r.opensAt) },
    { key: 'closes', header: t('round.closesAt'), sort: 'closes', cell: (r) => when(r.closesAt) },
    { key: 'samples', header: t('round.samples'), className: 'text-xs', cell: (r) => r.samples.join(', ') },
  ];
  return <DataTable columns={columns} rows={rounds.rows} total={rounds.total} page={page} searchParams={searchParams} filter={t('round.filter')} rowKey={(r) => r.code} testId={testId} empty={empty} />;
}
