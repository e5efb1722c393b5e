// A JSON body's unpaired surrogate escapes (lib/body.ts parseJsonBody): refused with each
// string's place, paired escapes and bodies without escapes pass, and the check agrees with
// String.prototype.isWellFormed on random strings; the same for values a server action decodes
// (a grid's rows, a CSV's text by line).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJsonBody, refuseUnpairedSurrogatesIn, refuseUnpairedSurrogatesInLines } from '@/lib/body';
import { AppError } from '@/lib/errors';

/** The refusal a check throws, or null when it passes. */
function refusedBy(check: () => unknown): AppError | null {
  try {
    check();
    return null;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
}
const refusal = (text: string) => refusedBy(() => parseJsonBody(text));

describe('parseJsonBody', () => {
  it('refuses text that is not JSON (422 body.notJson, the body as the field)', () => {
    expect([refusal('{x')?.reason, refusal('{x')?.errors.map((e) => e.field)]).toEqual(['body.notJson', ['(body)']]);
  });

  it('reports the rows and fields of a results array, other places by their path, and keys', () => {
    const e = refusal('{"lab":"GZ\\ud800","results":[{"lot":"ok"},{"lot":"x\\udc00","instrument":"\\ud800\\ud800\\udc00"}],"meta":{"tags":["a","\\udfff"],"k\\ud801":1}}');
    expect([e?.status, e?.reason, e?.params]).toEqual([422, 'body.unpairedSurrogate', { n: 5 }]);
    expect(e?.errors.map((x) => [x.row, x.field, x.code])).toEqual([
      [undefined, 'lab', 'value.unpairedSurrogate'],
      [2, 'lot', 'value.unpairedSurrogate'],
      [2, 'instrument', 'value.unpairedSurrogate'],
      [undefined, 'meta.tags.1', 'value.unpairedSurrogate'],
      [undefined, 'meta.k\ud801', 'value.unpairedSurrogate'],
    ]);
    expect(refusal('"\\ud800"')?.errors.map((x) => x.field)).toEqual(['(body)']);
    expect(refusal('{"results":["\\ud800"]}')?.errors.map((x) => [x.row, x.field])).toEqual([[1, '(row)']]);
  });

  it('lets paired escapes, escaped backslashes and bodies without escapes through', () => {
    expect(refusal('{"lot":"\\ud83e\\uddea","note":"\\\\ud800","n":[1,null,true]}')).toBeNull();
    expect(refusal('{"lot":"K1"}')).toBeNull();
  });

  it('refuses exactly the strings that are not well formed', () => {
    const units = fc.oneof(fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83e, 0xdde6), fc.integer({ min: 0x20, max: 0x7e }));
    fc.assert(
      fc.property(fc.array(units, { maxLength: 6 }), (codes) => {
        const s = String.fromCharCode(...codes);
        const text = JSON.stringify({ results: [{ lot: s }] }); // JSON.stringify escapes lone surrogates as \udxxx
        expect(refusal(text) !== null).toBe(!(s as unknown as { isWellFormed(): boolean }).isWellFormed());
      }),
    );
  });
});

// a server action's arguments are decoded by the framework from its own JSON: the value is checked as parsed

describe('values decoded elsewhere (server actions)', () => {
  it('a grid\'s rows: by row and field, as a JSON body', () => {
    const e = refusedBy(() => refuseUnpairedSurrogatesIn({ results: [{ lot: 'ok' }, { lot: 'Q\ud800' }] }));
    expect([e?.reason, e?.errors.map((x) => [x.row, x.field])]).toEqual(['body.unpairedSurrogate', [[2, 'lot']]]);
    expect(refusedBy(() => refuseUnpairedSurrogatesIn({ results: [{ lot: '\ud83e\uddea' }] }))).toBeNull();
  });

  it('a CSV file\'s text: by line', () => {
    const e = refusedBy(() => refuseUnpairedSurrogatesInLines('h1,h2\r\na,b\r\nc\udc00,d\r\n\ud800\n'));
    expect([e?.reason, e?.params, e?.errors.map((x) => [x.row, x.field])]).toEqual(['body.unpairedSurrogate', { n: 2 }, [[3, '(row)'], [4, '(row)']]]);
    expect(refusedBy(() => refuseUnpairedSurrogatesInLines('lot\n\ud83e\uddea\n'))).toBeNull();
  });

  it('refuses exactly the texts that are not well formed (property)', () => {
    const units = fc.oneof(fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83e, 0xdde6, 0x0a), fc.integer({ min: 0x20, max: 0x7e }));
    fc.assert(
      fc.property(fc.array(units, { maxLength: 8 }), (codes) => {
        const s = String.fromCharCode(...codes);
        const wellFormed = (s as unknown as { isWellFormed(): boolean }).isWellFormed();
        expect(refusedBy(() => refuseUnpairedSurrogatesInLines(s)) === null).toBe(wellFormed);
        expect(refusedBy(() => refuseUnpairedSurrogatesIn({ results: [{ lot: s }] })) === null).toBe(wellFormed);
      }),
    );
  });

  it('a body nested thousands deep is walked, not a stack overflow, in time linear in its size: the refusal names the place', () => {
    // 200,000 levels: a walk copying the path at each level (quadratic) takes minutes, past the test's timeout
    const text = `{"checks":[],"pad":${'['.repeat(200_000)}"\\ud800"${']'.repeat(200_000)}}`;
    const e = refusedBy(() => parseJsonBody(text));
    expect(e?.reason).toBe('body.unpairedSurrogate');
    expect(e?.errors).toHaveLength(1);
    expect(e?.errors[0].field.startsWith('pad.0.0.0')).toBe(true);
    // in document order, keys and values alike
    const order = refusedBy(() => parseJsonBody('{"a":["\\udc00",{"\\ud800":1}],"b":"\\ud800"}'));
    expect(order?.errors.map((x) => x.field)).toEqual(['a.0', 'a.1.\ud800', 'b']);
  });
});
