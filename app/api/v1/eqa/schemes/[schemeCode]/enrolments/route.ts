import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { enrollLabs } from '@/lib/services/eqa/schemes';
import { ENROLMENT_API_NAMES } from '@/lib/validation/eqa';
import { apiFieldNames } from '@/lib/validation/errors';
import { jsonBody } from '../../../json-body';

export const dynamic = 'force-dynamic';

/** Enrol laboratories of the regulator's region in a scheme: `{ labs: [labCode] }` → `{ scheme, added, labs }`. */
export const POST = withActor<{ schemeCode: string }>(async (req, actor, { schemeCode: scheme }) => {
  const body = (await jsonBody(req)) as Record<string, unknown> | null;
  const out = await apiFieldNames(ENROLMENT_API_NAMES, () => enrollLabs(getDb(), actor, { ...(body && typeof body === 'object' ? body : {}), schemeCode: scheme }));
  return NextResponse.json({ scheme, ...out });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
