import { notFound, redirect } from 'next/navigation';
import { withReadDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { findCertificate } from '@/lib/services/recognition/certificates';

export const dynamic = 'force-dynamic';

/** A certificate number leads to its lab's public page with that test checked for today. */
export default async function CertificateLookup({ params }: { params: Promise<{ no: string }> }) {
  const { no } = await params;
  let c;
  try {
    c = await withReadDb((db) => findCertificate(db, decodeURIComponent(no)));
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
  redirect(`/verify/labs/${encodeURIComponent(c.labCode)}?analyte=${encodeURIComponent(c.analyteCode)}`);
}
