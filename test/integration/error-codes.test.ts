// API error bodies carry a reason code (issue 11): `{ error, code, errors? }` for each kind of refusal,
// through the real route handlers against a real SQLite file. `error` stays the English sentence the
// API always sent; `code` is a key of lib/error-reasons.ts whose zh and en text the UI shows.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';
import { AppError, errorBody, REASONS } from '@/lib/errors';
import { deserializeError, serializeError } from '@/lib/jobs';
import { createSeededTestDb, reopenTestDb, sqlRows, testBackend } from '../support/db';
import { holdSqliteWriteLock } from '../support/write-lock';
import { runAction } from '@/lib/actions';
import { withTx } from '@/db/tx';
import { rawRun } from '@/db/dialect';
import { sql } from 'drizzle-orm';
import { NulTextError } from '@/db/nul-text';
import { getRouteRegex } from 'next/dist/shared/lib/router/utils/route-regex';
import { getRouteMatcher } from 'next/dist/shared/lib/router/utils/route-matcher';
import { DecodeError } from 'next/dist/shared/lib/utils';
import type { RouteHandler } from '../support/route-call';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const state: { w: World | null; actor: Actor | null } = { w: null, actor: null };

vi.mock('@/lib/auth', () => ({
  apiActor: async () => state.actor,
  currentActor: async () => state.actor,
}));
vi.mock('@/db/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/db/client')>()),
  getDb: () => state.w!.db,
}));

const schemesRoute = await import('@/app/api/v1/eqa/schemes/route');
const roundsRoute = await import('@/app/api/v1/eqa/rounds/route');
const closeRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/close/route');
const publishRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/publish/route');
const iqcResultsRoute = await import('@/app/api/v1/iqc/results/route');
const lotsRoute = await import('@/app/api/v1/iqc/lots/route');
const runsRoute = await import('@/app/api/v1/iqc/runs/route');
const summaryRoute = await import('@/app/api/v1/iqc/summary/route');
const settingsRoute = await import('@/app/api/v1/iqc/settings/route');
const roundResultsRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/results/route');
const { publicApiRoute } = await import('@/lib/http');

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
  state.w = w;
  state.actor = w.regulators.gd;
});
afterEach(() => w.close());

const ORIGIN = 'http://localhost:3000';
type Handler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

