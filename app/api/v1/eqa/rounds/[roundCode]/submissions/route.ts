import { NextResponse } from 'next/server';
import { MAX_CSV_BYTES } from '@/lib/csv';
import { otherMethods, withActor } from '@/lib/http';
import { readBodyBytesCapped } from '@/lib/body';
import { runJob } from '@/lib/jobs';
import { requestQuery } from '@/lib/validation/query';

export const dynamic = 'force-dynamic';

/**
 * Submit a lab's results for an open round: JSON `{ results: [{ sample, analyte, value, method?,
 * instrument? }] }` or CSV (text/csv; columns sample, analyte, value, method, instrument). `value` is a
 * number for quantitative items and a category code (or alias) for qualitative, ordinal and nominal ones.
 * 201 with counts and plausibility warnings; 409 outside the submission window; 422 listing every
 * bad row (nothing written).
 */
export const POST = withActor<{ roundCode: string }>(async (req, actor, { roundCode }) => {
  // the body's bytes go to a job worker, which parses and submits them (lib/jobs.ts `eqa.post`)
  // `?lab=` may only name the caller's own lab (checked with the body's `lab` by the worker)
  const { lab } = requestQuery(req, ['lab']);
  const posted = { roundCode, type: req.headers.get('content-type') ?? '', body: await readBodyBytesCapped(req, MAX_CSV_BYTES), lab: lab ?? null };
  return NextResponse.json(await runJob('eqa.post', actor, posted), { status: 201 });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { GET, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
