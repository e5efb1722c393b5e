// For a regulator's (or admin's) read-only IQC pages of one lab: 404 for an unknown lab code,
// sign-in for anonymous visitors, 403 outside the jurisdiction — before any data is read.
import { notFound } from 'next/navigation';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { labByCode } from '@/lib/services/read/places';

export async function requireLabIqc(params: Promise<{ code: string }>) {
  const code = decodeURIComponent((await params).code);
  const found = await labByCode(getDb(), code);
  const actor = await requirePage('iqc.read', found ? { labId: found.lab.id, regionPath: found.regionPath } : undefined);
  if (!found) notFound();
  return { actor, code, lab: found.lab, base: `/regulator/labs/${encodeURIComponent(code)}/iqc` };
}
