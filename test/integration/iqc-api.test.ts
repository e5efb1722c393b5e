// The IQC automation API (issue 9), through its handlers with plain Requests: POST /api/v1/iqc/lots
// (201 the lot as GET lists it, 409, 422 per field, 403) and GET /api/v1/iqc/runs (shape, time order,
// filters, regulator's lab=, paging).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSeededTestDb, sqlRows } from '../support/db';
import { and, eq } from 'drizzle-orm';
import { apiTokens, controlLots, iqcResults, qcTargets } from '@/db/schema';
import { correctResult } from '@/lib/services/iqc/results';
import { generateApiToken } from '@/lib/auth/tokens';
import { actorForApiToken } from '@/lib/auth/resolve';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { getRuns, postLot, postResults } from '@/lib/services/iqc/api';
import { lotsForApi } from '@/lib/services/iqc/api-reads';
import { countingStatements } from '../support/statements';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;
let other: Actor;

async function appErrorAsync(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

const postJson = (path: string, body: unknown) =>
  new Request(`http://localhost/api/v1/iqc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (query: string) => new Request(`http://localhost/api/v1/iqc/runs?${query}`);

const lot = (over: Record<string, unknown> = {}) => ({ analyte: 'K', instrument: 'AU5800', level: '1', lot: 'K1-2611', mean: 4, sd: 0.08, effectiveFrom: '2026-11-01 08:00', ...over });

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  other = t.labManagers.get('HZ-001')!;
});
afterAll(() => t.close());

