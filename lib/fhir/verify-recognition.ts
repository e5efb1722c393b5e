// `POST /fhir/Observation/$verify-recognition`: a Bundle of Observations received from other
// institutions comes back with each one marked — the HL7 Europe `laboratory-accredited` extension
// (true when the performing lab was recognised for the item on the result's day AND the result is
// still inside the item's recognition window on the day of reuse), a `meta.tag` with the mark of the
// recognising region (`广东HR`) when true, and LabQC's recognition-check extension with the answer
// behind it. An Observation that cannot be checked carries no such mark (one it came with, from an
// earlier marking or elsewhere, is removed: it would say "recognised" for what was not verified) and
// gets an OperationOutcome entry after the original entries (whose number and order never change;
// the outcome entries of an earlier marking at the end of a Bundle sent back are replaced).
//
// The decisions are the batch verification's (verify-batch.ts), so every mark equals what
// `POST /api/v1/verify` answers for the same lab, item and days.
// - lab: a performer's identifier of system urn:labqc:lab-code, else that of the Organization a
//   performer reference points at in the Bundle (fullUrl) or among the contained resources, else the
//   id of an `Organization/{labCode}` reference (relative, or absolute on this server's base: one on
//   another server names that server's Organization, as the VerificationResult search reads it), else a performer identifier
//   without a system on an Organization (or untyped) performer;
// - item: Observation.code's codings, tried in this order until one resolves: LabQC item code, LOINC,
//   then codes of any other system as the caller's local codes (a signed-in hospital or regulator, or
//   its API token holding `verify`; anonymous callers have none), then codings without a system as a bare code;
// - result day: effectiveDateTime, effectivePeriod.start, effectiveInstant or issued (its calendar
//   day as written, YYYY-MM-DD; a year or month alone is not a day);
// - day of reuse: `asOf` (query parameter, or a Parameters input's `asOf`), default today.
import { jsonNestsDeeperThan } from '@/lib/body';
import { englishText, type ErrorParams } from '@/lib/errors';
import type { ErrorReason } from '@/lib/error-reasons';
import { randomUUID } from 'node:crypto';
import type { DB } from '@/db/client';
import { dayOf } from '@/lib/calendar';
import { isoDay } from '@/lib/validation/recognition';
import { MAX_BATCH_CHECKS, verifyBatch, type BatchEntry, type BatchOptions } from '@/lib/services/recognition/verify-batch';
import type { VerifyAnswer } from '@/lib/services/recognition/verification';
import { ACCREDITED_EXT, CERTIFICATE_SYSTEM, ITEM_CODE_SYSTEM, LAB_CODE_SYSTEM, LOINC_SYSTEM, MARK_SYSTEM, RECOGNITION_CHECK_EXT } from './constants';
import { labCodeOfFhirId, operationOutcome, type FhirResource, type Issue } from './resources';

/** A refusal of the whole request, answered as an OperationOutcome with this status, its R4 issue
 * type and the reason code (with its English sentence) that every LabQC refusal carries. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issueCode: string,
    readonly reason: ErrorReason,
    params: ErrorParams = {},
  ) {
    super(englishText(reason, params));
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const arrayOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const MAX_JSON_DEPTH = 100;

/** Bundle types whose entries may be marked and followed by outcome entries. */
const BUNDLE_TYPES = ['collection', 'searchset'];

/** The Bundle and asOf of a request body (a Bundle, or Parameters with `bundle` and `asOf`). */
export function readVerifyInput(text: string, asOfParam: string | null): { bundle: Json; asOf: string | undefined } {
  let body: unknown;
  // the Bundle is answered with its entries marked: written back, a body nested thousands deep would
  // overflow the stack (a resource nests a dozen levels or so)
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw new FhirError(400, 'structure', 'fhir.nestedTooDeep', { max: MAX_JSON_DEPTH });
  try {
    body = JSON.parse(text);
  } catch {
    throw new FhirError(400, 'invalid', 'body.notJson');
  }
  if (!isObject(body)) throw new FhirError(400, 'invalid', 'fhir.notBundle');
  let bundle: unknown = body;
  let asOf: unknown = asOfParam ?? undefined;
  if (body.resourceType === 'Parameters') {
    const params = arrayOf(body.parameter).filter(isObject);
    bundle = params.find((p) => p.name === 'bundle')?.resource;
    const a = params.find((p) => p.name === 'asOf');
    if (a && asOf === undefined) asOf = a.valueDate ?? a.valueString;
  }
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle') throw new FhirError(400, 'invalid', 'fhir.notBundle');
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw new FhirError(400, 'structure', 'fhir.entryNotArray');
  if (!BUNDLE_TYPES.includes(bundle.type as string)) throw new FhirError(422, 'not-supported', 'fhir.bundleType', { types: BUNDLE_TYPES.join(', '), got: JSON.stringify(bundle.type ?? null) });
  if (asOf !== undefined && (typeof asOf !== 'string' || !isoDay.safeParse(asOf).success)) throw new FhirError(400, 'value', 'fhir.asOfNotDate');
  return { bundle, asOf: asOf as string | undefined };
}

