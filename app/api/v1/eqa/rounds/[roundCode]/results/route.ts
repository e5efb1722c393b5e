import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { withActor } from '@/lib/http';
import { getRoundResults } from '@/lib/services/eqa/reports';

export const dynamic = 'force-dynamic';

/**
 * Graded results of a round: `{ results: [...], analytes: [...] }`. `?lab=CODE` for one lab; a lab
 * manager sees only their own lab and only once published; a regulator may omit `lab` to get every
 * participant of their jurisdiction (each row then carries `lab`).
 */
export const GET = withActor<{ roundCode: string }>(async (req, actor, { roundCode }) => {
  const lab = new URL(req.url).searchParams.get('lab');
  return NextResponse.json(getRoundResults(getDb(), actor, { roundCode: decodeURIComponent(roundCode), labCode: lab || null }));
});
