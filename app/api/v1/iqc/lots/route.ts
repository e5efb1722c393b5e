// The caller's lab's control lots with the targets in force (a regulator or admin adds `lab=`);
// POST adds a lot × level with its first targets (the lab's manager or its token).
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { postLot } from '@/lib/services/iqc/api';
import { lotsForApi } from '@/lib/services/iqc/api-reads';
import { requestQuery } from '@/lib/validation/query';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (req, actor) => NextResponse.json(await lotsForApi(getDb(), actor, requestQuery(req, ['lab']))));

export const POST = withActor(async (req, actor) => NextResponse.json(await postLot(getDb(), actor, req), { status: 201 }));

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
