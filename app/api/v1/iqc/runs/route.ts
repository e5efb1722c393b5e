// IQC runs in time order with their verdicts and results (`?analyte=&instrument=&from=&to=`, a
// regulator adds `lab=`; `limit=` up to 5000, the next page via the `cursor=` the answer names).
import { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { getRuns } from '@/lib/services/iqc/api';

export const dynamic = 'force-dynamic';

export const GET = withActor(async (req, actor) => {
  const { runs, next } = await getRuns(getDb(), actor, req);
  const headers = new Headers();
  if (next) {
    const url = new URL(req.url);
    url.searchParams.set('cursor', next);
    headers.set('x-next-cursor', next);
    headers.set('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return NextResponse.json(runs, { headers });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
