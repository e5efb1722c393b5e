// The lab's IQC settings: GET `{ runWindowMinutes }` (a regulator or admin adds `lab=`); PUT
// `{ runWindowMinutes }` (the lab's manager or its token with `iqc:write`), a whole number 1–720.
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { getRunWindow, putSettings } from '@/lib/services/iqc/run-window';
import { requestQuery } from '@/lib/validation/query';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (req, actor) => NextResponse.json(await getRunWindow(getDb(), actor, requestQuery(req, ['lab']))));

export const PUT = withActor(async (req, actor) => NextResponse.json(await putSettings(getDb(), actor, req)));

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'PUT');
