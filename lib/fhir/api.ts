// LabQC's FHIR R4 interface in framework-free functions, so the Next route handler (app/fhir/[...path])
// and the production server's fast path answer the same:
//   GET  /fhir/metadata                                   CapabilityStatement
//   GET  /fhir/Organization/{labCode | region-<code>}     a lab (with its qualifications) or a region's authority
//   GET  /fhir/Organization?identifier=&name=             searchset Bundle (_count, _offset)
//   GET  /fhir/VerificationResult?target=Organization/{labCode}   searchset, one per certification
//   GET  /fhir/VerificationResult/{certificateNo}          one certification (the searchset's fullUrl)
//   POST /fhir/Observation/$verify-recognition[?asOf=]     the Bundle, marked (verify-recognition.ts)
// Every answer is `application/fhir+json`; every refusal an OperationOutcome with its HTTP status (400
// malformed request, 404 unknown lab or path, 413 too many, 422 unprocessable, 429 rate limit).
// GETs carry ETag and Cache-Control and answer 304 like the other public GETs (lib/public-api.ts).
import type { DB } from '@/db/client';
import { withReadDb } from '@/db/client';
import { fhirLabCertifications, fhirRegionByCode, fhirSearchLabs } from '@/db/queries/fhir';
import { labCodeCandidates, publicCertificateByNo, publicLabByCode, type PublicLab } from '@/db/queries/public';
import { AppError, unstorableText } from '@/lib/errors';
import { dayOf } from '@/lib/calendar';
import { NO_STORE, renderPublic, SHORT_CACHE } from '@/lib/public-api';
import type { BatchOptions } from '@/lib/services/recognition/verify-batch';
import { FHIR_JSON, FHIR_VERSION, LAB_CODE_SYSTEM, REGION_CODE_SYSTEM, VERIFY_OPERATION } from './constants';
import {
  certificationFhirId,
  certificationVerificationResult,
  issueTypeOf,
  labCodeOfFhirId,
  labOrganization,
  operationOutcome,
  REGION_ID,
  regionOrganization,
  searchsetBundle,
  type FhirResource,
  type SearchEntry,
} from './resources';
import { FhirError, readVerifyInput, verifyRecognitionBundle } from './verify-recognition';
import { isJsonFormat, negotiationRefusal } from './negotiation';
import { mapSeq } from '@/lib/async';

export interface FhirAnswer {
  status: number;
  body: FhirResource;
  cache?: string;
}

/** The interface's version date (CapabilityStatement.date). */
const CAPABILITY_DATE = '2026-11-29';
const DEFAULT_COUNT = 50;
const MAX_COUNT = 200;
/** The largest $verify-recognition body: 10,000 Observations of up to ~2 KB each. */
export const MAX_FHIR_BODY_BYTES = 24 * 1024 * 1024;

/** The base of the absolute URLs in answers: PUBLIC_URL when configured, else the request's origin. */
export function fhirBase(origin: string): string {
  return `${(process.env.PUBLIC_URL?.trim() || origin).replace(/\/+$/, '')}/fhir`;
}

/** The origin a request was sent to, from its Host (and the scheme the server saw: TLS or a trusted
 * proxy's), the same for the fast path's reads and Next's handlers; `fallback` without a Host. */
export function requestOrigin(proto: string | null | undefined, host: string | null | undefined, fallback = 'http://localhost'): string {
  return host ? `${proto === 'https' ? 'https' : 'http'}://${host}` : fallback;
}