interface Target {
  lab: string;
  /** item codes to try, in order (verify's analyte syntax: item:<code>, loinc:<code>, local:<code>, code) */
  items: string[];
  date: string;
}

/** The most codings and performers of one Observation looked at: every coding may cost a pass of
 * the batch, and a result names one item and one lab (a few codings and performers at most). */
const MAX_CODINGS = 32;
const MAX_PERFORMERS = 16;

/** Why an Observation cannot be checked (null: it can), or what to check. `fullUrls`: the request's
 * entries by fullUrl (a performer's reference may name one). */
function targetOf(obs: Json, fullUrls: ReadonlyMap<unknown, unknown>, base: string | undefined): Target | Issue {
  if (arrayOf(obs.performer).length > MAX_PERFORMERS) return { code: 'too-costly', message: englishText('fhir.tooManyPerformers', { max: MAX_PERFORMERS }), reason: 'fhir.tooManyPerformers', expression: ['performer'] };
  if (isObject(obs.code) && arrayOf(obs.code.coding).length > MAX_CODINGS) return { code: 'too-costly', message: englishText('fhir.tooManyCodings', { max: MAX_CODINGS }), reason: 'fhir.tooManyCodings', expression: ['code'] };
  const lab = performerLab(obs, fullUrls, base);
  if (!lab) return { code: 'required', message: 'No performer identifies a LabQC laboratory (Organization/{labCode} or identifier system ' + LAB_CODE_SYSTEM + ')', reason: 'lab.notFound', expression: ['performer'] };
  const items = itemCandidates(obs.code);
  if (!items.length) return { code: 'required', message: 'Observation.code has no coding with a code', reason: 'analyte.notFound', expression: ['code'] };
  const found = resultDay(obs);
  if (!found) return { code: 'required', message: 'No result day: effectiveDateTime, effectivePeriod.start, effectiveInstant or issued with a full date is required', reason: 'recognition.invalidDate', expression: ['effective'] };
  if ('invalid' in found) return { code: 'value', message: `${found.field} ${JSON.stringify(found.invalid)} is not a date or dateTime with a full date (YYYY-MM-DD, or with a time of 00:00–23:59 and an offset up to ±14:00)`, reason: 'recognition.invalidDate', expression: [found.field] };
  return { lab, items, date: found.day };
}

/** The performer's lab code: its LabQC identifier, else the identifier of the Organization its
 * reference resolves to inside the request (a Bundle entry's fullUrl, a contained `#id`), else the id
 * of an `Organization/{id}` reference. */
