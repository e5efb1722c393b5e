import { requireLabIqc } from '@/app/_components/iqc/require-lab';
import { getDb } from '@/db/client';
import { labDashboard } from '@/lib/services/iqc/views';
import { DashboardView } from '@/app/_components/iqc/dashboard-view';

export default async function RegulatorLabIqc({ params }: { params: Promise<{ code: string }> }) {
  const { actor, code } = await requireLabIqc(params);
  return <DashboardView data={await labDashboard(getDb(), actor, code)} base={`/regulator/labs/${encodeURIComponent(code)}/iqc`} readOnly />;
}