async function call<P>(handler: Handler<P>, method: string, path: string, params: P, body?: unknown, headers: Record<string, string> = {}) {
  const req = new Request(`${ORIGIN}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', origin: ORIGIN, host: 'localhost:3000', ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as { error: string; code: string; errors?: { field: string; message: string; code?: string; params?: unknown }[] } };
}

const scheme = { code: 'EC-1', name: '错误码测试', analytes: ['K'] };
const now = Date.now();
const round = { scheme: 'EC-1', code: 'EC-R1', opensAt: new Date(now - 86_400_000).toISOString(), closesAt: new Date(now + 20 * 86_400_000).toISOString(), samples: ['S1'], analytes: ['K'], referenceValues: [] };

describe('API error bodies: { error, code, errors? }', () => {
  it('401 when nobody is signed in: auth.signInRequired', async () => {
    state.actor = null;
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme);
    expect(r).toEqual({ status: 401, body: { error: 'Sign in required', code: 'auth.signInRequired' } });
  });

  it('403 for an account without the permission: auth.forbidden', async () => {
    state.actor = w.labManagers.get('GZ-001')!;
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme);
    expect(r).toEqual({ status: 403, body: { error: 'Not allowed', code: 'auth.forbidden' } });
  });

  it('403 for a cookie write from another site: auth.crossOrigin', async () => {
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme, { origin: 'https://evil.example' });
    expect(r).toEqual({ status: 403, body: { error: 'Cross-origin request refused', code: 'auth.crossOrigin' } });
  });

  it('404 for an unknown round: round.notFound with the round code in the sentence', async () => {
    const r = await call(publishRoute.POST, 'POST', '/eqa/rounds/NOPE/publish', { roundCode: 'NOPE' });
    expect(r).toEqual({ status: 404, body: { error: 'No EQA round NOPE', code: 'round.notFound' } });
  });

  it('404 for a path outside the public API: common.notFound', async () => {
    const res = await publicApiRoute(new Request(`${ORIGIN}/api/v1/nothing-here`));
    expect([res.status, await res.json()]).toEqual([404, { error: 'Not found', code: 'common.notFound' }]);
  });

  it('409 for a scheme code already taken: scheme.exists', async () => {
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme)).status).toBe(201);
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme);
    expect(r).toEqual({ status: 409, body: { error: 'Scheme EC-1 already exists', code: 'scheme.exists' } });
  });

  it('409 for closing a round that is already closed: round.notOpen', async () => {
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme)).status).toBe(201);
    const created = await call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, round);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call(closeRoute.POST, 'POST', '/eqa/rounds/EC-R1/close', { roundCode: 'EC-R1' })).status).toBe(200);
    const r = await call(closeRoute.POST, 'POST', '/eqa/rounds/EC-R1/close', { roundCode: 'EC-R1' });
    expect(r).toEqual({ status: 409, body: { error: 'Round EC-R1 is closed, not open', code: 'round.notOpen' } });
  });

  it('413 for a body declared over the limit: body.tooLarge', async () => {
    state.actor = w.labManagers.get('GZ-001')!;
    const r = await call(iqcResultsRoute.POST, 'POST', '/iqc/results', {}, 'x', { 'content-type': 'text/csv', 'content-length': String(50 * 1024 * 1024) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('body.tooLarge');
    expect(r.body.error).toMatch(/^The body is larger than \d+(\.\d)? MB$/);
  });

  it('415 for a form-encodable body from a session: body.unsupportedMediaType', async () => {
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, 'code=EC-1', { 'content-type': 'text/plain' });
    expect(r).toEqual({ status: 415, body: { error: 'Send application/json or text/csv', code: 'body.unsupportedMediaType' } });
  });

  it('422 for invalid input: common.invalid, each field error with its own code and values', async () => {
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: '', name: 'x', analytes: ['K'] });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('common.invalid');
    expect(r.body.errors).toContainEqual(expect.objectContaining({ field: 'code', code: expect.stringMatching(/^zod\./) }));
    for (const e of r.body.errors!) expect(e.code! in REASONS, JSON.stringify(e)).toBe(true);
  });

  it('422 for CSV rows in error: iqc.invalidResults, each row coded', async () => {
    state.actor = w.labManagers.get('GZ-001')!;
    const csv = 'measured_at,analyte_code,level,lot,value\n2020-01-01 08:00,K,1,L1,abc\n2020-01-01 08:00,NOPE,1,L1,4.1\n';
    const r = await call(iqcResultsRoute.POST, 'POST', '/iqc/results', {}, csv, { 'content-type': 'text/csv' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('iqc.invalidResults');
    expect(r.body.errors).toEqual([
      { row: 2, field: 'value', message: 'Not a number', code: 'value.notNumber' },
      { row: 3, field: 'analyte_code', message: 'Unknown analyte code NOPE', code: 'analyte.unknownCode', params: { code: 'NOPE' } },
    ]);
  });

  it('422 for a query parameter given twice: common.invalid with value.repeated for each, on every route that reads it (the first value is not taken for the caller)', async () => {
    const repeated = (fields: string[]) => ({ status: 422, body: { error: 'Invalid query', code: 'common.invalid', errors: fields.map((field) => ({ field, message: 'Given more than once: give it once', code: 'value.repeated' })) } });
    expect(await call(lotsRoute.GET, 'GET', '/iqc/lots?lab=GZ-001&lab=GZ-002', {})).toEqual(repeated(['lab']));
    expect(await call(runsRoute.GET, 'GET', '/iqc/runs?lab=GZ-001&analyte=K&analyte=GLU&limit=1&limit=2', {})).toEqual(repeated(['analyte', 'limit']));
    expect(await call(iqcResultsRoute.GET, 'GET', '/iqc/results?lab=GZ-001&from=2026-01-01&from=2026-02-01', {})).toEqual(repeated(['from']));
    expect(await call(summaryRoute.GET, 'GET', '/iqc/summary?lab=GZ-001&month=2026-01&month=2026-02', {})).toEqual(repeated(['month']));
    expect(await call(settingsRoute.GET, 'GET', '/iqc/settings?lab=GZ-001&lab=GZ-001', {})).toEqual(repeated(['lab']));
    expect(await call(roundResultsRoute.GET, 'GET', '/eqa/rounds/NOPE/results?lab=GZ-001&lab=GZ-002', { roundCode: 'NOPE' })).toEqual(repeated(['lab']));
    // a write: refused before its body is read, and nothing is written
    state.actor = w.labManagers.get('GZ-001')!;
    const before = await sqlRows(w.db, 'SELECT count(*) AS n FROM iqc_results');
    const post = await call(iqcResultsRoute.POST, 'POST', '/iqc/results?lab=GZ-001&lab=GZ-001', {}, { results: [{ analyte: 'K', level: '1', lot: 'REP-1', value: 4, measuredAt: '2026-01-05T08:00:00+08:00' }] });
    expect(post).toEqual(repeated(['lab']));
    expect(await sqlRows(w.db, 'SELECT count(*) AS n FROM iqc_results')).toEqual(before);
    // read once, the same query answers
    expect((await call(lotsRoute.GET, 'GET', '/iqc/lots?lab=GZ-001', {})).status).toBe(200);
    expect((await call(settingsRoute.PUT, 'PUT', '/iqc/settings?lab=GZ-001&lab=GZ-001', {}, { runWindowMinutes: 20 })).body.errors).toEqual(repeated(['lab']).body.errors);
  });

  it('every code sent is a known reason (the UI has zh and en text for it)', () => {
    for (const code of ['auth.signInRequired', 'auth.forbidden', 'auth.crossOrigin', 'round.notFound', 'common.notFound', 'scheme.exists', 'round.notOpen', 'body.tooLarge', 'body.unsupportedMediaType', 'common.invalid', 'iqc.invalidResults'])
      expect(code in REASONS, code).toBe(true);
  });
});

describe(`text holding a NUL character (U+0000) on ${testBackend}`, () => {
  // PostgreSQL refuses such text as a parameter, SQLite stored it: both now refuse it alike
  const count = async (table: string) => (await sqlRows<{ n: number }>(w.db, `SELECT count(*) AS n FROM ${table}`))[0].n;

  it('is refused by the database handle itself, for a write or a lookup, with the one SQLSTATE the app maps', async () => {
    const refusal = await sqlRows(w.db, 'SELECT count(*) AS n FROM laboratories WHERE code = ?', 'GZ-001\u0000').then(() => null, (e: unknown) => e);
    expect(refusal, 'a lookup with NUL').not.toBeNull();
    const codes: unknown[] = [];
    for (let c: unknown = refusal; c && typeof c === 'object'; c = (c as { cause?: unknown }).cause) codes.push((c as { code?: unknown }).code);
    expect(codes).toContain('22021');
    if (testBackend === 'sqlite') expect(() => w.db.$client.prepare('SELECT ? AS x').get(['a', 'b\u0000'])).toThrow(NulTextError);
    expect(await sqlRows(w.db, 'SELECT count(*) AS n FROM laboratories WHERE code = ?', 'GZ-001')).toEqual([{ n: 1 }]);
  });

  it('422 for a lot (by its field, value.nulCharacter), a scheme or a round (request.unstorableText), and nothing is written', async () => {
    state.actor = w.labManagers.get('GZ-001')!;
    const lots = await count('control_lots');
    const lot = { analyte: 'K', instrument: 'AU5800', level: '1', lot: 'K1-NUL', mean: 4, sd: 0.08, effectiveFrom: '2026-11-01 08:00' };
    for (const [bad, field] of [[{ ...lot, instrument: 'AU\u00005800' }, 'instrument'], [{ ...lot, lot: 'NUL\u0000' }, 'lot']] as const) {
      const r = await call(lotsRoute.POST, 'POST', '/iqc/lots', {}, bad);
      expect(r, JSON.stringify(bad)).toMatchObject({ status: 422, body: { errors: [{ field, code: 'value.nulCharacter' }] } });
    }
    expect(await count('control_lots')).toBe(lots);
    expect((await call(lotsRoute.POST, 'POST', '/iqc/lots', {}, lot)).status).toBe(201);

    state.actor = w.regulators.gd;
    const schemes = await count('eqa_schemes');
    expect(await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { ...scheme, name: '错误码\u0000' })).toMatchObject({ status: 422, body: { code: 'request.unstorableText' } });
    expect(await call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { ...round, scheme: 'EC-1\u0000' })).toMatchObject({ status: 422, body: { code: 'request.unstorableText' } });
    expect(await count('eqa_schemes')).toBe(schemes);
  });
});

describe(`a database that stays busy on ${testBackend}: 503 common.busy with Retry-After, nothing written`, () => {
  const resultCount = async () => Number((await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM iqc_results'))[0].n);
  const lot = { analyte: 'K', instrument: 'AU5800', level: '1', lot: 'K1-BUSY', mean: 4, sd: 0.08, effectiveFrom: '2026-11-01 08:00' };
  const results = { results: ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-BUSY`, value: 4 + Number(level), measuredAt: new Date(now - 3_600_000).toISOString(), instrument: 'AU-BUSY' })) };
  const send = async (handler: Handler<Record<string, string>>, path: string, body: unknown) => {
    const res = await handler(new Request(`${ORIGIN}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN, host: 'localhost:3000' }, body: JSON.stringify(body) }), { params: Promise.resolve({}) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { code?: string; error?: string } };
  };
  const busy = { status: 503, retryAfter: '5', body: { code: 'common.busy', error: 'The database is busy with other writes: nothing was written. Try again in a few seconds' } };

  it.skipIf(testBackend !== 'sqlite')('SQLite: a write lock held past LABQC_WRITE_LOCK_WAIT_MS (an IQC post, a lot) answers 503; the same request later succeeds', async () => {
    state.actor = w.labManagers.get('GZ-001')!;
    const before = await resultCount();
    process.env.LABQC_WRITE_LOCK_WAIT_MS = '300';
    try {
      const held = await holdSqliteWriteLock(w.file, 2_000);
      expect(await send(iqcResultsRoute.POST, '/iqc/results', results)).toEqual(busy);
      expect(await send(lotsRoute.POST, '/iqc/lots', lot)).toEqual(busy);
      // a form's server action: the refusal as form state, its summary and sentence from the codes
      const form = await runAction(() => withTx(w.db, async (tx) => void (await rawRun(tx, sql`UPDATE laboratories SET name = name WHERE code = 'GZ-001'`))));
      expect(form).toMatchObject({ ok: false, code: 'unavailable', reason: 'common.busy' });
      expect(await held.released).toBe(0);
    } finally {
      delete process.env.LABQC_WRITE_LOCK_WAIT_MS;
    }
    expect(await resultCount()).toBe(before);
    expect((await send(iqcResultsRoute.POST, '/iqc/results', results)).status).toBe(201);
    expect(await resultCount()).toBe(before + 2);
  });

  it.skipIf(testBackend !== 'pg')("PostgreSQL: lock_timeout reached behind another transaction's lock answers 503; the same request later succeeds", async () => {
    state.actor = w.labManagers.get('GZ-001')!;
    const before = await resultCount();
    const { default: pg } = await import('pg');
    const holder = new pg.Client({ connectionString: w.file });
    await holder.connect();
    // the app's connections give up a lock wait after 300 ms, as an operator's lock_timeout would
    const impatient = await reopenTestDb({ file: `${w.file}${w.file.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c lock_timeout=300')}` });
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE control_lots IN ACCESS EXCLUSIVE MODE');
      state.w = { ...w, db: impatient.db };
      expect(await send(iqcResultsRoute.POST, '/iqc/results', results)).toEqual(busy);
      expect(await send(lotsRoute.POST, '/iqc/lots', lot)).toEqual(busy);
      await holder.query('COMMIT');
      expect((await send(iqcResultsRoute.POST, '/iqc/results', results)).status).toBe(201);
    } finally {
      state.w = w;
      await holder.end();
      await impatient.close();
    }
    expect(await resultCount()).toBe(before + 2);
  });

  it('the kinds of database errors that mean "busy", wherever in the causes, and those that do not', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', '55P03', '40001', '40P01', '53300']) {
      expect(errorBody(Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('db'), { code }) })), code).toMatchObject({ status: 503, body: { code: 'common.busy' } });
      // from a job worker it crosses to the request thread as the same 503, and stays a failure (not a
      // refusal), which the job queue retries
      const crossed = deserializeError(serializeError(Object.assign(new Error('wrapped'), { cause: { code } })));
      expect(crossed instanceof AppError, code).toBe(false);
      expect(errorBody(crossed).status, code).toBe(503);
    }
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const code of ['23505', '23503', 'SQLITE_CONSTRAINT', '42P01', undefined]) expect(errorBody(Object.assign(new Error('db'), { code })).status, String(code)).toBe(500);
    expect(logged).toHaveBeenCalledTimes(5); // a fault is logged, a busy database only noted
    logged.mockRestore();
  });
});

