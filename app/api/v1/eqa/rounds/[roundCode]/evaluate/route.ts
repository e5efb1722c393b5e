import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { withActor } from '@/lib/http';
import { evaluateRound } from '@/lib/services/eqa/evaluation';

export const dynamic = 'force-dynamic';

/** Evaluate a closed round (regulator of the scheme's region); 409 while it is open or once published. */
export const POST = withActor<{ roundCode: string }>(async (_req, actor, { roundCode }) => {
  const { diff, ...summary } = evaluateRound(getDb(), actor, { roundCode: decodeURIComponent(roundCode) });
  return NextResponse.json({ ...summary, diff });
});
