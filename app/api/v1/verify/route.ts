// GET /api/v1/verify?lab={labCode}&analyte={code | loinc:<code>}&date=YYYY-MM-DD&asOf=YYYY-MM-DD
//   → { recognized, mark?, scope?, certificateNo?, validFrom?, validTo?, status?, date, reason,
//       asOf, windowDays, withinWindow } (public; no session work; ETag + Cache-Control, 304).
// 404 unknown lab or analyte, 422 bad date or asOf before date.
// POST /api/v1/verify { checks: [{ lab, analyte, date, asOf? }] } (≤ 10,000) → { results: [...] },
//   one GET answer (or { error, code }) per check, in order; 413 above 10,000; 429 per client.
// The production server answers the GETs and anonymous POSTs before Next (lib/server/public-fast.ts);
// both go through lib/public-api.ts.
import { otherMethods, publicApiRoute } from '@/lib/http';
import { verifyBatchRoute } from '@/lib/public-batch';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;
export const POST = verifyBatchRoute;

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
