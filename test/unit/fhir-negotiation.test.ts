// Content negotiation under /fhir (lib/fhir/negotiation.ts): what an Accept header, `_format` and a
// body's Content-Type admit, by R4 http §3.1.0.1.10 (mime types) and §3.1.0.1.12 (fhirVersion).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptsFhirJson, bodyMayBeJson, isJsonFormat, negotiationRefusal } from '@/lib/fhir/negotiation';
import { englishText } from '@/lib/errors';

describe('acceptsFhirJson', () => {
  it.each([
    [null, true],
    ['', true],
    ['  ', true],
    ['*/*', true],
    ['application/fhir+json', true],
    ['Application/FHIR+JSON', true],
    ['application/json', true],
    ['application/json+fhir', true], // DSTU2's name
    ['text/json', true],
    ['application/*', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // a browser
    ['application/fhir+xml;q=1.0, application/fhir+json;q=0.9', true], // prefers XML, takes JSON
    ['application/fhir+json; charset=utf-8', true],
    ['application/fhir+json; fhirVersion=4.0', true],
    ['application/fhir+json; fhirVersion="4.0.1"', true],
    ['application/fhir+xml', false],
    ['application/xml, text/xml', false],
    ['text/turtle', false],
    ['text/html', false],
    ['application/fhir+json; fhirVersion=5.0', false], // R5 only
    ['application/fhir+json; fhirVersion=3.0, application/fhir+xml', false],
    ['application/fhir+json; fhirVersion=5.0, */*;q=0.1', true], // then anything
    ['application/fhir+json;q=0', false], // explicitly not
    ['*/*;q=0', false],
    ['application/fhir+json;q=zero', false], // an unreadable weight is no weight
  ])('%j → %s', (accept, expected) => expect(acceptsFhirJson(accept)).toBe(expected));

  const range = fc.constantFrom('application/fhir+xml', 'application/xml', 'text/html', 'application/fhir+json', 'application/json', '*/*', 'application/*', 'text/turtle', 'application/fhir+json; fhirVersion=5.0');
  const header = fc.array(fc.tuple(range, fc.option(fc.constantFrom('0', '0.1', '0.5', '1'))), { minLength: 1, maxLength: 5 }).map((rs) => rs.map(([r, q]) => (q === null ? r : `${r};q=${q}`)));

  it('adding a range to a header never turns an accepting header into a refusing one', () => {
    fc.assert(fc.property(header, header, (a, b) => !acceptsFhirJson(a.join(', ')) || acceptsFhirJson([...a, ...b].join(', '))));
  });

  it('the order of the ranges does not matter', () => {
    fc.assert(fc.property(header, (a) => acceptsFhirJson(a.join(', ')) === acceptsFhirJson([...a].reverse().join(','))));
  });
});

describe('_format and Content-Type', () => {
  it('_format takes JSON by its short name or media type', () => {
    expect(['json', 'JSON', 'application/fhir+json', 'application/json', 'application/json+fhir'].map(isJsonFormat)).toEqual([true, true, true, true, true]);
    expect(['xml', 'application/fhir+xml', 'ttl', 'html', ''].map(isJsonFormat)).toEqual([false, false, false, false, false]);
  });

  it('a body may be JSON unless its type says XML or RDF', () => {
    expect([undefined, null, '', 'application/fhir+json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'].map(bodyMayBeJson)).toEqual([true, true, true, true, true, true, true]);
    expect(['application/fhir+xml', 'application/xml', 'text/xml; charset=utf-8', 'text/turtle', 'application/rdf+xml'].map(bodyMayBeJson)).toEqual([false, false, false, false, false]);
  });

  it('the refusal: 415 for a body in another format first, _format overriding Accept, else 406', () => {
    expect(negotiationRefusal({ accept: 'application/fhir+xml' })?.status).toBe(406);
    expect(negotiationRefusal({ accept: 'application/fhir+xml', format: 'json' })).toBeNull();
    expect(negotiationRefusal({ accept: 'application/fhir+json', contentType: 'application/fhir+xml' })?.status).toBe(415);
    expect(negotiationRefusal({ accept: 'application/fhir+xml', contentType: 'application/fhir+xml' })?.status).toBe(415);
    expect(negotiationRefusal({ accept: '*/*', contentType: 'application/fhir+json' })).toBeNull();
    expect(negotiationRefusal({})).toBeNull();
    expect(negotiationRefusal({ accept: 'text/html' })).toEqual({ status: 406, reason: 'fhir.notAcceptable', params: { accept: 'text/html' } });
    const refused = negotiationRefusal({ accept: 'text/html' })!;
    expect(englishText(refused.reason, refused.params)).toBe('This server answers FHIR R4 JSON only: accept application/fhir+json (Accept: text/html)');
  });
});