// Route params holding a percent sign never make a 500 (a malformed URL answers 400, an unknown code
// 404). Each raw URL path goes through Next's own route matcher (the one its router runs: it decodes
// each param once, and refuses a param that is not valid percent-encoding with a DecodeError, which
// Next answers 400), and the params it gives are passed to the real route handler.
/** A route and its handler, called with the params Next's matcher gives (Next does not type-check them either). */
function entry<P>(route: string, method: string, handler: RouteHandler<P>, body?: unknown) {
  return { route, method, body, handle: (req: Request, params: Record<string, string>) => handler(req, { params: Promise.resolve(params as P) }) };
}
const byParam = {
  results: entry('/api/v1/eqa/rounds/[roundCode]/results', 'GET', roundResultsRoute.GET),
  export: entry('/api/v1/eqa/rounds/[roundCode]/export', 'GET', (await import('@/app/api/v1/eqa/rounds/[roundCode]/export/route')).GET),
  template: entry('/api/v1/eqa/rounds/[roundCode]/template', 'GET', (await import('@/app/api/v1/eqa/rounds/[roundCode]/template/route')).GET),
  submissions: entry('/api/v1/eqa/rounds/[roundCode]/submissions', 'POST', (await import('@/app/api/v1/eqa/rounds/[roundCode]/submissions/route')).POST, { results: [{ sample: 'S1', analyte: 'K', value: '4.1' }] }),
  evaluate: entry('/api/v1/eqa/rounds/[roundCode]/evaluate', 'POST', (await import('@/app/api/v1/eqa/rounds/[roundCode]/evaluate/route')).POST),
  close: entry('/api/v1/eqa/rounds/[roundCode]/close', 'POST', closeRoute.POST),
  publish: entry('/api/v1/eqa/rounds/[roundCode]/publish', 'POST', publishRoute.POST),
  enrolments: entry('/api/v1/eqa/schemes/[schemeCode]/enrolments', 'POST', (await import('@/app/api/v1/eqa/schemes/[schemeCode]/enrolments/route')).POST, { labs: ['GZ-001'] }),
  withdrawals: entry('/api/v1/eqa/schemes/[schemeCode]/withdrawals', 'POST', (await import('@/app/api/v1/eqa/schemes/[schemeCode]/withdrawals/route')).POST, { labs: ['GZ-001'], reason: 'left the scheme' }),
  eligibility: entry('/api/v1/labs/[labCode]/eligibility', 'GET', (await import('@/app/api/v1/labs/[labCode]/eligibility/route')).GET),
};
type ByParam = keyof typeof byParam;

