import { NextResponse } from 'next/server';
import { otherMethods, withActor } from '@/lib/http';
import { runJob } from '@/lib/jobs';

export const dynamic = 'force-dynamic';

/**
 * Publish a round's latest evaluation (regulator of the scheme's region): `{ round, evaluationVersion,
 * status: 'published' }`; 409 while an evaluation is running, before one has finished, or once published.
 * Runs in a job worker: recognition re-checks the participants' eligibility after the commit.
 */
export const POST = withActor<{ roundCode: string }>(async (_req, actor, { roundCode }) => NextResponse.json(await runJob('eqa.publish', actor, { roundCode })));

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
