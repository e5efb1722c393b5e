// The LIS/middleware API's request handling, free of Next.js so integration tests call it with a
// plain Request: `POST /api/v1/iqc/results` takes JSON `{ results: [...] }` or a text/csv body (each
// result may carry the client's `run` id); `POST /api/v1/iqc/lots` adds a control lot with its
// targets; `GET /api/v1/iqc/runs` lists runs with their verdicts and results.
import type { DB } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { MAX_CSV_BYTES } from '@/lib/csv';
import { csvText, parseJsonBody, readBodyBytesCapped, readBodyCapped, utf8Text } from '@/lib/body';
import { charsetOf } from '@/lib/text-encoding';
import { iqcResultsBody, lotCreateInput } from '@/lib/validation/iqc';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { setManufacturerTargets } from './targets';
import { lotApiRow, runsForApiView, type ApiRun } from './api-reads';
import { zodFieldErrors } from '@/lib/validation/errors';
import { ingestResultsOfLab, resolveWritableLab, type IngestOutcome, type LabScope } from './ingest';
import { importIqcCsv } from './import-csv';
import { isCategoricalCode, setControlExpectations } from './qualitative';
import { requestQuery } from '@/lib/validation/query';

/** Request bodies above this are refused before being read (JSON and CSV alike). */
export const MAX_BODY_BYTES = MAX_CSV_BYTES;


/** A posted batch of results as the request thread reads it: the body's media type and bytes and
 * the `?lab=` of the URL. The rest of the work (decoding, parsing, validation, ingest) is
 * ingestPosted's, which the production server runs in a worker thread (lib/jobs.ts `iqc.post`): the
 * bytes are handed over without a copy (decoding and copying 10 MB of text on the request thread
 * stopped it for ~0.2 s). */
export interface PostedResults {
  type: string;
  /** the Content-Type's charset, if named (a CSV body may be GBK: lib/text-encoding.ts) */
  charset?: string | null;
  body: Uint8Array;
  lab: string | null;
  /** the lab `lab` resolved to for the actor, authorized, so that the worker does not read it again
   * (absent: resolved there) */
  scope?: LabScope;
}

/** The request thread's part of `POST /api/v1/iqc/results`: 401/403 before reading the body, then
 * the body (capped while it streams: 413). */
export async function readPostedResults(db: DB, actor: Actor, req: Request): Promise<PostedResults> {
  const { lab } = requestQuery(req, ['lab']);
  const scope = await resolveWritableLab(db, actor, lab); // 401/403 before reading the body
  const contentType = req.headers.get('content-type');
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return { type, charset: charsetOf(contentType), body: await readBodyBytesCapped(req, MAX_BODY_BYTES), lab: lab ?? null, scope };
}

/** The 201 body of `POST /api/v1/iqc/results` from a posted batch (errors are thrown as AppError). */
export async function ingestPosted(db: DB, actor: Actor, posted: PostedResults, now = Date.now()): Promise<Pick<IngestOutcome, 'inserted' | 'skipped' | 'runs' | 'rejected' | 'reevaluated'>> {
  const { type, lab: labParam } = posted;
  let out: IngestOutcome;
  if (type === 'text/csv' || type === 'application/csv') {
    const text = csvText(posted.body, posted.charset);
    out = await importIqcCsv(db, actor, { text, lab: labParam }, { source: 'api', now, scope: posted.scope });
  } else if (type === 'application/json' || type === '') {
    const json = parseJsonBody(utf8Text(posted.body), { row: 1 });
    // a body naming another lab is refused (403) before its rows are looked at
    const named = (json as { lab?: unknown } | null)?.lab;
    if (typeof named === 'string' && named.trim()) await resolveWritableLab(db, actor, named.trim());
    const body = iqcResultsBody.safeParse(json);
    if (!body.success) throw new AppError('body.invalid', {}, zodFieldErrors(body.error));
    const lab = body.data.lab ?? labParam;
    const scope = lab === labParam && posted.scope ? posted.scope : await resolveWritableLab(db, actor, lab);
    out = await ingestResultsOfLab(db, actor, scope, { lab, results: body.data.results }, { source: 'api', now });
  } else {
    throw new AppError('body.unsupportedType', {}, [fieldError('body.unsupportedMediaType', {}, 'content-type')]);
  }
  return { inserted: out.inserted, skipped: out.skipped, rejected: out.rejected, reevaluated: out.reevaluated, runs: out.runs };
}

