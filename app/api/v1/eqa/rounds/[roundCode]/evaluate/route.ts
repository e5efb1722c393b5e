import { NextResponse } from 'next/server';
import { otherMethods, withActor } from '@/lib/http';
import { runJob } from '@/lib/jobs';

export const dynamic = 'force-dynamic';

/** Evaluate a closed round (regulator of the scheme's region); 409 while it is open or once published.
 * The evaluation runs in a job worker (the same runner as the regulator's page) and is awaited. */
export const POST = withActor<{ roundCode: string }>(async (_req, actor, { roundCode }) => {
  const { diff, ...summary } = await runJob('eqa.evaluate', actor, { roundCode });
  return NextResponse.json({ ...summary, diff });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