/** The answer to a GET under /fhir (never null: an unknown path is a 404 OperationOutcome). */
export async function fhirRead(pathname: string, params: URLSearchParams, opts: { base: string; accept?: string | null; now?: number; db?: DB }): Promise<FhirAnswer> {
  try {
    // a read replica may answer (db/replicas.ts), unless the caller hands its own handle
    const onDb = <T>(read: (db: DB) => Promise<T>): Promise<T> => (opts.db ? read(opts.db) : withReadDb(read));
    const today = dayOf(opts.now ?? Date.now());
    const path = pathname.replace(/\/+$/, '');
    givenOnce(params);
    negotiate(params, opts.accept);
    if (path === '/fhir/metadata') return ok(capabilityStatement(opts.base));
    if (path === '/fhir/Organization') return ok(await onDb((db) => searchOrganizations(db, params, today, opts.base)));
    const org = /^\/fhir\/Organization\/([^/]+)$/.exec(path);
    if (org) return ok(await onDb((db) => readOrganization(db, decoded(org[1]), today)));
    if (path === '/fhir/VerificationResult') return ok(await onDb((db) => searchVerificationResults(db, params, today, opts.base)));
    const vr = /^\/fhir\/VerificationResult\/([^/]+)$/.exec(path);
    if (vr) return ok(await onDb((db) => readVerificationResult(db, decoded(vr[1]), today)));
    throw new FhirError(404, 'not-supported', 'fhir.unknownInteraction', { method: 'GET', path, base: opts.base });
  } catch (e) {
    return failure(e);
  }
}

/** The refusal of a request for a format other than FHIR R4 JSON, or of a body sent as one
 * (lib/fhir/negotiation.ts): `_format` when given (400 unless JSON), else Accept (406). */
export function negotiate(params: URLSearchParams, accept: string | null | undefined, contentType?: string | null): void {
  const format = params.get('_format');
  if (format !== null && !isJsonFormat(format)) throw new FhirError(400, 'not-supported', 'fhir.formatNotJson', { format });
  const refusal = negotiationRefusal({ accept, format, contentType });
  if (refusal) throw new FhirError(refusal.status, 'not-supported', refusal.reason, refusal.params);
}

/** `POST /fhir/Observation/$verify-recognition` from the body's text. */
export async function fhirVerify(text: string, params: URLSearchParams, opts: BatchOptions & { db?: DB; base?: string } = {}): Promise<FhirAnswer> {
  try {
    givenOnce(params);
    const { bundle, asOf } = readVerifyInput(text, params.get('asOf'));
    const body = opts.db ? await verifyRecognitionBundle(opts.db, bundle, asOf, opts) : await withReadDb((db) => verifyRecognitionBundle(db, bundle, asOf, opts));
    return { status: 200, body, cache: NO_STORE };
  } catch (e) {
    return failure(e);
  }
}

/** A refusal as an OperationOutcome answer. */
export function fhirRefusal(status: number, message: string, reason?: string): FhirAnswer {
  return { status, body: operationOutcome([{ code: issueTypeOf(status), message, reason }]), cache: NO_STORE };
}

function failure(e: unknown): FhirAnswer {
  if (e instanceof FhirError) return { status: e.status, body: operationOutcome([{ code: e.issueCode, message: e.message, reason: e.reason }]), cache: NO_STORE };
  if (e instanceof AppError) return fhirRefusal(e.status, e.message, e.reason);
  const text = unstorableText(e);
  if (text) return fhirRefusal(text.status, text.message, text.reason);
  console.error(e);
  return { status: 500, body: operationOutcome([{ severity: 'fatal', code: 'exception', message: 'Internal error' }]), cache: NO_STORE };
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new FhirError(400, 'invalid', 'request.malformedUrl');
  }
}

function ok(body: FhirResource): FhirAnswer {
  return { status: 200, body, cache: SHORT_CACHE };
}

/** The HTTP response of an answer: FHIR JSON with ETag, Cache-Control and Vary on a 200, 304 on a match. */
export function renderFhir(answer: FhirAnswer, ifNoneMatch: string | null | undefined) {
  const r = renderPublic(answer, ifNoneMatch);
  if (r.headers['content-type']) r.headers['content-type'] = `${FHIR_JSON}; charset=utf-8`;
  // the answer depends on Accept (406 for another format): a shared cache keeps the two apart
  if (r.status === 200 || r.status === 304) r.headers.vary = 'Accept';
  return r;
}