/** Handle `POST /api/v1/iqc/results` in one call (tests, scripts); returns the 201 body. */
export async function postResults(db: DB, actor: Actor, req: Request, now = Date.now()) {
  return await ingestPosted(db, actor, await readPostedResults(db, actor, req), now);
}

async function readJson(req: Request): Promise<unknown> {
  return parseJsonBody(await readBodyCapped(req, MAX_BODY_BYTES));
}

/**
 * Handle `POST /api/v1/iqc/lots` (the lab's manager, or its token): `{ analyte, instrument, level,
 * lot, mean, sd, effectiveFrom, source? }` → the lot as `GET /api/v1/iqc/lots` lists it. For a
 * qualitative, ordinal or nominal item: `{ analyte, instrument, level, lot, expected, mean?, sd?,
 * effectiveFrom? }` (`expected` the category code the control must read; mean/SD of its signal). 403 for
 * another lab, 409 when that lot × level already has targets (a new version is a target change with
 * a reason, on the targets page), 422 per field. The targets service creates the lot and target.
 */
export async function postLot(db: DB, actor: Actor, req: Request, now = Date.now()) {
  const { lab: labParam } = requestQuery(req, ['lab']);
  await resolveWritableLab(db, actor, labParam, 'iqcTarget.manage'); // 401/403 before reading the body
  const json = await readJson(req);
  const named = (json as { lab?: unknown } | null)?.lab;
  const lab = typeof named === 'string' && named.trim() ? named.trim() : labParam;
  await resolveWritableLab(db, actor, lab, 'iqcTarget.manage');
  // a control of a categorical item: its expected category (and optionally a signal target)
  if (await isCategoricalCode(db, (json as { analyte?: unknown } | null)?.analyte)) {
    const [c] = await setControlExpectations(db, actor, { lab, controls: [json] }, now);
    return lotApiRow({ analyte: c.analyte, level: c.level, lot: c.lot, instrument: c.instrument, mean: c.target?.mean ?? null, sd: c.target?.sd ?? null, source: c.target ? 'manufacturer' : null, effectiveFrom: c.target?.effectiveFrom ?? null, expectedCategory: c.expected, expectedFrom: c.expectedFrom, expiresOn: c.expiresOn });
  }
  const parsed = lotCreateInput.safeParse(json);
  if (!parsed.success) throw new AppError('iqc.invalidLot', {}, zodFieldErrors(parsed.error));
  const input = parsed.data;
  const analyte = await findAnalyteByCode(db, input.analyte);
  if (!analyte) throw new AppError('iqc.invalidLot', {}, [fieldError('analyte.unknownCode', { code: input.analyte }, 'analyte')]);
  // a lot × level with targets already: 409, decided inside the write (two at once give one 201)
  const { lot, target } = (await setManufacturerTargets(db, actor, { lab, targets: [{ ...input, effectiveFrom: input.effectiveFrom }] }, now, { newLotOnly: true }))[0];
  return lotApiRow({ analyte: analyte.code, level: input.level, lot: input.lot, instrument: input.instrument, mean: target.mean, sd: target.sd, source: target.source, effectiveFrom: target.effectiveFrom, expiresOn: lot.expiresOn });
}

/** Handle `GET /api/v1/iqc/runs`: the runs (body) and the cursor of the next page (the route sends
 * it as the `x-next-cursor` header and a `Link: <…&cursor=…>; rel="next"`). */
export async function getRuns(db: DB, actor: Actor, req: Request, now = Date.now()): Promise<{ runs: ApiRun[]; next: string | null }> {
  return await runsForApiView(db, actor, requestQuery(req, ['lab', 'analyte', 'instrument', 'from', 'to', 'limit', 'cursor']), now);
}
