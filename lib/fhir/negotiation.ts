// Content negotiation under /fhir (R4 http §3.1.0.1.10 and §3.1.0.1.12): every answer is FHIR R4
// JSON, so a caller that accepts only another format (XML, Turtle) or another FHIR version gets a
// 406 rather than a JSON answer it did not ask for, and a body sent as XML a 415 rather than "not
// valid JSON". `_format` overrides Accept, as the specification says.
//
// Written here rather than with `negotiator`: it compares a range's parameters with the offered
// type's exactly, so `application/fhir+json; fhirVersion=4.0` or `; charset=utf-8` would not match
// the one type offered, where only `q` and `fhirVersion` matter.
import type { ErrorParams } from '@/lib/errors';

/** The media types of FHIR JSON a caller may name: R4's, plain JSON, and DSTU2's older name. */
const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'text/json'];
/** The `_format` values taken as JSON: the short name and the media types. */
const JSON_FORMATS = ['json', ...JSON_TYPES];
/** R4 (4.0, 4.0.1 …): the only FHIR version answered. */
const R4 = /^4\.0(\.\d+)?$/;

interface MediaRange {
  type: string;
  q: number;
  fhirVersion?: string;
}

function mediaRanges(header: string): MediaRange[] {
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const range: MediaRange = { type, q: 1 };
    for (const p of params) {
      const eq = p.indexOf('=');
      const key = eq < 0 ? p : p.slice(0, eq).trim();
      const value = eq < 0 ? '' : p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') range.q = Number(value);
      else if (key === 'fhirversion') range.fhirVersion = value;
    }
    return range;
  });
}

const coversJson = (type: string) => type === '*/*' || type === 'application/*' || type === 'text/*' || JSON_TYPES.includes(type);

/** Whether an Accept header admits FHIR R4 JSON: absent or blank, or a range with q > 0 that covers
 * one of the JSON types (wildcards included) and names no FHIR version but R4. */
export function acceptsFhirJson(accept: string | null | undefined): boolean {
  if (!accept?.trim()) return true;
  return mediaRanges(accept).some((r) => r.q > 0 && coversJson(r.type) && (r.fhirVersion === undefined || R4.test(r.fhirVersion)));
}

/** Whether a `_format` value names JSON. */
export const isJsonFormat = (format: string) => JSON_FORMATS.includes(format.trim().toLowerCase());

/** Whether a request body's Content-Type may hold FHIR JSON: absent, or not an XML or RDF type (a
 * client posting JSON with a generic type such as `text/plain` is read as JSON, as before). */
export function bodyMayBeJson(contentType: string | null | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return !/\bxml\b|turtle|rdf/.test(type);
}

/** What the caller may receive and has sent, as the refusal to give, or null when JSON will do. */
export function negotiationRefusal(req: { accept?: string | null; format?: string | null; contentType?: string | null }): { status: 406 | 415; reason: 'fhir.unsupportedMediaType' | 'fhir.notAcceptable'; params: ErrorParams } | null {
  if (req.contentType !== undefined && !bodyMayBeJson(req.contentType)) return { status: 415, reason: 'fhir.unsupportedMediaType', params: { contentType: String(req.contentType) } };
  if (req.format !== null && req.format !== undefined) return null; // _format overrides Accept; its own check refuses what is not JSON
  if (!acceptsFhirJson(req.accept)) return { status: 406, reason: 'fhir.notAcceptable', params: { accept: String(req.accept) } };
  return null;
}
