import { otherMethods, withActor } from '@/lib/http';
import { runJob } from '@/lib/jobs';
import { streamWhileWritten } from '@/lib/services/eqa/export-file';

export const dynamic = 'force-dynamic';

/** The whole evaluated round as CSV (every result of the regulator's jurisdiction, and each analyte not submitted). */
export const GET = withActor<{ roundCode: string }>(async (_req, actor, { roundCode: code }) => {
  // a national round is millions of rows: read and written to a file in a job worker, sent from the file
  // as it grows (chunked, gzipped by Next when the client accepts it); a refusal comes before any byte
  const body = await streamWhileWritten((fd) => runJob('eqa.exportRound', actor, { roundCode: code, fd }));
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="eqa-${code.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`,
    },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
