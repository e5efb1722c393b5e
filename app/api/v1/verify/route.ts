// GET /api/v1/verify?lab={labCode}&analyte={analyteCode}&date=YYYY-MM-DD
//   → { recognized, mark?, certificateNo?, validFrom?, validTo?, reason } (public; no session work).
// 404 unknown lab or analyte, 422 bad date. The production server answers this path before Next
// (lib/server/main.ts); both go through lib/public-api.ts.
import { publicApiRoute } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;