function performerLab(obs: Json, fullUrls: ReadonlyMap<unknown, unknown>, base: string | undefined): string | null {
  const performers = arrayOf(obs.performer).filter(isObject);
  for (const p of performers) {
    const own = labIdentifier(p.identifier, false);
    if (own) return own;
  }
  for (const p of performers) {
    const ref = typeof p.reference === 'string' ? p.reference : null;
    if (!ref) continue;
    const target = ref.startsWith('#') ? arrayOf(obs.contained).find((c) => isObject(c) && c.id === ref.slice(1)) : fullUrls.get(ref);
    const org = isObject(target) && target.resourceType === 'Organization' ? target : isObject(target) && isObject(target.resource) && target.resource.resourceType === 'Organization' ? target.resource : null;
    const found = org ? arrayOf(org.identifier).map((i) => labIdentifier(i, true)).find(Boolean) : null;
    if (found) return found;
  }
  for (const p of performers) {
    const ref = typeof p.reference === 'string' ? onThisServer(p.reference, base) : null;
    const m = ref === null ? null : /^Organization\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
    if (m) return labCodeOfFhirId(m[1]);
  }
  // last: an identifier without a system on a performer that is (or may be) an Organization
  for (const p of performers) {
    const bare = p.type === undefined || p.type === 'Organization' ? labIdentifier(p.identifier, true) : null;
    if (bare && (typeof p.reference !== 'string' || /(?:^|\/)Organization\//.test(p.reference))) return bare;
  }
  return null;
}

/** A reference relative to this server (`Organization/GZ-001`), or absolute on its base: null for one
 * on another server (`https://his.example/fhir/Organization/GZ-001` is that server's Organization). */
function onThisServer(reference: string, base: string | undefined): string | null {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(reference)) return reference.replace(/^\/+/, '');
  return base && reference.startsWith(`${base}/`) ? reference.slice(base.length + 1) : null;
}

/** The marks of this service on an Observation (the accredited extension, the recognition check, the
 * mark tag), removed before marking it again or when it cannot be checked. */
function withoutMarks(obs: Json): Json {
  const out: Json = { ...obs };
  const ext = arrayOf(obs.extension).filter((e) => !(isObject(e) && (e.url === ACCREDITED_EXT || e.url === RECOGNITION_CHECK_EXT)));
  if (ext.length) out.extension = ext;
  else delete out.extension;
  const meta = isObject(obs.meta) ? { ...obs.meta } : null;
  if (meta) {
    const tags = arrayOf(meta.tag).filter((t) => !(isObject(t) && t.system === MARK_SYSTEM));
    if (tags.length) meta.tag = tags;
    else delete meta.tag;
    if (Object.keys(meta).length) out.meta = meta;
    else delete out.meta;
  }
  return out;
}

/** An OperationOutcome entry this service appended to a marked Bundle (each of its issues points at
 * an entry's resource): at the end of a Bundle sent back, replaced by this marking's own. */
function isOwnOutcome(entry: unknown): boolean {
  const r = isObject(entry) ? entry.resource : undefined;
  const issues = isObject(r) && r.resourceType === 'OperationOutcome' ? arrayOf(r.issue) : [];
  return issues.length > 0 && issues.every((i) => isObject(i) && arrayOf(i.expression).some((x) => typeof x === 'string' && /^Bundle\.entry\[\d+\]\.resource\b/.test(x)));
}

/** A LabQC lab code from an identifier of system urn:labqc:lab-code (or of no system, when allowed). */
function labIdentifier(id: unknown, noSystem: boolean): string | null {
  if (!isObject(id) || typeof id.value !== 'string' || !id.value.trim()) return null;
  return id.system === LAB_CODE_SYSTEM || (noSystem && id.system === undefined) ? id.value.trim() : null;
}

function itemCandidates(code: unknown): string[] {
  const codings = arrayOf(isObject(code) ? code.coding : undefined).filter((c): c is Json => isObject(c) && typeof c.code === 'string' && c.code.trim() !== '');
  const of = (pred: (c: Json) => boolean, form: (c: string) => string) => codings.filter(pred).map((c) => form((c.code as string).trim()));
  // each candidate once, in order of preference
  return [...new Set([
    // a LabQC item code is the catalogue's, never looked up in the caller's local codes
    ...of((c) => c.system === ITEM_CODE_SYSTEM, (c) => `item:${c}`),
    ...of((c) => c.system === LOINC_SYSTEM, (c) => `loinc:${c}`),
    ...of((c) => typeof c.system === 'string' && c.system !== ITEM_CODE_SYSTEM && c.system !== LOINC_SYSTEM, (c) => `local:${c}`),
    ...of((c) => c.system === undefined, (c) => c),
  ])];
}

/** The day a result was produced, on China's calendar as every day LabQC compares: a time with its
 * offset is an instant (`2026-12-01T20:30:00Z` is 2 December in China, the day a suspension may
 * already hold); a date alone, or a time without an offset, is the day as written. */
function resultDay(obs: Json): { day: string } | { invalid: string; field: string } | null {
  const period = isObject(obs.effectivePeriod) ? obs.effectivePeriod.start : undefined;
  const fields: [string, unknown][] = [['effectiveDateTime', obs.effectiveDateTime], ['effectivePeriod.start', period], ['effectiveInstant', obs.effectiveInstant], ['issued', obs.issued]];
  // the first one given decides: one that is no day is refused, not passed over for a later field
  // (issued is often a later day than the result's)
  const [field, v] = fields.find(([, x]) => x !== undefined && x !== null) ?? [];
  // none, or a year or month alone (a FHIR dateTime, but no day): a full date is required
  if (field === undefined || (typeof v === 'string' && /^\d{4}(?:-\d{2})?$/.test(v))) return null;
  const m = typeof v === 'string' ? RESULT_TIME.exec(v) : null;
  if (!m || !isoDay.safeParse(m[1]).success) return { invalid: String(v), field };
  const instant = m[2] ? Date.parse(v as string) : NaN;
  return { day: Number.isFinite(instant) ? dayOf(instant) : m[1] };
}

/** A full date, optionally with a time (hours 00–23; seconds optional) and an offset (up to ±14:00):
 * group 2 is the offset, whose presence makes the time an instant. A time without an offset (FHIR
 * wants one) is read as the day written, as before. */
const RESULT_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?)?$/;

