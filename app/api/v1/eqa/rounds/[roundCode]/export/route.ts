import { otherMethods, withActor } from '@/lib/http';
import { runJob } from '@/lib/jobs';
import { takeExportFile } from '@/lib/services/eqa/export-file';

export const dynamic = 'force-dynamic';

/** The whole evaluated round as CSV (every result of the regulator's jurisdiction, and each analyte not submitted). */
export const GET = withActor<{ roundCode: string }>(async (_req, actor, { roundCode: code }) => {
  // a national round is millions of rows: read and written to a file in a job worker, sent from the file
  // (no Content-Length: Next sends a streamed body chunked, and gzips it when the client accepts it)
  const { file } = await runJob('eqa.exportRound', actor, { roundCode: code });
  return new Response(await takeExportFile(file), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="eqa-${code.replace(/[^A-Za-z0-9_.-]/g, '_')}.csv"`,
    },
  });
});

// the other methods: 405 with Allow and a JSON error (Next's own has neither); OPTIONS with the same Allow
export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
