import { NextResponse } from 'next/server';
import { withActor } from '@/lib/http';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (_req, actor) =>
  NextResponse.json({
    email: actor.email,
    role: actor.role,
    ...(actor.labCode ? { labCode: actor.labCode } : {}),
    ...(actor.regionCode ? { regionCode: actor.regionCode } : {}),
  }),
);
