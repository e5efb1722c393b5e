import { notFound, redirect } from 'next/navigation';
import { requirePage } from '@/lib/auth';

/** Target of the "report of one laboratory" form: `?lab=CODE` → the lab's report page. */
export default async function LabReportRedirect({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<{ lab?: string }> }) {
  await requirePage('eqaResult.read');
  const { code } = await params;
  const lab = (await searchParams).lab?.trim().toUpperCase();
  if (!lab) notFound();
  redirect(`/regulator/eqa/rounds/${code}/labs/${encodeURIComponent(lab)}`);
}
