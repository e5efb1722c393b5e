// The caller's lab's control lots with the targets in force (a regulator or admin adds `lab=`).
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { withActor } from '@/lib/http';
import { lotsForApi } from '@/lib/services/iqc/views';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (req, actor) => NextResponse.json(lotsForApi(getDb(), actor, { lab: new URL(req.url).searchParams.get('lab') })));
