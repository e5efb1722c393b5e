// GET /api/v1/health → 200 { status: "ok", database: "ok" } or 503 { status: "unavailable", ... }
// (public, never cached): the readiness check for load balancers in front of several instances.
// Answered by lib/public-api.ts, like /api/v1/verify.
import { otherMethods, publicApiRoute } from '@/lib/http';

export const dynamic = 'force-dynamic';
export const GET = publicApiRoute;

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
