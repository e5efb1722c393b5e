import { requireLabIqc } from '@/app/_components/iqc/require-lab';
import { getDb } from '@/db/client';
import { ACTION_SORTS, correctiveActionPage } from '@/lib/services/iqc/views';
import { ActionsList } from '@/app/_components/iqc/actions-list';
import { readPage, type SearchParams } from '@/app/_components/data-table';
import { firstValues } from '@/app/_components/search-params';

export default async function RegulatorActions({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<SearchParams> }) {
  const { actor, code: lab } = await requireLabIqc(params);
  const sp = firstValues(await searchParams);
  const req = readPage(sp, { sorts: ACTION_SORTS, sort: 'opened', dir: 'desc' });
  return <ActionsList page={await correctiveActionPage(getDb(), actor, { lab }, req)} req={req} searchParams={sp} base={`/regulator/labs/${encodeURIComponent(lab)}/iqc`} readOnly />;
}
