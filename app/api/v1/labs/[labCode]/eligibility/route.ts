// GET /api/v1/labs/{labCode}/eligibility → [{ analyte, eligible, criteria: [{ id, met, value?, limit?,
// detail }] }]: the lab's manager (or its token with `read`), or a regulator over the lab's region.
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { labEligibility } from '@/lib/services/recognition/eligibility';

export const dynamic = 'force-dynamic';

export const GET = withActor<{ labCode: string }>(async (_req, actor, { labCode }) => NextResponse.json(await labEligibility(getDb(), actor, labCode)));

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
