// GET /api/v1/labs?q=&region= → { labs: [{ code, name, regionCode, regionName, level }] } (public).
import { otherMethods, publicApiRoute } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
