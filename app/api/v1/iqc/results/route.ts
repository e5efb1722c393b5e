// LIS/middleware: POST control results (JSON `{ results: [...] }` or text/csv), GET results with
// their run verdicts (`?analyte=&from=&to=`, a regulator adds `lab=`). Session or Bearer token.
import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { readPostedResults } from '@/lib/services/iqc/api';
import { runJob } from '@/lib/jobs';
import { requestQuery } from '@/lib/validation/query';

export const dynamic = 'force-dynamic';

// the body is read here; parsing, validation, the write and the answer's JSON run in a job worker (lib/jobs.ts)
export const POST = withActor(async (req, actor) => json(await runJob('iqc.post', actor, await readPostedResults(getDb(), actor, req)), 201));

// up to 50,000 results: read and written out as JSON in a job worker, sent from here; the next page
// (`cursor=`) named in x-next-cursor and a Link header, as /iqc/runs does
export const GET = withActor(async (req, actor) => {
  const { body, next } = await runJob('iqc.readResults', actor, requestQuery(req, ['lab', 'analyte', 'from', 'to', 'limit', 'cursor']));
  const res = json(body, 200);
  if (next) {
    const url = new URL(req.url);
    url.searchParams.set('cursor', next);
    res.headers.set('x-next-cursor', next);
    res.headers.set('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return res;
});

const json = (bytes: Uint8Array, status: number) => new Response(bytes as Uint8Array<ArrayBuffer>, { status, headers: { 'content-type': 'application/json' } });

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
