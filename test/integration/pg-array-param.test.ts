// Issue 14: array parameters sent as PostgreSQL array literal text (db/pg/array-param.ts) reach the
// server as the values given, for every element type the app binds: text (quotes, backslashes,
// braces, commas, the words NULL and "", spaces, unicode), double precision (any finite double
// exactly, NaN, ±Infinity, -0), bigint, integer, boolean, and NULL elements, by property over
// generated values and by hand for the cases a literal gets wrong first. A NUL character, which
// PostgreSQL text cannot hold, is refused by PostgreSQL and that refusal answered as bad input (422),
// not as a fault. PostgreSQL only, but for the unit cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { arrayLiteral, arrayParam } from '@/db/pg/array-param';
import { rawAll } from '@/db/dialect';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { errorBody, unstorableText } from '@/lib/errors';
import { deserializeError, serializeError } from '@/lib/jobs';

describe('arrayLiteral', () => {
  it('writes numbers bare, strings quoted and escaped, NULL for null and undefined', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral([1, null, 2.5, -3, undefined])).toBe('{1,NULL,2.5,-3,NULL}');
    expect(arrayLiteral(['a"b', 'c\\d', 'NULL', ''])).toBe('{"a\\"b","c\\\\d","NULL",""}');
    expect(arrayLiteral([true, false, 12n, NaN, Infinity, -Infinity])).toBe('{t,f,12,NaN,Infinity,-Infinity}');
    expect(arrayLiteral([{ a: 'x"' }])).toBe('{"{\\"a\\":\\"x\\\\\\"\\"}"}');
    expect(() => arrayLiteral([[1]])).toThrow(TypeError);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('is bad input (422 request.unstorableText), found wherever in the causes, not a 500', () => {
    const refusal = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    expect(errorBody(new Error('Failed query', { cause: refusal }))).toEqual({ status: 422, body: { error: expect.stringContaining('NUL'), code: 'request.unstorableText' } });
    expect(unstorableText(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }))?.reason).toBe('request.unstorableText');
    expect(unstorableText(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeNull();
    expect(unstorableText(new Error('plain'))).toBeNull();
    // from a worker thread, whose errors cross as clones without their causes: a refusal still
    expect(errorBody(deserializeError(serializeError(new Error('Failed query', { cause: refusal }))))).toMatchObject({ status: 422, body: { code: 'request.unstorableText' } });
  });
});

describe.skipIf(!pgUrl)('array parameters on PostgreSQL', () => {
  let t: PgTestDatabase;
  let db: PgDB;

  beforeAll(async () => {
    t = await createPgTestDatabase();
    db = openPostgres(t.url, { max: 1 });
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });

  const back = async <T>(values: readonly unknown[], type: string): Promise<T[]> =>
    (await rawAll<{ v: T }>(db, sql`SELECT v FROM unnest(${arrayParam(values)}::${sql.raw(type)}[]) WITH ORDINALITY AS x(v, i) ORDER BY i`)).map((r) => r.v);

  it('text: the awkward cases by hand', async () => {
    const texts = ['', 'NULL', 'null', ' a ', 'a,b', '{x}', '"', '\\', '\\"', 'a"b\\c', "it's", '检验科 ☃ 🧪', '\t\n\r', 'x}', '{', '$1', ',', 'NULL,NULL'];
    expect(await back<string | null>([...texts, null], 'text')).toEqual([...texts, null]);
  });

  it('text: any string without NUL comes back as sent', async () => {
    // any code points but NUL, and strings made of the characters an array literal gives meaning to
    const anyText = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    const syntax = fc.string({ unit: fc.constantFrom('"', '\\', ',', '{', '}', ' ', '\t', 'N', 'U', 'L', 'x', '检'), maxLength: 8 });
    const text = fc.oneof(anyText, syntax);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 20 }), async (values) => {
        expect(await back<string | null>(values, 'text')).toEqual(values);
      }),
      { numRuns: 150 },
    );
  });

  it('double precision: every finite double exactly, and NaN, ±Infinity, -0', async () => {
    const specials = [Number.NaN, Infinity, -Infinity, 0, Number.MIN_VALUE, Number.MAX_VALUE, 5e-324, 0.1 + 0.2, 1e21, -1e-7];
    const got = await back<number>(specials, 'float8');
    expect(got.map(Number)).toEqual(specials);
    // -0 keeps its value (as node-postgres sends it: "0")
    expect(Number((await back<number>([-0], 'float8'))[0])).toBe(0);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 30 }), async (values) => {
        const got = (await back<number>(values, 'float8')).map(Number);
        expect(got).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
      }),
      { numRuns: 100 },
    );
  });

  it('bigint, integer and boolean, with NULL elements', async () => {
    const ids = [1, 9_007_199_254_740_991, -42, 0, null];
    expect((await back<string | number | null>(ids, 'bigint')).map((v) => (v === null ? null : Number(v)))).toEqual(ids);
    expect(await back<number | null>([2_147_483_647, -2_147_483_648, null, 7], 'int')).toEqual([2_147_483_647, -2_147_483_648, null, 7]);
    expect(await back<boolean | null>([true, false, null], 'boolean')).toEqual([true, false, null]);
  });

  it('a NUL character in text is refused by PostgreSQL, and that refusal is answered as bad input', async () => {
    const refused = await rawAll(db, sql`SELECT ${'a\u0000b'}::text AS v`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(errorBody(refused)).toMatchObject({ status: 422, body: { code: 'request.unstorableText' } });
    const inArray = await back(['a\u0000b'], 'text').then(
      () => null,
      (e: unknown) => e,
    );
    expect(errorBody(inArray)).toMatchObject({ status: 422, body: { code: 'request.unstorableText' } });
  });

  it('is refused, not misread, when an element does not fit the cast', async () => {
    await expect(back([1.5], 'bigint')).rejects.toThrow();
    await expect(back(['7 ; DROP TABLE x'], 'bigint')).rejects.toThrow();
  });
});
