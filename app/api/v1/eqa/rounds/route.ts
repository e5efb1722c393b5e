import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { withActor } from '@/lib/http';
import { listRounds } from '@/lib/services/eqa/rounds';

export const dynamic = 'force-dynamic';

/** The EQA rounds the caller can see: `[{ code, scheme, status, opensAt, closesAt, samples, analytes }]`. */
export const GET = withActor(async (_req, actor) =>
  NextResponse.json(listRounds(getDb(), actor).map(({ code, scheme, status, opensAt, closesAt, samples, analytes }) => ({ code, scheme, status, opensAt, closesAt, samples, analytes }))),
);
