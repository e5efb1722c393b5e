// Issue 14: COPY's binary format for the bulk writer (db/pg/copy-binary.ts), read back here by a
// decoder written from the PostgreSQL documentation ("Binary Format" of COPY; each type's send
// form), byte by byte: the header and trailer, NULL, bigint (negative, beyond 2^32, beyond 2^53),
// integer, double precision (NaN, infinities, -0), boolean, text in UTF-8, json and jsonb; the values
// refused as PostgreSQL's input would refuse them; chunks larger than the encoder's first buffer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryCopyEncoder, binaryCopyable } from '@/db/pg/copy-binary';

type Decoded = null | bigint | number | boolean | string;

/** The tuples of one chunk, each field decoded by its column type. */
function decode(buf: Buffer, types: readonly string[]): Decoded[][] {
  const rows: Decoded[][] = [];
  let p = 0;
  while (p < buf.length) {
    const width = buf.readInt16BE(p);
    p += 2;
    expect(width).toBe(types.length);
    const row: Decoded[] = [];
    for (const type of types) {
      const len = buf.readInt32BE(p);
      p += 4;
      if (len === -1) {
        row.push(null);
        continue;
      }
      const field = buf.subarray(p, p + len);
      p += len;
      switch (type) {
        case 'bigint':
          expect(len).toBe(8);
          row.push(field.readBigInt64BE(0));
          break;
        case 'integer':
          expect(len).toBe(4);
          row.push(field.readInt32BE(0));
          break;
        case 'double precision':
          expect(len).toBe(8);
          row.push(field.readDoubleBE(0));
          break;
        case 'boolean':
          expect(len).toBe(1);
          expect([0, 1]).toContain(field[0]);
          row.push(field[0] === 1);
          break;
        case 'jsonb':
          expect(field[0]).toBe(1);
          row.push(field.subarray(1).toString('utf8'));
          break;
        default:
          row.push(field.toString('utf8'));
      }
    }
    rows.push(row);
  }
  return rows;
}

const ALL = ['bigint', 'integer', 'double precision', 'text', 'boolean', 'json', 'jsonb'];

function encode(types: readonly string[], rows: unknown[][]): Buffer {
  const columns = types.map((_, i) => rows.map((r) => r[i]));
  return new BinaryCopyEncoder(types).rows(columns, 0, rows.length);
}

describe('COPY binary format: the encoder', () => {
  it('frames the data as PostgreSQL reads it: signature, flags, header extension; trailer -1', () => {
    expect([...BinaryCopyEncoder.header()]).toEqual([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...BinaryCopyEncoder.trailer()]).toEqual([0xff, 0xff]);
  });

  it('writes each type in its send form', () => {
    const rows = [
      [-1, -2_147_483_648, -0, 'a\tb\\N\n', false, { q: '"', n: null }, [1, 'x']],
      [2 ** 40 + 7, 2_147_483_647, Number.NaN, '检验 ☃ 🧪', true, '{"already":"json"}', '{"k": [true]}'],
      [Number.MAX_SAFE_INTEGER, 0, Number.NEGATIVE_INFINITY, '', 1, 'null', { deep: { x: 1.5e-300 } }],
      [2 ** 60, 12, 1 / 3, 42, 0, [], 'true'],
      [-(2n ** 63n), '  -17 ', '2.5e3', true, 't', 7, { s: '\u0001' }],
      [null, null, null, null, null, null, null],
    ];
    const back = decode(encode(ALL, rows), ALL);
    expect(back[0]).toEqual([-1n, -2_147_483_648, 0, 'a\tb\\N\n', false, '{"q":"\\"","n":null}', '[1,"x"]']);
    // -0 goes as 0, as the text and unnest paths write it ("0")
    expect(Object.is(back[0][2], 0)).toBe(true);
    expect(back[1]).toEqual([2n ** 40n + 7n, 2_147_483_647, Number.NaN, '检验 ☃ 🧪', true, '{"already":"json"}', '{"k": [true]}']);
    expect(back[2]).toEqual([BigInt(Number.MAX_SAFE_INTEGER), 0, Number.NEGATIVE_INFINITY, '', true, 'null', '{"deep":{"x":1.5e-300}}']);
    // an integral number beyond 2^53 as the integer its decimal form names; text gets a number's decimal form
    expect(back[3]).toEqual([2n ** 60n, 12, 1 / 3, '42', false, '[]', 'true']);
    expect(back[4]).toEqual([-(2n ** 63n), -17, 2500, 't', true, '7', '{"s":"\\u0001"}']);
    expect(back[5]).toEqual([null, null, null, null, null, null, null]);
  });

  it('counts a text field in UTF-8 bytes, and grows past its first buffer', () => {
    const long = '质控'.repeat(50_000) + 'x';
    const buf = encode(['text', 'bigint'], [[long, 1], ['short', 2]]);
    expect(buf.readInt32BE(2)).toBe(Buffer.byteLength(long));
    expect(decode(buf, ['text', 'bigint'])).toEqual([[long, 1n], ['short', 2n]]);
  });

  it('refuses what PostgreSQL would refuse from the text and unnest paths', () => {
    const bad: [string, unknown][] = [
      ['bigint', 1.5],
      ['bigint', Number.POSITIVE_INFINITY],
      ['bigint', '12abc'],
      ['bigint', true],
      ['integer', 2_147_483_648],
      ['integer', 0.5],
      ['integer', '1e3'],
      ['double precision', 'abc'],
      ['double precision', '0x10'],
      ['double precision', {}],
      ['boolean', 'maybe'],
      ['boolean', 2],
    ];
    for (const [type, v] of bad) expect(() => encode([type], [[v]]), `${type} ${String(v)}`).toThrow(/not a valid/);
    expect(() => new BinaryCopyEncoder(['bigint', 'numeric'])).toThrow(/unsupported/);
    expect(binaryCopyable(ALL)).toBe(true);
    expect(binaryCopyable(['bigint', 'bytea'])).toBe(false);
  });

  it('round-trips any row of numbers, text and booleans (property)', () => {
    const types = ['bigint', 'integer', 'double precision', 'text', 'boolean'];
    const row = fc.tuple(
      fc.option(fc.maxSafeInteger(), { nil: null }),
      fc.option(fc.integer(), { nil: null }),
      fc.option(fc.double(), { nil: null }),
      fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
      fc.option(fc.boolean(), { nil: null }),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        const back = decode(encode(types, rows), types);
        expect(back).toEqual(rows.map(([b, i, d, t, x]) => [b === null ? null : BigInt(b), i, d === null ? null : d === 0 ? 0 : d, t, x]));
      }),
    );
  });
});
