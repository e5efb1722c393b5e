import { requireLabIqc } from '@/app/_components/iqc/require-lab';
import { getDb } from '@/db/client';
import { correctiveActionList } from '@/lib/services/iqc/views';
import { ActionsList } from '@/app/_components/iqc/actions-list';

export default async function RegulatorActions({ params }: { params: Promise<{ code: string }> }) {
  const { actor, code: lab } = await requireLabIqc(params);
  return <ActionsList items={correctiveActionList(getDb(), actor, { lab })} base={`/regulator/labs/${encodeURIComponent(lab)}/iqc`} readOnly />;
}
