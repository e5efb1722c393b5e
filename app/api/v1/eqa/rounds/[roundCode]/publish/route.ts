import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { withActor } from '@/lib/http';
import { publishRound } from '@/lib/services/eqa/evaluation';

export const dynamic = 'force-dynamic';

/**
 * Publish a round's latest evaluation (regulator of the scheme's region): `{ round, evaluationVersion,
 * status: 'published' }`; 409 while an evaluation is running, before one has finished, or once published.
 */
export const POST = withActor<{ roundCode: string }>(async (_req, actor, { roundCode }) => NextResponse.json(publishRound(getDb(), actor, { roundCode: decodeURIComponent(roundCode) })));
