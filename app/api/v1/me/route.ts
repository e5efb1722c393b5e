import { NextResponse } from 'next/server';
import { otherMethods, withActor } from '@/lib/http';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (_req, actor) =>
  NextResponse.json({
    email: actor.email,
    role: actor.role,
    ...(actor.labCode ? { labCode: actor.labCode } : {}),
    ...(actor.regionCode ? { regionCode: actor.regionCode } : {}),
  }),
);

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
