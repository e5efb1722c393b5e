import { notFound, redirect } from 'next/navigation';
import { requirePage } from '@/lib/auth';
import { firstValues } from '@/app/_components/search-params';

/** Target of the "report of one laboratory" form: `?lab=CODE` → the lab's report page. */
export default async function LabReportRedirect({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<{ lab?: string }> }) {
  await requirePage('eqaResult.read');
  const { code } = await params;
  const lab = firstValues(await searchParams).lab?.trim().toUpperCase();
  if (!lab) notFound();
  redirect(`/regulator/eqa/rounds/${code}/labs/${encodeURIComponent(lab)}`);
}