/** The params Next's router gives the handler for a raw URL path (throws DecodeError where Next answers 400). */
function nextParams(route: string, rawPath: string): Record<string, string> {
  const params = getRouteMatcher(getRouteRegex(route))(rawPath);
  if (!params) throw new Error(`${rawPath} does not match ${route}`);
  return params as Record<string, string>;
}

/** A request with `rawCode` in place of the route's dynamic segment, through Next's matcher and the handler. */
async function requestRaw(name: ByParam, rawCode: string) {
  const { route, method, handle, body } = byParam[name];
  const rawPath = route.replace(/\[\w+\]/, rawCode);
  const req = new Request(`${ORIGIN}${rawPath}`, {
    method,
    headers: { 'content-type': 'application/json', origin: ORIGIN, host: 'localhost:3000' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const res = await handle(req, nextParams(route, rawPath));
  return { status: res.status, body: (await res.json()) as { error: string; code: string } };
}

describe('Next gives a route handler its params decoded once', () => {
  it('Next’s matcher decodes `%2525` to `%25` and `EC%2DR1` to `EC-R1`, and refuses `%E0%A4%A` with a DecodeError (400)', () => {
    const route = byParam.results.route;
    expect(nextParams(route, '/api/v1/eqa/rounds/%2525/results')).toEqual({ roundCode: '%25' });
    expect(nextParams(route, '/api/v1/eqa/rounds/EC%2DR1/results')).toEqual({ roundCode: 'EC-R1' });
    expect(() => nextParams(route, '/api/v1/eqa/rounds/%E0%A4%A/results')).toThrow(DecodeError);
  });

  it('an encoded round code finds its round (decoded by Next, used as it is by the handler)', async () => {
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, scheme)).status).toBe(201);
    expect((await call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, round)).status).toBe(201);
    expect(await requestRaw('close', 'EC%2DR1')).toMatchObject({ status: 200, body: { code: 'EC-R1', status: 'closed' } });
  });
});

