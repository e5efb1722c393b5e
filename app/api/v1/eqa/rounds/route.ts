import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { createRound, listRounds } from '@/lib/services/eqa/rounds';
import { ROUND_API_NAMES } from '@/lib/validation/eqa';
import { apiFieldNames } from '@/lib/validation/errors';
import { jsonBody } from '../json-body';

export const dynamic = 'force-dynamic';

/** The EQA rounds the caller can see: `[{ code, scheme, status, acceptingResults, opensAt, closesAt, samples, analytes }]`. */
export const GET = withActor(async (_req, actor) =>
  NextResponse.json((await listRounds(getDb(), actor)).map(({ code, scheme, status, acceptingResults, opensAt, closesAt, samples, analytes }) => ({ code, scheme, status, acceptingResults, opensAt, closesAt, samples, analytes }))),
);

/**
 * Create a round (regulator of the scheme's region), as a draft: `{ scheme, code, opensAt, closesAt,
 * samples, analytes?, referenceValues?: [{ sample, analyte, value, uncertainty?, k? } | { sample, analyte,
 * category }] }` (uncertainty is the expanded U with coverage factor k, default 2; `category` is the
 * intended result of a qualitative, ordinal or nominal item, one of its category codes; 422 per row
 * when a quantitative item gets a category or a categorical one a value). The round is open from `opensAt` to `closesAt`
 * (no separate opening step) → 201 the round as `GET /eqa/rounds` lists it.
 */
export const POST = withActor(async (req, actor) => {
  const db = getDb();
  const body = await jsonBody(req);
  const round = await apiFieldNames(ROUND_API_NAMES, () => createRound(db, actor, body, { open: true }));
  const listed = (await listRounds(db, actor)).find((r) => r.code === round.code)!;
  const { code, scheme, status, acceptingResults, opensAt, closesAt, samples, analytes } = listed;
  return NextResponse.json({ code, scheme, status, acceptingResults, opensAt, closesAt, samples, analytes }, { status: 201 });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
