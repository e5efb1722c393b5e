import { otherMethods, withActor } from '@/lib/http';
import { runJob } from '@/lib/jobs';

export const dynamic = 'force-dynamic';

/** The whole evaluated round as CSV (every result of the regulator's jurisdiction, and each analyte not submitted). */
export const GET = withActor<{ roundCode: string }>(async (_req, actor, { roundCode: code }) => {
  // a province's round is hundreds of thousands of rows: read, written out and encoded in a job worker
  const csv = await runJob('eqa.exportRound', actor, { roundCode: code });
  return new Response(csv as Uint8Array<ArrayBuffer>, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="eqa-${code.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"` },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