/** The Observation with its marks (previous LabQC marks replaced, everything else kept). */
function marked(obs: Json, a: VerifyAnswer): Json {
  const accredited = a.recognized && a.withinWindow;
  const bare = withoutMarks(obs);
  const check = [
    { url: 'recognized', valueBoolean: a.recognized },
    { url: 'reason', valueCode: a.reason },
    ...(a.mark ? [{ url: 'mark', valueCoding: { system: MARK_SYSTEM, code: a.mark, display: a.mark } }] : []),
    ...(a.certificateNo ? [{ url: 'certificate', valueIdentifier: { system: CERTIFICATE_SYSTEM, value: a.certificateNo } }] : []),
    { url: 'date', valueDate: a.date },
    { url: 'asOf', valueDate: a.asOf },
    ...(a.windowDays !== null ? [{ url: 'windowDays', valueInteger: a.windowDays }] : []),
    { url: 'withinWindow', valueBoolean: a.withinWindow },
  ];
  const out: Json = { ...bare, extension: [...arrayOf(bare.extension), { url: ACCREDITED_EXT, valueBoolean: accredited }, { url: RECOGNITION_CHECK_EXT, extension: check }] };
  if (accredited && a.mark) {
    const meta = isObject(bare.meta) ? bare.meta : {};
    out.meta = { ...meta, tag: [...arrayOf(meta.tag), { system: MARK_SYSTEM, code: a.mark, display: a.mark }] };
  }
  return out;
}

/** The marked Bundle: the same entries in the same order, then one OperationOutcome per Observation
 * that could not be checked (expression `Bundle.entry[i].resource...`). */
export async function verifyRecognitionBundle(db: DB, bundle: Json, asOf: string | undefined, opts: BatchOptions & { base?: string } = {}): Promise<FhirResource> {
  const given = arrayOf(bundle.entry);
  // a Bundle marked before and sent back: its outcome entries at the end are this marking's to give
  let kept = given.length;
  while (kept > 0 && isOwnOutcome(given[kept - 1])) kept--;
  const entries = given.slice(0, kept);
  const observations = entries.filter((e) => isObject(e) && isObject(e.resource) && e.resource.resourceType === 'Observation').length;
  // counted before any is read: every one costs a check
  if (observations > MAX_BATCH_CHECKS) throw new FhirError(413, 'too-costly', 'fhir.tooManyObservations', { max: MAX_BATCH_CHECKS, n: observations });
  const fullUrls = new Map<unknown, unknown>();
  for (const e of entries) if (isObject(e) && typeof e.fullUrl === 'string' && !fullUrls.has(e.fullUrl)) fullUrls.set(e.fullUrl, e);
  const issues = new Map<number, Issue>();
  const targets = new Map<number, Target>();
  entries.forEach((e, i) => {
    const obs = isObject(e) ? e.resource : undefined;
    if (!isObject(obs) || obs.resourceType !== 'Observation') return;
    const t = targetOf(obs, fullUrls, opts.base);
    if ('lab' in t) targets.set(i, t);
    else issues.set(i, t);
  });

  // the batch service decides; an item that is unknown by one coding is tried by the next one
  const answers = new Map<number, BatchEntry>();
  let pending = [...targets.keys()];
  for (let pass = 0; pending.length; pass++) {
    const asked = pending.filter((i) => pass < targets.get(i)!.items.length);
    if (!asked.length) break;
    const { results } = await verifyBatch(db, { checks: asked.map((i) => ({ lab: targets.get(i)!.lab, analyte: targets.get(i)!.items[pass], date: targets.get(i)!.date, asOf })) }, opts);
    pending = [];
    asked.forEach((i, k) => {
      const r = results[k];
      if (!('error' in r) || !answers.has(i)) answers.set(i, r);
      if ('error' in r && r.code === 'analyte.notFound') pending.push(i);
    });
  }

  const out = entries.map((e, i) => {
    const a = answers.get(i);
    if (a && isObject(e) && 'error' in a) issues.set(i, { code: a.code === 'lab.notFound' || a.code === 'analyte.notFound' ? 'not-found' : 'processing', message: a.error, reason: a.code });
    if (a && isObject(e) && !('error' in a)) return { ...e, resource: marked(e.resource as Json, a) };
    return issues.has(i) && isObject(e) ? { ...e, resource: withoutMarks(e.resource as Json) } : e;
  });
  const searchset = bundle.type === 'searchset';
  for (const [i, issue] of [...issues].sort((x, y) => x[0] - y[0])) {
    const where = `Bundle.entry[${i}].resource`;
    out.push({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: operationOutcome([{ ...issue, expression: issue.expression?.length ? issue.expression.map((x) => `${where}.${x}`) : [where] }]),
      ...(searchset ? { search: { mode: 'outcome' } } : {}),
    });
  }
  return { ...(bundle as FhirResource), ...(out.length ? { entry: out } : {}) };
}
