// GET /api/v1/analytes → [{ code, nameZh, nameEn, kind, unit?, categories?, loinc? }] (public): the
// active catalogue items; `categories` lists a qualitative, ordinal or nominal item's category codes
// from the lowest (negative) grade to the highest. Answered by lib/public-api.ts, like /api/v1/verify.
import { otherMethods, publicApiRoute } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
