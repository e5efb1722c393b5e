// GET /api/v1/labs/{labCode}/certifications?date=YYYY-MM-DD → the certifications whose window covers
// that day (today without a date), each with its status on that day (public).
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { publicRoute } from '@/lib/http';
import { labCertifications } from '@/lib/services/recognition/verification';

export const dynamic = 'force-dynamic';

export const GET = publicRoute<{ labCode: string }>((req, { labCode }) => {
  const date = new URL(req.url).searchParams.get('date') ?? undefined;
  const { certifications } = labCertifications(getDb(), decodeURIComponent(labCode), date);
  return NextResponse.json(
    certifications.map((c) => ({
      analyteCode: c.analyteCode,
      analyteName: c.analyteName,
      mark: c.mark,
      scope: c.scope,
      status: c.status,
      validFrom: c.validFrom,
      validTo: c.validTo,
      certificateNo: c.certificateNo,
    })),
  );
});