// ---------------------------------------------------------------------------------------------

function capabilityStatement(base: string): FhirResource {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: CAPABILITY_DATE,
    publisher: 'LabQC',
    description: 'Mutual recognition of laboratory test results: laboratories and their certified items, certifications as VerificationResult, and marking received Observations as recognised.',
    kind: 'instance',
    software: { name: 'LabQC' },
    implementation: { description: 'LabQC FHIR R4 interface', url: base },
    fhirVersion: FHIR_VERSION,
    format: [FHIR_JSON, 'json'],
    rest: [
      {
        mode: 'server',
        documentation: `Laboratories are identified by ${LAB_CODE_SYSTEM}, regions' recognition authorities by ${REGION_CODE_SYSTEM}. Reads are public and cacheable (ETag, If-None-Match).`,
        resource: [
          {
            type: 'Organization',
            documentation: 'A laboratory (id = its lab code) with its certifications in force as the R5 Organization.qualification extension; region-<code> is the recognition authority of a region.',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [
              { name: 'identifier', definition: 'http://hl7.org/fhir/SearchParameter/Organization-identifier', type: 'token', documentation: `[${LAB_CODE_SYSTEM}|]labCode or ${REGION_CODE_SYSTEM}|regionCode` },
              { name: 'name', definition: 'http://hl7.org/fhir/SearchParameter/Organization-name', type: 'string', documentation: 'Start of the Chinese or English name (:contains, :exact)' },
              { name: '_count', type: 'number' },
              { name: '_offset', type: 'number', documentation: 'Index of the first match of the page' },
            ],
          },
          {
            type: 'VerificationResult',
            documentation: 'One per certification of the laboratory: validated while in force, req-revalid when suspended, val-fail when revoked or expired, in-process before it starts.',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            searchParam: [{ name: 'target', definition: 'http://hl7.org/fhir/SearchParameter/VerificationResult-target', type: 'reference', documentation: 'Organization/{labCode} (required)' }],
          },
          {
            type: 'Observation',
            documentation: 'Mark received results as recognised (laboratory-accredited) or not.',
            operation: [
              {
                name: 'verify-recognition',
                definition: VERIFY_OPERATION,
                documentation:
                  'POST a Bundle (collection or searchset) of Observations, or Parameters with "bundle" and "asOf"; optional ?asOf=YYYY-MM-DD (default today). Returns the Bundle with each Observation marked, then one OperationOutcome per Observation that could not be checked. At most 10,000 Observations; rate-limited per client like POST /api/v1/verify.',
              },
            ],
          },
        ],
      },
    ],
  };
}

async function readOrganization(db: DB, id: string, today: string): Promise<FhirResource> {
  const region = REGION_ID.exec(id);
  if (region) {
    const r = await fhirRegionByCode(db, region[1]);
    if (!r) throw new FhirError(404, 'not-found', 'fhir.regionNotFound', { region: region[1] });
    return regionOrganization(r);
  }
  const lab = await publicLabByCode(db, labCodeOfFhirId(id));
  if (!lab) throw new AppError('lab.notFound', { lab: labCodeOfFhirId(id) });
  return labOrganization(lab, await fhirLabCertifications(db, lab.id, today), today);
}

/** A certification by its id (its certificate number), as the searchset's fullUrl names it. */
async function readVerificationResult(db: DB, id: string, today: string): Promise<FhirResource> {
  const found = await publicCertificateByNo(db, id);
  const lab = found ? await publicLabByCode(db, found.labCode) : undefined;
  const c = lab ? (await fhirLabCertifications(db, lab.id, today)).find((x) => x.id === found!.id) : undefined;
  if (!lab || !c || certificationFhirId(c) !== id) throw new FhirError(404, 'not-found', 'fhir.noVerificationResult', { id });
  return certificationVerificationResult(lab, c, today);
}

