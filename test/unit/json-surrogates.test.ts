// A JSON body's unpaired surrogate escapes (lib/body.ts parseJsonBody): refused with each
// string's place, paired escapes and bodies without escapes pass, and the check agrees with
// String.prototype.isWellFormed on random strings.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJsonBody } from '@/lib/body';
import { AppError } from '@/lib/errors';

function refusal(text: string): AppError | null {
  try {
    parseJsonBody(text);
    return null;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
}

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
