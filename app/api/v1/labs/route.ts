// GET /api/v1/labs?q=&region= → { labs: [{ code, name, regionCode, regionName, level }] } (public).
import { publicApiRoute } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;