const labOrg = async (db: DB, lab: PublicLab, today: string) => labOrganization(lab, await fhirLabCertifications(db, lab.id, today), today);

/** A parameter given twice (`_count=10&_count=50`, `asOf=…&asOf=…`) may be meant either way: 400,
 * rather than the first value taken (the JSON API refuses it too: lib/validation/query.ts). */
function givenOnce(params: URLSearchParams) {
  const repeated = [...new Set(params.keys())].find((k) => params.getAll(k).length > 1);
  if (repeated !== undefined) throw new FhirError(400, 'not-supported', 'fhir.repeatedParameter', { name: repeated, n: params.getAll(repeated).length });
}

function allowOnly(params: URLSearchParams, allowed: readonly string[]) {
  for (const k of params.keys()) if (!allowed.includes(k) && k !== '_format') throw new FhirError(400, 'not-supported', 'fhir.unknownParameter', { name: k, supported: allowed.join(', ') });
}

function page(params: URLSearchParams): { count: number; offset: number } {
  const n = (k: string, dflt: number, min: number, max: number) => {
    const v = params.get(k);
    if (v === null) return dflt;
    if (!/^\d+$/.test(v)) throw new FhirError(400, 'value', 'fhir.notWholeNumber', { name: k });
    return Math.max(min, Math.min(max, Number(v)));
  };
  return { count: n('_count', DEFAULT_COUNT, 0, MAX_COUNT), offset: n('_offset', 0, 0, Number.MAX_SAFE_INTEGER) };
}

function links(base: string, type: string, params: URLSearchParams, p: { count: number; offset: number }, total: number) {
  const url = (offset: number) => {
    const q = new URLSearchParams(params);
    if (offset !== p.offset) q.set('_offset', String(offset));
    const s = q.toString();
    return `${base}/${type}${s ? `?${s}` : ''}`;
  };
  return { self: url(p.offset), next: p.count > 0 && p.offset + p.count < total ? url(p.offset + p.count) : undefined };
}

async function searchOrganizations(db: DB, params: URLSearchParams, today: string, base: string): Promise<FhirResource> {
  allowOnly(params, ['identifier', 'name', 'name:contains', 'name:exact', '_count', '_offset']);
  const p = page(params);
  const names = (['name', 'name:contains', 'name:exact'] as const).filter((k) => params.has(k));
  if (names.length > 1) throw new FhirError(400, 'not-supported', 'fhir.oneNameParameter', { names: names.join(' and ') });
  const nameKey = names[0];
  const name = nameKey ? searchValue(nameKey, params.get(nameKey)!).trim() : undefined;
  if (nameKey && !name) throw new FhirError(400, 'value', 'fhir.emptyName');
  const identifier = params.get('identifier') === null ? null : searchValue('identifier', params.get('identifier')!);
  let code: string | undefined;
  if (identifier !== null) {
    const bar = identifier.indexOf('|');
    const system = bar < 0 ? null : identifier.slice(0, bar);
    const value = (bar < 0 ? identifier : identifier.slice(bar + 1)).trim();
    // `|value`: an identifier without a system, which no LabQC identifier is (FHIR R4 §3.1.1.5.7)
    if (system === '') return searchsetBundle(base, links(base, 'Organization', params, p, 0).self, [], 0);
    if (!value && system !== LAB_CODE_SYSTEM) throw new FhirError(400, 'value', 'fhir.identifierNeedsValue');
    if (system === REGION_CODE_SYSTEM) {
      // a region's recognition authority
      const r = await fhirRegionByCode(db, value);
      const found = r && (!name || [r.name, r.nameEn].some((n) => matchesName(n, name, nameKey!))) ? [regionOrganization(r)] : [];
      const l = links(base, 'Organization', params, p, found.length);
      return searchsetBundle(base, l.self, found.slice(p.offset, p.offset + p.count).map((resource) => ({ resource, mode: 'match' })), found.length);
    }
    if (system !== null && system !== LAB_CODE_SYSTEM) return searchsetBundle(base, links(base, 'Organization', params, p, 0).self, [], 0);
    // `system|` alone: every laboratory (each has an identifier of that system)
    code = value || undefined;
  }
  const search = async (c: string | undefined) => await fhirSearchLabs(db, { code: c, name, nameModifier: nameKey === 'name' ? null : nameKey === 'name:contains' ? 'contains' : 'exact', limit: p.count, offset: p.offset });
  // a lab code as everywhere else: as given, else in capitals (gz-001 is GZ-001: labCodeCandidates)
  let found = await search(code);
  for (const c of code === undefined ? [] : labCodeCandidates(code).slice(1)) if (!found.total) found = await search(c);
  const { labs, total } = found;
  const l = links(base, 'Organization', params, p, total);
  return searchsetBundle(base, l.self, (await mapSeq(labs, async (lab) => ({ resource: await labOrg(db, lab, today), mode: 'match' }))), total, l.next);
}