describe('POST /api/v1/iqc/lots', () => {
  it('creates the lot with its targets: 201 body is the lot exactly as GET /api/v1/iqc/lots lists it', async () => {
    const created = await postLot(t.db, lab, postJson('lots', lot()), NOW);
    // 08:00 without an offset is Shanghai time: 00:00 UTC
    expect(created).toEqual({ analyte: 'K', level: '1', lot: 'K1-2611', instrument: 'AU5800', mean: 4, sd: 0.08, source: 'manufacturer', effectiveFrom: '2026-11-01T00:00:00.000Z', expiresOn: null });
    expect(await lotsForApi(t.db, lab, {}, NOW)).toContainEqual(created);
  });

  it('takes the source of the targets (the lab\'s own established targets) and works with a lab token', async () => {
    const g = generateApiToken();
    await t.db.insert(apiTokens).values({ labId: lab.labId!, userId: lab.userId, name: 'LIS', prefix: g.prefix, tokenHash: g.hash, createdAt: NOW });
    const token = (await actorForApiToken(t.db, g.token))!;
    const created = await postLot(t.db, token, postJson('lots', lot({ level: '2', lot: 'K2-2611', mean: 6, sd: 0.12, source: 'lab_baseline' })), NOW);
    expect(created).toMatchObject({ level: '2', source: 'lab_baseline', mean: 6, sd: 0.12 });
    expect(await lotsForApi(t.db, lab, {}, NOW)).toContainEqual(created);
  });

  it('answers 409 when that lot × level already has targets', async () => {
    const e = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', lot({ mean: 4.1 })), NOW));
    expect(e.status).toBe(409);
  });

  it('two creations of one new lot sent at once: one 201, the other 409, one target version (PostgreSQL decided it outside the write)', async () => {
    const race = lot({ lot: 'K1-RACE', mean: 5 });
    const settled = await Promise.allSettled([postLot(t.db, lab, postJson('lots', race), NOW), postLot(t.db, lab, postJson('lots', { ...race, mean: 5.5 }), NOW)]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? 201 : (s.reason as AppError).status)).sort()).toEqual([201, 409]);
    const versions = await sqlRows<{ n: number }>(t.db, "SELECT count(*) AS n FROM qc_targets q JOIN control_lots l ON l.id = q.control_lot_id WHERE l.lot_number = 'K1-RACE'");
    expect(Number(versions[0].n)).toBe(1);
  });

  it.each([
    ['an SD of 0', { sd: 0 }, ['sd']],
    ['a non-numeric mean', { mean: 'abc' }, ['mean']],
    ['no effectiveFrom', { effectiveFrom: undefined }, ['effectiveFrom']],
    ['an unreadable effectiveFrom', { effectiveFrom: '2026-02-30 08:00' }, ['effectiveFrom']],
    ['a missing level and lot', { level: '', lot: undefined }, ['level', 'lot']],
    ['an unknown source', { source: 'guess' }, ['source']],
    ['an unknown analyte', { analyte: 'NOPE' }, ['analyte']],
    ['an unpaired surrogate escape in the instrument', { instrument: 'AU\udfff' }, ['instrument']],
    // an Excel cell with Alt+Enter would name a lot or instrument no result can name (results refuse them)
    ['a line break in the lot and a tab in the instrument', { lot: 'K1\nX', instrument: 'AU\t5800' }, ['instrument', 'lot']],
    ['a NUL in the level', { level: '1\u0000' }, ['level']],
    // z = (x − mean)/SD overflows for an SD like these: every value off the mean would stop the series
    ['a subnormal SD (1e-320)', { sd: 1e-320 }, ['sd']],
    ['an SD below a billionth of the mean (4 ± 1e-12)', { sd: 1e-12 }, ['sd']],
    // read as 0, 1 or 16 by Number(): never a mean or an SD someone meant
    ['a null mean', { mean: null, sd: '1' }, ['mean']],
    ['an empty mean', { mean: '' }, ['mean']],
    ['a boolean mean', { mean: true }, ['mean']],
    ['a boolean SD', { sd: true }, ['sd']],
    ['a hexadecimal mean', { mean: '0x10' }, ['mean']],
    ['a null SD', { sd: null }, ['sd']],
  ])('answers 422 per field for %s', async (_title, patch, fields) => {
    const e = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', lot({ lot: 'K1-OTHER', ...patch })), NOW));
    expect(e.status).toBe(422);
    expect(e.errors.map((x) => x.field).sort()).toEqual(fields);
  });

  it('takes an effectiveFrom given as a date alone as that day\'s 00:00 in China; text that is no date is refused as such, not as missing', async () => {
    const created = await postLot(t.db, lab, postJson('lots', lot({ lot: 'K1-DAY', effectiveFrom: '2026-11-02' })), NOW);
    expect(created.effectiveFrom).toBe('2026-11-01T16:00:00.000Z');
    for (const [given, code] of [['abc', 'value.notDateOrDateTime'], ['2026-02-30', 'value.notDateOrDateTime'], ['2026-02-30T00:00', 'value.notDateOrDateTime'], ['', 'value.required'], [null, 'value.required']] as const) {
      const e = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', lot({ lot: 'K1-BADDAY', effectiveFrom: given })), NOW));
      expect([e.status, e.errors.map((x) => [x.field, x.code])], String(given)).toEqual([422, [['effectiveFrom', code]]]);
    }
  });

  it('names the smallest SD it takes for the mean (value.sdTooSmall), and takes numbers as text', async () => {
    const e = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', lot({ lot: 'K1-TINY', sd: 1e-320 })), NOW));
    expect(e.errors).toEqual([expect.objectContaining({ field: 'sd', code: 'value.sdTooSmall', params: { min: 4e-9 } })]);
    const created = await postLot(t.db, lab, postJson('lots', lot({ lot: 'K1-TEXT', mean: ' 4.1 ', sd: '4.1e-9' })), NOW);
    expect(created).toMatchObject({ mean: 4.1, sd: 4.1e-9 });
  });

  it.each([
    ['another lab named in the query', () => lab, '?lab=HZ-001', {}],
    ['another lab named in the body', () => lab, '', { lab: 'HZ-001' }],
    ['a regulator', () => t.regulators.gd, '?lab=GZ-001', {}],
  ])('answers 403 for %s', async (_title, who, query, extra) => {
    const req = new Request(`http://localhost/api/v1/iqc/lots${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...lot({ lot: 'K1-X' }), ...extra }) });
    expect((await appErrorAsync(() => postLot(t.db, who(), req, NOW))).status).toBe(403);
  });
});

describe('POST /api/v1/iqc/results: a value too large to measure, or whose z would not be a finite number', () => {
  const at = Date.UTC(2026, 10, 20, 0, 0);
  const result = (lot: string, value: number, minutes: number) => ({ analyte: 'K', level: '1', lot, value, measuredAt: new Date(at + minutes * MIN).toISOString(), instrument: 'AU-FAR' });
  const values = async () => (await getRuns(t.db, lab, get('analyte=K&instrument=AU-FAR&from=2026-11-20&to=2026-11-21'), NOW)).runs.flatMap((r) => r.results.map((x) => `${x.lot}=${x.value}`));

  it('is refused by its row (422 value.notFinite beyond 1e15), with nothing written, not a 500', async () => {
    await postLot(t.db, lab, postJson('lots', { ...lot({ instrument: 'AU-FAR', lot: 'FAR-1', sd: 0.1 }), effectiveFrom: '2026-11-01 08:00' }), NOW);
    // 5e307: its z would overflow; 1e200 and -2e15: their squares overflowed the daily aggregates (a 500 on PostgreSQL)
    for (const big of [5e307, 1e200, -2e15, '1e16']) {
      const e = await appErrorAsync(() => postResults(t.db, lab, postJson('results', { results: [result('FAR-1', 4.1, 0), { ...result('FAR-1', 0, 60), value: big }] }), NOW));
      expect([e.status, e.reason], String(big)).toEqual([422, 'iqc.invalidResults']);
      expect(e.errors).toEqual([expect.objectContaining({ row: 2, field: 'value', code: 'value.notFinite' })]);
    }
    expect(await values()).toEqual([]);
    // a large value within it is judged (1-3s) like any other
    expect(await postResults(t.db, lab, postJson('results', { results: [result('FAR-1', 4.1, 0), result('FAR-1', 1e12, 60)] }), NOW)).toMatchObject({ inserted: 2, rejected: 1 });
    // a target beyond it is refused too
    const target = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', { ...lot({ instrument: 'AU-FAR', lot: 'FAR-BIG', sd: 1e192 }), mean: 1e200, effectiveFrom: '2026-11-01 08:00' }), NOW));
    expect(target.errors.map((x) => [x.field, x.code])).toEqual([['mean', 'value.notFinite'], ['sd', 'value.notFinite']]);
  });

  it('a target stored with a subnormal SD before SDs were checked: its values off the mean are refused by row, the mean itself is taken', async () => {
    const created = await postLot(t.db, lab, postJson('lots', { ...lot({ instrument: 'AU-FAR', lot: 'FAR-SUB', sd: 0.1 }), effectiveFrom: '2026-11-01 08:00' }), NOW);
    expect(created.sd).toBe(0.1);
    // what such a lot looked like: the SD as an older version accepted it
    await t.db.update(qcTargets).set({ sd: 1e-320 }).where(eq(qcTargets.controlLotId, (await t.db.select({ id: controlLots.id }).from(controlLots).where(eq(controlLots.lotNumber, 'FAR-SUB')))[0].id));
    const e = await appErrorAsync(() => postResults(t.db, lab, postJson('results', { results: [result('FAR-SUB', 4.2, 120), result('FAR-SUB', 4, 180)] }), NOW));
    expect(e.status).toBe(422);
    expect(e.errors.map((x) => [x.row, x.field, x.code])).toEqual([[1, 'value', 'iqc.zNotFinite']]);
    expect(await postResults(t.db, lab, postJson('results', { results: [result('FAR-SUB', 4, 180)] }), NOW)).toMatchObject({ inserted: 1 });
  });

  it('a correction to such a value is refused (422), the stored value stays', async () => {
    const [row] = await t.db.select({ id: iqcResults.id }).from(iqcResults).innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId)).where(and(eq(controlLots.lotNumber, 'FAR-1'), eq(iqcResults.value, 4.1)));
    const e = await appErrorAsync(() => correctResult(t.db, lab, { resultId: row.id, value: 5e307, reason: 'typo' }, NOW));
    expect(e.status).toBe(422);
    expect(e.errors).toEqual([expect.objectContaining({ field: 'value', code: 'value.notFinite' })]);
    expect((await values()).filter((v) => v.startsWith('FAR-1='))).toEqual(['FAR-1=4.1', 'FAR-1=1000000000000']);
  });
});

describe('POST /api/v1/iqc/results: `rejected` of the answer', () => {
  const result = (value: number, day: number) => ({ analyte: 'K', level: '1', lot: 'REJ-1', value, measuredAt: `2026-10-${day} 08:00`, instrument: 'AU-REJ' });

  it('counts the post\'s rejected runs, not a later run rejected before and judged again unchanged', async () => {
    await postLot(t.db, lab, postJson('lots', { ...lot({ instrument: 'AU-REJ', lot: 'REJ-1', sd: 0.1 }), effectiveFrom: '2026-10-01 08:00' }), NOW);
    // 4.5: +5 SD, 1-3s
    expect(await postResults(t.db, lab, postJson('results', { results: [result(4.5, 12)] }), NOW)).toMatchObject({ inserted: 1, rejected: 1 });
    // a result of the day before: the 12th is judged again, rejected as it was
    const late = await postResults(t.db, lab, postJson('results', { results: [result(4, 11)] }), NOW);
    expect(late).toMatchObject({ inserted: 1, rejected: 0, reevaluated: 0 });
    expect(late.runs.map((r) => r.status)).toEqual(['accepted']);
    // +2.5 SD on the 20th (a 1-2s warning), then +2.5 SD on the 19th: the 20th turns 2-2s, which is news
    expect(await postResults(t.db, lab, postJson('results', { results: [result(4.25, 20)] }), NOW)).toMatchObject({ inserted: 1, rejected: 0 });
    const turned = await postResults(t.db, lab, postJson('results', { results: [result(4.25, 19)] }), NOW);
    expect(turned).toMatchObject({ inserted: 1, rejected: 1, reevaluated: 1 });
    expect(turned.runs.map((r) => r.status)).toEqual(['warning']);
  });
});

describe('POST /api/v1/iqc/results: the UTC offset of measuredAt', () => {
  const result = (measuredAt: string) => ({ analyte: 'K', level: '1', lot: 'OFF-1', value: 4, measuredAt, instrument: 'AU-OFF' });

  it.each([['+99:99'], ['-23:59'], ['+14:01'], ['-12:01'], ['+08:60'], ['+1500']])('refuses an offset no clock uses (%s) by its row (422 value.notDateTime), nothing written', async (offset) => {
    const e = await appErrorAsync(() => postResults(t.db, lab, postJson('results', { results: [result(`2026-11-20 08:00${offset}`)] }), NOW));
    expect([e.status, e.reason]).toEqual([422, 'iqc.invalidResults']);
    expect(e.errors).toEqual([expect.objectContaining({ row: 1, field: 'measuredAt', code: 'value.notDateTime' })]);
  });

  it('takes the offsets at either end (+14:00 Kiribati, −12:00) at their word', async () => {
    const out = await postResults(t.db, lab, postJson('results', { results: [result('2026-11-20 08:00+14:00'), result('2026-11-21 08:00-12:00')] }), NOW);
    expect(out.runs.map((r) => r.measuredAt)).toEqual(['2026-11-19T18:00:00.000Z', '2026-11-21T20:00:00.000Z']);
  });
});

describe('GET /api/v1/iqc/runs', () => {
  const at = Date.UTC(2026, 10, 10, 0, 0);
  beforeAll(async () => {
    // two K runs (levels 10 minutes apart; the second rejected by 1-3s) and one NA run on another instrument
    await postLot(t.db, other, postJson('lots', { analyte: 'K', instrument: 'AU5800', level: '1', lot: 'A', mean: 4, sd: 0.1, effectiveFrom: '2026-11-01 08:00' }), NOW);
    await postLot(t.db, other, postJson('lots', { analyte: 'K', instrument: 'AU5800', level: '2', lot: 'B', mean: 6, sd: 0.1, effectiveFrom: '2026-11-01 08:00' }), NOW);
    const r = (analyte: string, level: string, lotNo: string, value: number, t0: number, instrument = 'AU5800') => ({ analyte, level, lot: lotNo, value, measuredAt: new Date(t0).toISOString(), instrument });
    await postResults(
      t.db,
      other,
      postJson('results', {
        results: [
          r('K', '1', 'A', 4.05, at),
          r('K', '2', 'B', 6.0, at + 10 * MIN),
          r('K', '1', 'A', 4.35, at + 24 * 60 * MIN),
          r('K', '2', 'B', 6.0, at + 24 * 60 * MIN + 10 * MIN),
          r('NA', '1', 'N', 140, at + 60 * MIN, 'C702'),
        ],
      }),
      NOW,
    );
  });

  it('lists runs in time order with violations and results (ISO times)', async () => {
    const { runs, next } = await getRuns(t.db, other, get('analyte=K&from=2026-11-01&to=2026-11-30'), NOW);
    expect(next).toBeNull();
    expect(runs).toEqual([
      {
        runId: expect.any(Number),
        analyte: 'K',
        instrument: 'AU5800',
        startedAt: '2026-11-10T00:00:00.000Z',
        status: 'accepted',
        violations: [],
        results: [
          { level: '1', lot: 'A', value: 4.05, z: expect.closeTo(0.5, 9), measuredAt: '2026-11-10T00:00:00.000Z' },
          { level: '2', lot: 'B', value: 6, z: 0, measuredAt: '2026-11-10T00:10:00.000Z' },
        ],
      },
      {
        runId: expect.any(Number),
        analyte: 'K',
        instrument: 'AU5800',
        startedAt: '2026-11-11T00:00:00.000Z',
        status: 'rejected',
        violations: [{ rule: '1-2s', levels: ['1'] }, { rule: '1-3s', levels: ['1'] }],
        results: [
          { level: '1', lot: 'A', value: 4.35, z: expect.closeTo(3.5, 9), measuredAt: '2026-11-11T00:00:00.000Z' },
          { level: '2', lot: 'B', value: 6, z: 0, measuredAt: '2026-11-11T00:10:00.000Z' },
        ],
      },
    ]);
  });

  it.each([
    ['instrument=C702', ['NA']],
    ['from=2026-11-11', ['K']],
    ['to=2026-11-10', ['K', 'NA']],
    ['', ['K', 'NA', 'K']],
  ])('filters: %s', async (query, analytes) => {
    expect((await getRuns(t.db, other, get(query), NOW)).runs.map((r) => r.analyte)).toEqual(analytes);
  });

  it('pages with a cursor: limit=2 then the rest, no run twice', async () => {
    const first = await getRuns(t.db, other, get('limit=2'), NOW);
    expect(first.runs).toHaveLength(2);
    expect(first.next).toMatch(/^\d+\.\d+$/);
    const second = await getRuns(t.db, other, get(`limit=2&cursor=${first.next}`), NOW);
    expect(second).toMatchObject({ next: null });
    expect([...first.runs, ...second.runs].map((r) => r.runId)).toEqual((await getRuns(t.db, other, get(''), NOW)).runs.map((r) => r.runId));
  });

  it('reads a page in a fixed number of queries, whatever the number of runs (no query per run)', async () => {
    // statements sent through the driver of either backend
    const spy = t.backend === 'pg' ? vi.spyOn(t.db.$client as unknown as { query: () => unknown }, 'query') : vi.spyOn(t.db.$client, 'prepare');
    await getRuns(t.db, other, get('limit=1'), NOW);
    const one = spy.mock.calls.length;
    spy.mockClear();
    expect((await getRuns(t.db, other, get('limit=3'), NOW)).runs).toHaveLength(3);
    expect(spy.mock.calls.length).toBe(one);
    spy.mockRestore();
  });

  it('a regulator of the region adds lab=; others are refused', async () => {
    expect((await getRuns(t.db, t.regulators.zj, get('lab=HZ-001'), NOW)).runs).toHaveLength(3);
    expect((await appErrorAsync(async () => await getRuns(t.db, t.regulators.gd, get('lab=HZ-001'), NOW))).status).toBe(403);
    expect((await appErrorAsync(async () => await getRuns(t.db, lab, get('lab=HZ-001'), NOW))).status).toBe(403);
  });

  it.each([
    ['analyte=NOPE', 'analyte'],
    ['limit=0', 'limit'],
    ['limit=5001', 'limit'],
    ['cursor=abc', 'cursor'],
    // beyond a 64-bit integer (PostgreSQL refused it: a 500), or beyond a double (Infinity)
    ['cursor=100000000000000000000.1', 'cursor'],
    ['cursor=1.100000000000000000000', 'cursor'],
    [`cursor=${'9'.repeat(400)}.1`, 'cursor'],
    ['from=yesterday', 'from'],
    // not rolled over to 2 March
    ['from=2026-02-30', 'from'],
    ['from=2026-04-01&to=2026-04-31', 'to'],
    // only the bound sent is named: a `from` left out is not at fault for an unreadable `to`
    ['to=abc', 'to'],
    ['from=abc&to=abc', 'from,to'],
  ])('answers 422 for %s, naming exactly the fields at fault', async (query, fields) => {
    const e = await appErrorAsync(async () => await getRuns(t.db, other, get(query), NOW));
    expect(e.status).toBe(422);
    expect(e.errors.map((x) => x.field).join(',')).toBe(fields);
  });
});

describe('POST /api/v1/iqc/results: the lab is resolved once', () => {
  const at = Date.UTC(2026, 10, 12, 0, 0);
  const result = (value: number, minutes: number) => ({ analyte: 'K', level: '1', lot: 'ONCE-1', value, measuredAt: new Date(at + minutes * MIN).toISOString(), instrument: 'AU-ONCE' });
  const csvPost = (text: string, query = '') =>
    new Request(`http://localhost/api/v1/iqc/results${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: text });
  /** the reads of a lab's scope (its id and region path) among the statements of a post */
  const scopeReads = (statements: string[]) => statements.filter((s) => /from "laboratories" inner join "regions"/i.test(s) && !/"laboratories"\."code"/i.test(s)).length;

  it('the request thread authorizes the lab and the ingest writes there without reading it again (JSON and CSV)', async () => {
    const statements: string[] = [];
    const json = await countingStatements(t.db, statements, () => postResults(t.db, lab, postJson('results', { results: [result(4, 0)] }), NOW));
    expect(json).toMatchObject({ inserted: 1 });
    expect(scopeReads(statements)).toBe(1);
    statements.length = 0;
    const csv = await countingStatements(t.db, statements, () =>
      postResults(t.db, lab, csvPost(`measured_at,analyte_code,level,lot,value,instrument\n${new Date(at + 60 * MIN).toISOString()},K,1,ONCE-1,4.1,AU-ONCE\n`), NOW),
    );
    expect(csv).toMatchObject({ inserted: 1 });
    expect(scopeReads(statements)).toBe(1);
    const rows = await getRuns(t.db, lab, get('analyte=K&from=2026-11-12&to=2026-11-13'), NOW);
    expect(rows.runs.flatMap((r) => r.results.map((x) => x.value))).toEqual([4, 4.1]);
  });

  it('a body naming its own lab as the query does is written there; a body naming another lab is refused (403) and writes nothing', async () => {
    expect(await postResults(t.db, lab, postJson('results?lab=GZ-001', { lab: 'GZ-001', results: [result(4.2, 120)] }), NOW)).toMatchObject({ inserted: 1 });
    const e = await appErrorAsync(() => postResults(t.db, lab, postJson('results', { lab: 'HZ-001', results: [result(4.3, 180)] }), NOW));
    expect(e.status).toBe(403);
    const e2 = await appErrorAsync(() => postResults(t.db, lab, postJson('results?lab=GZ-001', { lab: 'HZ-001', results: [result(4.3, 180)] }), NOW));
    expect(e2.status).toBe(403);
    const rows = await getRuns(t.db, lab, get('analyte=K&from=2026-11-12&to=2026-11-13'), NOW);
    expect(rows.runs.flatMap((r) => r.results.map((x) => x.value))).toEqual([4, 4.1, 4.2]);
    expect((await getRuns(t.db, other, get('analyte=K&from=2026-11-12&to=2026-11-13'), NOW)).runs).toEqual([]);
  });

  it('a CSV line with a value past the header (an unquoted comma in an instrument) is refused by its line (422), and the file writes nothing', async () => {
    const line = (minutes: number, instrument: string) => `${new Date(at + minutes * MIN).toISOString()},K,1,ONCE-1,4.4,${instrument}`;
    const e = await appErrorAsync(() => postResults(t.db, lab, csvPost(`measured_at,analyte_code,level,lot,value,instrument\n${line(240, 'AU-ONCE')}\n${line(300, 'AU-ONCE, bay 2')}\n`), NOW));
    expect([e.status, e.reason]).toEqual([422, 'file.tooManyValues']);
    expect(e.errors).toEqual([expect.objectContaining({ row: 3, field: '(row)', code: 'file.valuesPastHeader', params: { columns: 6 } })]);
    const rows = await getRuns(t.db, lab, get('analyte=K&from=2026-11-12&to=2026-11-13'), NOW);
    expect(rows.runs.flatMap((r) => r.results.map((x) => x.value))).toEqual([4, 4.1, 4.2]);
  });
});
