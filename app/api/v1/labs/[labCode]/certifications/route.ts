// GET /api/v1/labs/{labCode}/certifications?date=YYYY-MM-DD → the certifications whose window covers
// that day (today without a date), each with its status on that day (public).
import { otherMethods, publicApiRoute } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
