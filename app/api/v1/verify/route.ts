// GET /api/v1/verify?lab={labCode}&analyte={analyteCode}&date=YYYY-MM-DD
//   → { recognized, mark?, certificateNo?, validFrom?, validTo?, reason } (public; no session work:
//   two prepared look-ups and one indexed query per request). 404 unknown lab or analyte, 422 bad date.
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { publicRoute } from '@/lib/http';
import { verifyRecognition } from '@/lib/services/recognition/verification';

export const dynamic = 'force-dynamic';

export const GET = publicRoute((req) => {
  const p = new URL(req.url).searchParams;
  return NextResponse.json(verifyRecognition(getDb(), { lab: p.get('lab') ?? undefined, analyte: p.get('analyte') ?? undefined, date: p.get('date') ?? undefined }));
});
