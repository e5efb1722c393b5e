// The public API as both the Next route handlers and the production server's fast path serve it
// (lib/public-api.ts): shapes, status codes, and that nothing but certification data comes out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, useAsProcessDb } from '../support/db';
import { publicApi } from '@/lib/public-api';
import { publicApiRoute } from '@/lib/http';
import { checkForPage } from '@/app/(public)/verify/check';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
beforeAll(async () => {
  t = await createSeededTestDb();
  await useAsProcessDb(t);
});
afterAll(async () => {
  await t.close();
});

const call = async (url: string) => {
  const u = new URL(url, 'http://x');
  return await publicApi(u.pathname, u.searchParams);
};

describe('public API', () => {
  it.each([
    ['/api/v1/verify?lab=GZ-001&analyte=K&date=2026-01-15', 200],
    ['/api/v1/verify?lab=GZ-001&analyte=K', 200],
    ['/api/v1/verify?lab=NOPE&analyte=K&date=2026-01-15', 404],
    ['/api/v1/verify?lab=GZ-001&analyte=NOPE&date=2026-01-15', 404],
    ['/api/v1/verify?lab=GZ-001&analyte=K&date=2026-02-30', 422],
    ['/api/v1/verify?lab=GZ-001&analyte=K&date=15/01/2026', 422],
    ['/api/v1/labs?q=GZ-00', 200],
    ['/api/v1/labs/GZ-001/certifications?date=2026-01-15', 200],
    ['/api/v1/labs/NOPE/certifications', 404],
    ['/api/v1/labs/GZ-001/certifications?date=yesterday', 422],
  ])('%s answers %i', async (url, status) => {
    expect((await call(url))?.status).toBe(status);
  });

  it('refuses a parameter given twice (422 value.repeated, for each), which it would otherwise answer for the first value; other parameters may repeat', async () => {
    for (const [url, fields] of [
      ['/api/v1/verify?lab=GZ-001&lab=HZ-001&analyte=K', ['lab']],
      ['/api/v1/verify?lab=GZ-001&analyte=K&analyte=ALB&date=2026-01-15&date=2026-01-16', ['analyte', 'date']],
      ['/api/v1/verify?lab=GZ-001&analyte=K&asOf=2026-01-15&asOf=2026-01-15', ['asOf']],
      ['/api/v1/labs?q=GZ&q=HZ', ['q']],
      ['/api/v1/labs?region=440000&region=330000', ['region']],
      ['/api/v1/labs/GZ-001/certifications?date=2026-01-15&date=2026-01-16', ['date']],
    ] as const) {
      const a = await call(url);
      expect(a?.status, url).toBe(422);
      expect(a?.cache, url).toBe('no-store');
      expect(a?.body, url).toMatchObject({ code: 'common.invalid', errors: fields.map((field) => ({ field, code: 'value.repeated', message: 'Given more than once: give it once' })) });
    }
    expect((await call('/api/v1/verify?lab=GZ-001&analyte=K&date=2026-01-15&utm=a&utm=b'))?.status).toBe(200);
  });

  it('is not the public API for other paths', async () => {
    expect(await call('/api/v1/me')).toBeNull();
    expect(await call('/api/v1/iqc/results')).toBeNull();
  });

  it('answers a lab without certification as not recognised, with a reason', async () => {
    // reused 5 days later: within the system default window of 30 days
    expect((await call('/api/v1/verify?lab=GZ-001&analyte=K&date=2026-01-15&asOf=2026-01-20'))?.body).toEqual({
      recognized: false,
      date: '2026-01-15',
      reason: 'not_certified',
      asOf: '2026-01-20',
      windowDays: 30,
      withinWindow: true,
    });
  });

  it('lists labs with exactly the contract fields', async () => {
    const body = (await call('/api/v1/labs?q=GZ-001'))?.body as { labs: Record<string, unknown>[] };
    expect(body.labs).toEqual([{ code: 'GZ-001', name: '广州市越秀中心医院检验科', regionCode: '440100', regionName: '广州', level: 'tertiary' }]);
  });

  it('finds the text of q as written: % and _ are characters, not wildcards; letters in any case', async () => {
    const codes = async (q: string) => ((await call(`/api/v1/labs?q=${encodeURIComponent(q)}`))?.body as { labs: { code: string }[] }).labs.map((l) => l.code);
    expect(await codes('%')).toEqual([]);
    expect(await codes('_')).toEqual([]);
    expect(await codes('GZ-00_')).toEqual([]);
    expect(await codes('gz-001')).toEqual(['GZ-001']);
    expect((await codes('GZ-00')).length).toBeGreaterThan(1);
  });

  it('filters labs by region code (a province includes its cities)', async () => {
    const body = (await call('/api/v1/labs?region=330000'))?.body as { labs: { regionCode: string }[] };
    expect(body.labs.length).toBeGreaterThan(0);
    expect(body.labs.every((l) => l.regionCode.startsWith('33'))).toBe(true);
  });

  it('the route handler gives the same answer', async () => {
    const res = await publicApiRoute(new Request('http://x/api/v1/verify?lab=NOPE&analyte=K'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual((await call('/api/v1/verify?lab=NOPE&analyte=K'))?.body);
  });
});

describe('the public verify page\'s message for a refused check', () => {
  const page = async (input: { lab: string; analyte: string; date?: string; asOf?: string }) => (await checkForPage(t.db, input, (key) => key)).error;

  it('is about the date only when a day cannot be read; a code too long to look up is unknown, as an unknown one', async () => {
    expect(await page({ lab: 'G'.repeat(41), analyte: 'K' })).toBe('verify.notFound');
    expect(await page({ lab: 'GZ-001', analyte: 'K'.repeat(71) })).toBe('verify.notFound');
    expect(await page({ lab: 'NOPE-9', analyte: 'K' })).toBe('verify.notFound');
    expect(await page({ lab: 'GZ-001', analyte: 'K', date: '2026-02-30' })).toBe('verify.invalidDate');
    expect(await page({ lab: 'GZ-001', analyte: 'K', date: '2026-01-15', asOf: 'soon' })).toBe('verify.invalidDate');
    expect(await page({ lab: 'GZ-001', analyte: 'K', date: '2026-01-15', asOf: '2026-01-14' })).toBe('verify.asOfBeforeDate');
    expect(await page({ lab: 'GZ-001', analyte: 'K', date: '2026-01-15' })).toBeNull();
  });
});
