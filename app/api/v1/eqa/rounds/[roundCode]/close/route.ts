import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { closeRound } from '@/lib/services/eqa/rounds';

export const dynamic = 'force-dynamic';

/** Close an open round now (regulator of the scheme's region): `{ code, status: 'closed' }`; 409 unless open. */
export const POST = withActor<{ roundCode: string }>(async (_req, actor, { roundCode }) => NextResponse.json(await closeRound(getDb(), actor, { roundCode })));

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