function matchesName(n: string, q: string, key: string): boolean {
  // :exact matches the whole value, letter case included (FHIR R4 §3.1.1.5.11)
  if (key === 'name:exact') return n === q;
  const a = n.toLowerCase();
  const b = q.toLowerCase();
  return key === 'name:contains' ? a.includes(b) : a.startsWith(b);
}

/**
 * A search parameter's one value, its `\,` `\|` `\$` `\\` escapes kept for the caller (a comma
 * is only literal escaped). An unescaped comma asks for any of several values, which these searches
 * do not offer: 400, rather than an empty answer read as "no such laboratory".
 */
function searchValue(key: string, raw: string): string {
  if (/(?:^|[^\\])(?:\\\\)*,/.test(raw)) throw new FhirError(400, 'not-supported', 'fhir.severalValues', { name: key });
  return raw.replace(/\\,/g, ',');
}

async function searchVerificationResults(db: DB, params: URLSearchParams, today: string, base: string): Promise<FhirResource> {
  allowOnly(params, ['target', '_count', '_offset']);
  const target = params.get('target');
  if (!target) throw new FhirError(400, 'required', 'fhir.targetRequired');
  const m = /^(?:.*\/)?(?:Organization\/)?([A-Za-z0-9\-.]{1,64})$/.exec(target.trim());
  if (!m || (target.includes('/') && !/(?:^|\/)Organization\/[^/]+$/.test(target.trim()))) throw new FhirError(400, 'value', 'fhir.invalidTarget');
  const p = page(params);
  // an absolute reference names an Organization of that server: of another one, nothing here matches
  if (/^[a-z][a-z0-9+.-]*:/i.test(target.trim()) && !target.trim().startsWith(`${base}/Organization/`)) {
    return searchsetBundle(base, links(base, 'VerificationResult', params, p, 0).self, [], 0);
  }
  const lab = await publicLabByCode(db, labCodeOfFhirId(m[1]));
  if (!lab) {
    // a search that matches nothing is an empty searchset (FHIR R4 §3.1.1.4), with the reason as an outcome entry
    const outcome: SearchEntry = { resource: operationOutcome([{ severity: 'warning', code: 'not-found', message: `No laboratory ${labCodeOfFhirId(m[1])}`, reason: 'lab.notFound' }]), mode: 'outcome' };
    return searchsetBundle(base, links(base, 'VerificationResult', params, p, 0).self, [outcome], 0);
  }
  const all = await fhirLabCertifications(db, lab.id, today);
  const l = links(base, 'VerificationResult', params, p, all.length);
  return searchsetBundle(base, l.self, all.slice(p.offset, p.offset + p.count).map((c) => ({ resource: certificationVerificationResult(lab, c, today), mode: 'match' })), all.length, l.next);
}