describe.each(Object.keys(byParam) as ByParam[])('%s: a code holding a percent sign is an unknown code (404), never a 500', (name) => {
  it.each([
    ['%25', '%'],
    ['%2525', '%25'],
    ['%25E0%25A4%25A', '%E0%A4%A'],
  ])('raw `%s` (Next gives `%s`) → 404', async (raw) => {
    const r = await requestRaw(name, raw);
    expect(r.status, JSON.stringify(r.body)).toBe(404);
  });
});

describe.each((Object.keys(byParam) as ByParam[]).filter((r) => byParam[r].route.includes('[roundCode]')))('%s: the 404 names the round as Next gave it (not decoded a second time)', (name) => {
  it('raw `%2525` → round.notFound for "%25"', async () => {
    expect((await requestRaw(name, '%2525')).body).toEqual({ error: 'No EQA round %25', code: 'round.notFound' });
  });
});

describe(`a refused server action's audit row on ${testBackend}`, () => {
  it('says what was refused and why: the reason, and each refused item with its code (a bulk decision outside the jurisdiction)', async () => {
    const { decideBulk } = await import('@/lib/services/recognition/decisions');
    const { resetAuditFolding } = await import('@/lib/services/audit');
    resetAuditFolding();
    const [pair] = await sqlRows<{ labId: number; analyteId: number }>(w.db, "SELECT l.id AS \"labId\", a.id AS \"analyteId\" FROM laboratories l, analytes a WHERE l.code = 'GZ-001' AND a.code = 'K'");
    state.actor = w.regulators.zj;
    const out = await runAction((actor) => decideBulk(w.db, actor, { action: 'suspend', reason: 'not theirs to decide', pairs: [`${pair.labId}:${pair.analyteId}`] }));
    expect(out).toMatchObject({ ok: false, code: 'forbidden' });
    const [row] = await sqlRows<{ details: string | Record<string, unknown> }>(w.db, "SELECT details FROM audit_log WHERE action = 'access.refused' ORDER BY id DESC LIMIT 1");
    const details = typeof row.details === 'string' ? JSON.parse(row.details) : row.details;
    expect(details).toMatchObject({ action: 'server action', reason: expect.any(String), refused: [{ field: 'GZ-001 × K', code: 'lab.outsideJurisdiction' }], refusedCount: 1 });
  });
});

describe(`the audit log's page on ${testBackend}`, () => {
  it('names the lab of each entry by its code (a decision\'s row holds the lab only by id)', async () => {
    const { readAuditLog } = await import('@/lib/services/audit');
    const { insertAudit } = await import('@/db/queries/audit');
    const [lab] = await sqlRows<{ id: number }>(w.db, "SELECT id FROM laboratories WHERE code = 'GZ-002'");
    await insertAudit(w.db, { actorId: w.regulators.gd.userId, actorEmail: w.regulators.gd.email, action: 'certification.reject', entityType: 'certification', entityId: null, labId: lab.id, details: { analyte: 'K', reason: 'audit page test' }, at: Date.now() + 60_000 });
    const page = await readAuditLog(w.db, w.regulators.gd, { action: 'certification.reject' });
    expect(page.entries[0]).toMatchObject({ labCode: 'GZ-002', details: expect.objectContaining({ reason: 'audit page test' }) });
  });
});
