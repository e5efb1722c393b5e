// The LIS/middleware API's request handling, free of Next.js so integration tests call it with a
// plain Request: `POST /api/v1/iqc/results` takes JSON `{ results: [...] }` or a text/csv body.
import type { DB } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { MAX_CSV_BYTES } from '@/lib/csv';
import { readBodyCapped } from '@/lib/body';
import { iqcResultsBody } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { ingestResults, resolveWritableLab, type IngestOutcome } from './ingest';
import { importIqcCsv } from './import-csv';

/** Request bodies above this are refused before being read (JSON and CSV alike). */
export const MAX_BODY_BYTES = MAX_CSV_BYTES;

function readText(req: Request): Promise<string> {
  return readBodyCapped(req, MAX_BODY_BYTES);
}

/** Handle `POST /api/v1/iqc/results`; returns the 201 body (errors are thrown as AppError). */
export async function postResults(db: DB, actor: Actor, req: Request, now = Date.now()): Promise<Pick<IngestOutcome, 'inserted' | 'skipped' | 'runs' | 'rejected' | 'reevaluated'>> {
  const url = new URL(req.url);
  const labParam = url.searchParams.get('lab');
  resolveWritableLab(db, actor, labParam); // 401/403 before reading the body
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const text = await readText(req);
  let out: IngestOutcome;
  if (type === 'text/csv' || type === 'application/csv') {
    out = importIqcCsv(db, actor, { text, lab: labParam }, { source: 'api', now });
  } else if (type === 'application/json' || type === '') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw AppError.invalid('The body is not valid JSON', [{ row: 1, field: '(body)', message: 'Not valid JSON' }]);
    }
    // a body naming another lab is refused (403) before its rows are looked at
    const named = (json as { lab?: unknown } | null)?.lab;
    if (typeof named === 'string' && named.trim()) resolveWritableLab(db, actor, named.trim());
    const body = iqcResultsBody.safeParse(json);
    if (!body.success) throw AppError.invalid('Invalid body', zodFieldErrors(body.error));
    out = ingestResults(db, actor, { lab: body.data.lab ?? labParam, results: body.data.results }, { source: 'api', now });
  } else {
    throw AppError.invalid('Unsupported content type', [{ field: 'content-type', message: 'Send application/json or text/csv' }]);
  }
  return { inserted: out.inserted, skipped: out.skipped, rejected: out.rejected, reevaluated: out.reevaluated, runs: out.runs };
}
