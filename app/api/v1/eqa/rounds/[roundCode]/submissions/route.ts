import { NextResponse } from 'next/server';
import { MAX_CSV_BYTES } from '@/lib/csv';
import { AppError } from '@/lib/errors';
import { withActor } from '@/lib/http';
import { readBodyCapped } from '@/lib/body';
import { rowsFromCsv, rowsFromJson } from '@/lib/services/eqa/submissions';
import { runJob } from '@/lib/jobs';
import { submissionBody } from '@/lib/validation/eqa';
import { zodFieldErrors } from '@/lib/validation/errors';

export const dynamic = 'force-dynamic';

/**
 * Submit a lab's results for an open round: JSON `{ results: [{ sample, analyte, value, method?,
 * instrument? }] }` or CSV (text/csv; columns sample, analyte, value, method, instrument). `value` is a
 * number for quantitative items and a category code (or alias) for qualitative, ordinal and nominal ones.
 * 201 with counts and plausibility warnings; 409 outside the submission window; 422 listing every
 * bad row (nothing written).
 */
export const POST = withActor<{ roundCode: string }>(async (req, actor, { roundCode }) => {
  const type = req.headers.get('content-type') ?? '';
  const text = await readBodyCapped(req, MAX_CSV_BYTES);
  let rows;
  if (type.includes('text/csv') || type.includes('text/plain')) {
    rows = rowsFromCsv(text);
  } else {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw AppError.invalid('The body is not valid JSON', [{ field: '(body)', message: 'Send JSON { results: [...] } or text/csv' }]);
    }
    const parsed = submissionBody.safeParse(body);
    if (!parsed.success) throw AppError.invalid('Invalid body', zodFieldErrors(parsed.error));
    rows = rowsFromJson(parsed.data.results);
  }
  const out = await runJob('eqa.submit', actor, { roundCode: decodeURIComponent(roundCode), rows, source: type.includes('csv') ? 'csv' : 'api' });
  return NextResponse.json(out, { status: 201 });
});
