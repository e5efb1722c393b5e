import { getDb } from '@/db/client';
import { otherMethods, withActor } from '@/lib/http';
import { submissionTemplateCsv } from '@/lib/services/eqa/submissions';

export const dynamic = 'force-dynamic';

/** The lab's CSV template for a round: every sample × analyte, with its current values. */
export const GET = withActor<{ roundCode: string }>(async (_req, actor, { roundCode: code }) => {
  return new Response(await submissionTemplateCsv(getDb(), actor, code), {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="eqa-${code.replace(/[^A-Za-z0-9_.-]/g, '_')}-template.csv"` },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
