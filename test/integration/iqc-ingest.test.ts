// Entering IQC results through every way in (the grid's service, CSV, JSON, the LIS API with a
// token), refusals, bad input, duplicates, and that nothing is written when anything is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createSeededTestDb, testBackend } from '../support/db';
import { apiTokens, auditLog, correctiveActions, iqcResults, iqcRuns, iqcViolations, controlLots } from '@/db/schema';
import { generateApiToken } from '@/lib/auth/tokens';
import { actorForApiToken } from '@/lib/auth/resolve';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { correctResult } from '@/lib/services/iqc/results';
import { importIqcCsv, iqcCsvTemplate } from '@/lib/services/iqc/import-csv';
import { postResults } from '@/lib/services/iqc/api';
import { readIqcResult } from '@/lib/validation/iqc';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { withTx } from '@/db/tx';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0); // 2026-11-25 12:00 in Shanghai
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab1: Actor;
let lab2: Actor;

/** An ISO time `d` days before NOW (Shanghai wall clock 08:00 + offset). */
const at = (daysAgo: number, hour = 8) => new Date(NOW - daysAgo * DAY - 4 * HOUR + (hour - 8) * HOUR).toISOString();

/** A two-level potassium run; z values against mean 4.00 / SD 0.08 (L1) and 6.00 / SD 0.12 (L2). */
const kRun = (daysAgo: number, z1: number, z2: number, extra: Record<string, unknown> = {}) => [
  { analyte: 'K', level: '1', lot: 'K1-A', value: +(4 + 0.08 * z1).toFixed(4), measuredAt: at(daysAgo), instrument: 'AU5800', ...extra },
  { analyte: 'K', level: '2', lot: 'K2-A', value: +(6 + 0.12 * z2).toFixed(4), measuredAt: at(daysAgo), instrument: 'AU5800', ...extra },
];

async function counts() {
  return {
    results: first(await t.db.select({ n: count() }).from(iqcResults).limit(1))!.n,
    runs: first(await t.db.select({ n: count() }).from(iqcRuns).limit(1))!.n,
    lots: first(await t.db.select({ n: count() }).from(controlLots).limit(1))!.n,
    audit: first(await t.db.select({ n: count() }).from(auditLog).limit(1))!.n,
  };
}

async function appError(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

async function appErrorAsync(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

beforeAll(async () => {
  t = await createSeededTestDb();
  lab1 = t.labManagers.get('GZ-001')!;
  lab2 = t.labManagers.get('HZ-001')!;
  for (const [actor, level, lot, mean, sd] of [
    [lab1, '1', 'K1-A', 4, 0.08],
    [lab1, '2', 'K2-A', 6, 0.12],
    [lab2, '1', 'K1-A', 4, 0.08],
    [lab2, '2', 'K2-A', 6, 0.12],
  ] as const) {
    await setManufacturerTarget(t.db, actor, { analyte: 'K', level, lot, instrument: 'AU5800', mean, sd, effectiveFrom: at(60) }, NOW - 60 * DAY);
  }
});
afterAll(() => t.close());

describe('the entry grid (ingest service)', () => {
  it('stores an in-control run as accepted with z against the target in force', async () => {
    const out = await ingestResults(t.db, lab1, { results: kRun(30, 0.5, -0.5) }, { source: 'manual', now: NOW });
    expect(out.inserted).toBe(2);
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({ analyte: 'K', status: 'accepted', violations: [] });
    const stored = await t.db.select().from(iqcResults).where(eq(iqcResults.runId, out.runs[0].runId));
    expect(stored.map((r) => +r.z!.toFixed(6)).sort()).toEqual([-0.5, 0.5]);
    expect(stored.every((r) => r.targetId !== null && r.current && r.version === 1)).toBe(true);
  });

  it('rejects a run with a value beyond 3 SD (1-3s), stores the violation and opens a corrective action', async () => {
    const out = await ingestResults(t.db, lab1, { results: kRun(29, 3.5, 0.2) }, { source: 'manual', now: NOW });
    expect(out.runs[0].status).toBe('rejected');
    expect(out.runs[0].violations).toContainEqual({ rule: '1-3s', levels: ['1'] });
    const runId = out.runs[0].runId;
    expect((await t.db.select().from(iqcViolations).where(eq(iqcViolations.runId, runId))).map((v) => v.rule)).toContain('1-3s');
    const ca = first(await t.db.select().from(correctiveActions).where(eq(correctiveActions.runId, runId)).limit(1));
    expect(ca).toMatchObject({ status: 'open', labId: lab1.labId });
    // stored now, measured 29 days before: recognition's corrective-action grace counts from now
    const [run] = await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, runId));
    expect([run.createdAt, run.measuredAt < NOW - 28 * 24 * 3600 * 1000]).toEqual([NOW, true]);
  });

  it('gives a warning for 1-2s alone; the rejected run before it is out of the history (no 2-2s across it)', async () => {
    const out = await ingestResults(t.db, lab1, { results: kRun(28, 2.4, 0.1) }, { source: 'manual', now: NOW });
    expect(out.runs[0]).toMatchObject({ status: 'warning', violations: [{ rule: '1-2s', levels: ['1'] }] });
  });

  it('judges across runs: 2-2s on the same level in consecutive runs', async () => {
    const out = await ingestResults(t.db, lab1, { results: [...kRun(27, -0.3, 2.3), ...kRun(26, 0.1, 2.2)] }, { source: 'manual', now: NOW });
    expect(out.runs.map((r) => r.status)).toEqual(['warning', 'rejected']);
    expect(out.runs[1].violations.map((v) => v.rule)).toContain('2-2s');
  });

  it('stores results of a lot without targets as no_target and creates the lot', async () => {
    const out = await ingestResults(t.db, lab1, { results: [{ analyte: 'NA', level: '1', lot: 'NA1-NEW', value: 140, measuredAt: at(25) }] }, { source: 'manual', now: NOW });
    expect(out).toMatchObject({ inserted: 1, newLots: 1 });
    expect(out.runs[0]).toMatchObject({ analyte: 'NA', status: 'no_target', violations: [] });
  });

  it('writes one audit entry per submission', async () => {
    const before = (await counts()).audit;
    await ingestResults(t.db, lab1, { results: kRun(24, 0, 0) }, { source: 'manual', now: NOW });
    expect((await counts()).audit).toBe(before + 1);
    const last = (await t.db.select().from(auditLog).orderBy(auditLog.id)).at(-1)!;
    expect(last).toMatchObject({ action: 'iqc.results.ingest', labId: lab1.labId, actorId: lab1.userId });
  });

  it('a new target version is audited with its values and the reason given for it', async () => {
    await setManufacturerTarget(t.db, lab1, { analyte: 'NA', level: '1', lot: 'NA1-AUDIT', mean: 140, sd: 1.5, effectiveFrom: NOW - 30 * DAY }, NOW - 30 * DAY);
    await setManufacturerTarget(t.db, lab1, { analyte: 'NA', level: '1', lot: 'NA1-AUDIT', mean: 141, sd: 1.4, effectiveFrom: NOW - DAY, reason: 'insert of the new box' }, NOW);
    const rows = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.target.set')).orderBy(auditLog.id)).filter((a) => (a.details as { lot?: string }).lot === 'NA1-AUDIT');
    expect(rows.map((a) => a.details)).toEqual([
      expect.objectContaining({ mean: 140, sd: 1.5, version: 1, reason: null }),
      expect.objectContaining({ mean: 141, sd: 1.4, version: 2, reason: 'insert of the new box' }),
    ]);
  });
});

describe('duplicates', () => {
  it('skips results already stored (same lab, analyte, level, lot, time, value) instead of counting them twice', async () => {
    const rows = kRun(20, 0.3, 0.3);
    const first = await ingestResults(t.db, lab1, { results: rows }, { source: 'api', now: NOW });
    const before = await counts();
    const again = await ingestResults(t.db, lab1, { results: rows }, { source: 'api', now: NOW });
    expect(first).toMatchObject({ inserted: 2, skipped: 0 });
    expect(again).toMatchObject({ inserted: 0, skipped: 2, runs: [] });
    expect((await counts()).results).toBe(before.results);
    expect((await counts()).runs).toBe(before.runs);
  });

  it('skips a repeated row within one submission', async () => {
    const rows = kRun(19, 0.1, 0.1);
    const out = await ingestResults(t.db, lab1, { results: [...rows, rows[0]] }, { source: 'api', now: NOW });
    expect(out).toMatchObject({ inserted: 2, skipped: 1 });
  });

  it('refuses a different value for a level already measured at that time (an edit needs a reason)', async () => {
    const rows = kRun(18, 0.1, 0.1);
    await ingestResults(t.db, lab1, { results: rows }, { source: 'api', now: NOW });
    const e = await appError(async () => await ingestResults(t.db, lab1, { results: [{ ...rows[0], value: 4.5 }] }, { source: 'api', now: NOW }));
    expect(e.status).toBe(422);
    expect(e.errors[0]).toMatchObject({ row: 1, field: 'value' });
  });

  it("a corrected result's original sent again (an LIS resending its batch) is skipped as received; another value is still refused", async () => {
    // on an instrument of its own: a series apart from the other tests' K runs
    const rows = kRun(17, 0.2, 0.2, { instrument: 'RESEND-1' });
    await ingestResults(t.db, lab1, { results: rows }, { source: 'api', now: NOW });
    const [stored] = (await t.db.select().from(iqcResults).where(eq(iqcResults.value, rows[0].value))).filter((r) => r.measuredAt === Date.parse(rows[0].measuredAt));
    await correctResult(t.db, lab1, { resultId: stored.id, value: 4.05, reason: 'transcription error' }, NOW);
    const before = await counts();
    // the same batch, with a new run of another day: the original is skipped, the new run stored
    const again = await ingestResults(t.db, lab1, { results: [...rows, ...kRun(16, 0.1, 0.1, { instrument: 'RESEND-1' })] }, { source: 'api', now: NOW });
    expect(again).toMatchObject({ inserted: 2, skipped: 2 });
    expect((await counts()).results).toBe(before.results + 2);
    // the corrected value stays the current one
    const current = await t.db.select().from(iqcResults).where(eq(iqcResults.measuredAt, stored.measuredAt));
    expect(current.filter((r) => r.current && r.controlLotId === stored.controlLotId).map((r) => r.value)).toEqual([4.05]);
    // a value that was never stored there is refused as before
    const e = await appError(async () => await ingestResults(t.db, lab1, { results: [{ ...rows[0], value: 4.3 }] }, { source: 'api', now: NOW }));
    expect([e.status, e.errors.map((x) => [x.row, x.code])]).toEqual([422, [[1, 'iqc.duplicateLevel']]]);
  });

  it('a level given twice at one time with two values in one batch names the other row, not a stored result; nothing is written', async () => {
    const before = await counts();
    const [first, second] = kRun(30, 0.1, 0.2, { instrument: 'TWICE-1' });
    const e = await appError(async () => await ingestResults(t.db, lab1, { results: [first, second, { ...first, value: first.value + 0.5 }] }, { source: 'api', now: NOW }));
    expect([e.status, e.errors.map((x) => [x.row, x.code, x.params?.other])]).toEqual([422, [[3, 'iqc.duplicateLevelInBatch', 1]]]);
    expect(e.errors[0].message).toMatch(/given twice at this time with different values \(see also row 1\)/);
    expect(await counts()).toEqual(before);
  });
});

describe('refusals', () => {
  it.each([
    ['a lab manager writing to another lab', () => t.labManagers.get('GZ-001')!, 'HZ-001'],
    ['a regulator (no iqc.write)', () => t.regulators.gd, 'GZ-001'],
    ['an administrator (no iqc.write)', () => t.admin, 'GZ-001'],
  ])('%s is refused with 403 and nothing is written', async (_title, who, lab) => {
    const before = await counts();
    const e = await appError(async () => await ingestResults(t.db, who(), { lab, results: kRun(10, 0, 0) }, { source: 'manual', now: NOW }));
    expect(e.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('a regulator writing without naming a lab is refused with 403', async () => {
    const e = await appError(async () => await ingestResults(t.db, t.regulators.gd, { results: kRun(10, 0, 0) }, { source: 'manual', now: NOW }));
    expect(e.status).toBe(403);
  });

  it('an unknown API token resolves to no actor (the route answers 401)', async () => {
    expect(await actorForApiToken(t.db, 'lqc_not-a-real-token')).toBeNull();
  });

  it("a lot's new targets take effect after the version before them (else the older would take over from its start); times said in China's clock", async () => {
    const lab = t.labManagers.get('GZ-001')!;
    const target = (mean: number, from: string) => setManufacturerTarget(t.db, lab, { analyte: 'K', level: '1', lot: 'ORDER-1', instrument: 'ORDER-I', mean, sd: 0.08, effectiveFrom: from, reason: 'new insert' }, NOW);
    await target(4.0, '2026-11-01T00:00:00+08:00');
    await target(5.0, '2026-11-20T00:00:00+08:00');
    const e = await appError(async () => await target(6.0, '2026-11-10T00:00:00+08:00'));
    expect([e.status, e.reason, e.message]).toEqual([422, 'iqc.targetsBeforePrevious', 'Targets take effect after the version in force from 2026-11-20 00:00:00 China time']);
    // a later start is taken
    await target(6.0, '2026-11-25T00:00:00+08:00');
  });
});

describe('bad input: every bad row is reported with its row and field, nothing is written', () => {
  const good = () => kRun(5, 0, 0)[0];
  it.each([
    ['a non-numeric value', { value: 'abc' }, 'value', /number/i],
    ['an unknown analyte', { analyte: 'NOPE' }, 'analyte', /Unknown analyte/],
    ['a missing level', { level: '' }, 'level', /Required|at least/i],
    ['a bad date', { measuredAt: '2026-02-31 08:00' }, 'measuredAt', /date/i],
    ['a date without a time', { measuredAt: '2026-11-20' }, 'measuredAt', /date/i],
    ['a time in the future', { measuredAt: new Date(NOW + DAY).toISOString() }, 'measuredAt', /future/i],
    ['formula injection in the lot', { lot: '=CMD()' }, 'lot', /formula/i],
    ['formula injection in the instrument', { instrument: '@SUM(A1)' }, 'instrument', /formula/i],
    ['formula injection in the value', { value: '=CMD()' }, 'value', /number/i],
  ])('refuses %s', async (_title, patch, field, message) => {
    const before = await counts();
    const e = await appError(async () => await ingestResults(t.db, lab1, { results: [good(), { ...good(), level: '2', ...patch }] }, { source: 'manual', now: NOW }));
    expect(e.status).toBe(422);
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]).toMatchObject({ row: 2, field });
    expect(e.errors[0].message).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('reports every bad row, not just the first', async () => {
    const e = await appError(async () =>
      await ingestResults(t.db, lab1, { results: [{ ...good(), value: 'x' }, good(), { ...good(), analyte: 'ZZZ', level: '3' }, { ...good(), level: '4', measuredAt: 'yesterday' }] }, { source: 'manual', now: NOW }),
    );
    expect(e.errors.map((x) => [x.row, x.field])).toEqual([
      [1, 'value'],
      [3, 'analyte'],
      [4, 'measuredAt'],
    ]);
  });
});

describe('CSV import', () => {
  const header = 'measured_at,analyte_code,level,lot,value,instrument\n';
  const line = (d: string, level: string, value: string, lot = `K${level}-A`) => `${d},K,${level},${lot},${value},AU5800\n`;
  const day = (daysAgo: number) => new Date(NOW - daysAgo * DAY + 8 * HOUR).toISOString().slice(0, 10) + ' 09:15';

  it('imports a valid file in one transaction', async () => {
    const csv = header + line(day(15), '1', '4.02') + line(day(15), '2', '6.05') + line(day(14), '1', '3.97') + line(day(14), '2', '5.96');
    const out = await importIqcCsv(t.db, lab1, { text: csv }, { now: NOW });
    expect(out).toMatchObject({ inserted: 4, skipped: 0 });
    expect(out.runs.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    const run = first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, out.runs[0].runId)).limit(1))!;
    expect(run.source).toBe('csv');
    // "09:15" without an offset is Shanghai time
    expect(new Date(run.measuredAt).toISOString().slice(11, 16)).toBe('01:15');
  });

  it('the preview checks everything and writes nothing', async () => {
    const before = await counts();
    const csv = header + line(day(13), '1', '4.01') + line(day(13), '2', '6.01');
    expect(await importIqcCsv(t.db, lab1, { text: csv }, { now: NOW, dryRun: true })).toMatchObject({ inserted: 2, dryRun: true });
    expect(await counts()).toEqual(before);
  });

  it('reports bad rows with their CSV line number and column name', async () => {
    const before = await counts();
    const csv = header + line(day(12), '1', '4.01') + '\n' + line(day(12), '2', 'n/a') + `${day(12)},XX,1,L,1,\n` + `not a date,K,3,K3,4.1,\n` + `${day(12)},K,,K4,4.1,\n`;
    const e = await appError(async () => await importIqcCsv(t.db, lab1, { text: csv }, { now: NOW }));
    expect(e.status).toBe(422);
    // line 3 is blank: lines keep the numbers a spreadsheet shows
    expect(e.errors.map((x) => [x.row, x.field])).toEqual([
      [4, 'value'],
      [5, 'analyte_code'],
      [6, 'measured_at'],
      [7, 'level'],
    ]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a NUL character by line and column on either backend, writing nothing (PostgreSQL answered 500)', async () => {
    const before = await counts();
    const csv = header + line(day(12), '1', '4.01') + `${day(12)},K,2,K2\u0000,6.01,\n`;
    const e = await appError(async () => await importIqcCsv(t.db, lab1, { text: csv }, { now: NOW }));
    expect([e.status, e.reason]).toEqual([422, 'file.nulCharacter']);
    expect(e.errors.map((x) => [x.row, x.field, x.code])).toEqual([[3, 'lot', 'value.nulCharacter']]);
    // the JSON API's rows alike (the operator of the second)
    const j = await appError(async () => await ingestResults(t.db, lab1, { results: kRun(12, 0.1, 0.2, { operator: 'li\u0000' }) }, { source: 'api', now: NOW }));
    expect([j.status, j.reason]).toEqual([422, 'iqc.invalidResults']);
    expect(j.errors.map((x) => [x.row, x.field, x.code])).toEqual([
      [1, 'operator', 'value.nulCharacter'],
      [2, 'operator', 'value.nulCharacter'],
    ]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a line break or tab inside a lot, instrument or level (an Excel cell with Alt+Enter), by line and column, writing nothing', async () => {
    const before = await counts();
    const csv = header + line(day(13), '1', '4.01') + `${day(13)},K,2,"K2\nA",6.01,AU5800\n${day(13)},K,3,K3-A,6.01,"AU\t5800"\n`;
    const e = await appError(async () => await importIqcCsv(t.db, lab1, { text: csv }, { now: NOW }));
    // the quoted line break makes the third record start on line 3 and end on line 4
    expect(e.errors.map((x) => [x.field, x.code])).toEqual([['lot', 'value.controlCharacter'], ['instrument', 'value.controlCharacter']]);
    const j = await appError(async () => await ingestResults(t.db, lab1, { results: kRun(13, 0.1, 0.2, { level: '1\r2' }) }, { source: 'api', now: NOW }));
    expect(j.errors.map((x) => [x.row, x.field, x.code, x.message])).toEqual([
      [1, 'level', 'value.controlCharacter', 'Holds a line break, tab or other control character'],
      [2, 'level', 'value.controlCharacter', 'Holds a line break, tab or other control character'],
    ]);
    expect(await counts()).toEqual(before);
  });

  it('reports every problem of a row, not only the first', async () => {
    const before = await counts();
    const e = await appError(async () => await importIqcCsv(t.db, lab1, { text: header + `${day(12)},ZZ,1,=CMD(),abc,\n` }, { now: NOW }));
    expect(e.errors.map((x) => [x.row, x.field]).sort()).toEqual([
      [2, 'analyte_code'],
      [2, 'lot'],
      [2, 'value'],
    ]);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['an empty file', '', 422],
    ['a header without rows', header, 422],
    ['a file with a missing column', 'measured_at,analyte_code,level,value\n2026-11-01 08:00,K,1,4\n', 422],
    ['a 50 MB file', header + 'x'.repeat(50 * 1024 * 1024), 413],
  ])('refuses %s', async (_title, text, status) => {
    const before = await counts();
    const e = await appError(async () => await importIqcCsv(t.db, lab1, { text }, { now: NOW }));
    expect(e.status).toBe(status);
    expect(await counts()).toEqual(before);
  });

  it('refuses formula injection in a text column', async () => {
    const e = await appError(async () => await importIqcCsv(t.db, lab1, { text: header + `${day(11)},K,1,=CMD(),4.0,AU5800\n` }, { now: NOW }));
    expect(e.errors[0]).toMatchObject({ row: 2, field: 'lot' });
  });

  it('the template has the documented columns and imports as is', async () => {
    const template = iqcCsvTemplate();
    expect(template.split('\r\n')[0]).toBe('measured_at,analyte_code,level,lot,value,instrument');
    const out = await importIqcCsv(t.db, lab2, { text: template }, { now: Date.UTC(2026, 10, 26) });
    expect(out.inserted).toBe(2);
  });
});

describe('the LIS API (POST /api/v1/iqc/results) with a lab token', () => {
  let token: string;
  let tokenActor: Actor;
  beforeAll(async () => {
    const g = generateApiToken();
    await t.db.insert(apiTokens).values({ labId: lab1.labId!, userId: lab1.userId, name: 'LIS', prefix: g.prefix, tokenHash: g.hash, createdAt: NOW });
    token = g.token;
    tokenActor = (await actorForApiToken(t.db, token))!;
  });

  const req = (body: string, type: string, query = '') =>
    new Request(`http://localhost/api/v1/iqc/results${query}`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${token}` }, body });

  it('the token acts as its lab', () => {
    expect(tokenActor).toMatchObject({ via: 'token', labId: lab1.labId, role: 'lab_manager' });
  });

  it('accepts JSON and answers with inserted and the runs with their verdicts', async () => {
    const out = await postResults(t.db, tokenActor, req(JSON.stringify({ results: kRun(9, 0.2, 3.6) }), 'application/json'), NOW);
    expect(out.inserted).toBe(2);
    expect(out.runs).toEqual([expect.objectContaining({ analyte: 'K', status: 'rejected', violations: expect.arrayContaining([{ rule: '1-3s', levels: ['2'] }]) })]);
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, out.runs[0].runId)).limit(1))!.source).toBe('api');
  });

  it('accepts a CSV body', async () => {
    const csv = `measured_at,analyte_code,level,lot,value,instrument\n${at(8)},K,1,K1-A,4.01,AU5800\n${at(8)},K,2,K2-A,5.99,AU5800\n`;
    const out = await postResults(t.db, tokenActor, req(csv, 'text/csv; charset=utf-8'), NOW);
    expect(out).toMatchObject({ inserted: 2, skipped: 0 });
  });

  it('answers 422 with every bad row and writes nothing', async () => {
    const before = await counts();
    const bad = [...kRun(7, 0, 0), { analyte: 'K', level: '1', lot: 'K1-A', value: 'high', measuredAt: at(6) }, { analyte: 'K', lot: 'K1-A', value: 4, measuredAt: at(6) }];
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, req(JSON.stringify({ results: bad }), 'application/json'), NOW));
    expect(e.status).toBe(422);
    expect(e.errors).toEqual([
      { row: 3, field: 'value', message: 'Not a number', code: 'value.notNumber' },
      { row: 4, field: 'level', message: 'Required', code: 'value.required' },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a value too large to be finite (JSON 1e400 parses to Infinity), in JSON and in a CSV body, and writes nothing', async () => {
    const before = await counts();
    // the JSON text as an LIS sends it: JSON.stringify would have made Infinity null
    const json = `{"results":[{"analyte":"K","level":"1","lot":"K1-A","value":1e400,"measuredAt":"${at(5)}"},{"analyte":"K","level":"2","lot":"K2-A","value":-1e400,"measuredAt":"${at(5)}"},{"analyte":"K","level":"1","lot":"K1-A","value":"1e309","measuredAt":"${at(4)}"}]}`;
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, req(json, 'application/json'), NOW));
    expect([e.status, e.reason]).toEqual([422, 'iqc.invalidResults']);
    expect(e.errors.map((x) => [x.row, x.field, x.code])).toEqual([[1, 'value', 'value.notFinite'], [2, 'value', 'value.notFinite'], [3, 'value', 'value.notFinite']]);
    const csv = `measured_at,analyte_code,level,lot,value,instrument\n${at(5)},K,1,K1-A,4.01,AU5800\n${at(5)},K,2,K2-A,1e999,AU5800\n`;
    const c = await appErrorAsync(() => postResults(t.db, tokenActor, req(csv, 'text/csv'), NOW));
    expect(c.errors.map((x) => [x.row, x.field, x.code, x.message])).toEqual([[3, 'value', 'value.notFinite', 'Too large for a measured value']]);
    // finite but beyond any measurement (MAX_MEASURED, 1e15): its squares overflow the aggregates; 1e15 itself is a number
    expect(readIqcResult({ analyte: 'K', level: '1', lot: 'K1-A', value: '1.7976931348623157e308', measuredAt: at(5) }, NOW, { text: undefined, time: NaN })).toBeNull();
    expect(readIqcResult({ analyte: 'K', level: '1', lot: 'K1-A', value: '1e15', measuredAt: at(5) }, NOW, { text: undefined, time: NaN })).toMatchObject({ value: 1e15 });
    expect(await counts()).toEqual(before);
  });

  it('the year 2000 starts at midnight in China, as a time without an offset is read', () => {
    const read = (measuredAt: string) => readIqcResult({ analyte: 'K', level: '1', lot: 'K1-A', value: '4', measuredAt }, NOW, { text: undefined, time: NaN });
    expect(read('2000-01-01 00:00')).toMatchObject({ measuredAt: Date.UTC(1999, 11, 31, 16) });
    expect(read('1999-12-31 23:59')).toBeNull();
    expect(read('1999-12-31T16:00:00Z')).toMatchObject({ measuredAt: Date.UTC(1999, 11, 31, 16) });
  });

  it('refuses an unpaired surrogate escape by row and field, writing nothing (the second such post answered 500 on both backends); a paired one is a character', async () => {
    const before = await counts();
    const row = (lot: string, hour: number, instrument = '') => `{"analyte":"NA","level":"1","lot":"${lot}","value":140,"measuredAt":"${at(3, hour)}","instrument":"${instrument}"}`;
    for (const hour of [9, 10]) {
      const e = await appErrorAsync(() => postResults(t.db, tokenActor, req(`{"results":[${row('NA1-X', hour)},${row('Q\\ud800', hour, 'AU\\udfff58')}]}`, 'application/json'), NOW));
      expect([e.status, e.reason]).toEqual([422, 'body.unpairedSurrogate']);
      expect(e.errors.map((x) => [x.row, x.field, x.code])).toEqual([[2, 'lot', 'value.unpairedSurrogate'], [2, 'instrument', 'value.unpairedSurrogate']]);
    }
    expect(await counts()).toEqual(before);
    // an escaped pair (U+1F9EA) is one character: the lot is created once and found again
    for (const hour of [9, 10]) expect(await postResults(t.db, tokenActor, req(`{"results":[${row('NA1-\\ud83e\\uddea', hour)}]}`, 'application/json'), NOW)).toMatchObject({ inserted: 1 });
    const lots = await t.db.select({ lot: controlLots.lotNumber }).from(controlLots).where(eq(controlLots.lotNumber, 'NA1-\u{1F9EA}'));
    expect(lots).toEqual([{ lot: 'NA1-\u{1F9EA}' }]);
  });

  it('reads a CSV body saved in GBK (Excel on a Chinese Windows) with its Chinese intact; refuses bytes in no encoding and a JSON body that is not UTF-8, writing nothing', async () => {
    const bytesReq = (body: Uint8Array, type: string) => new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${token}` }, body: new Blob([new Uint8Array(body)]) });
    const gbk = Buffer.from('b1b4bfcbc2fc20415535383030', 'hex'); // '贝克曼 AU5800' in GBK
    const csv = (instrument: Buffer, hour: number) => Buffer.concat([Buffer.from(`measured_at,analyte_code,level,lot,value,instrument\r\n${at(2, hour)},K,1,K1-GBK,4.01,`), instrument, Buffer.from('\r\n')]);
    const before = await counts();
    const notText = await appErrorAsync(() => postResults(t.db, tokenActor, bytesReq(csv(Buffer.from([0x41, 0xff]), 9), 'text/csv'), NOW));
    expect([notText.status, notText.reason, notText.errors.map((x) => x.field)]).toEqual([422, 'file.unknownEncoding', ['(file)']]);
    const json = Buffer.concat([Buffer.from(`{"results":[{"analyte":"K","level":"1","lot":"K1-GBK","value":4.01,"measuredAt":"${at(2, 9)}","instrument":"`), gbk, Buffer.from('"}]}')]);
    const notUtf8 = await appErrorAsync(() => postResults(t.db, tokenActor, bytesReq(json, 'application/json'), NOW));
    expect([notUtf8.status, notUtf8.reason]).toEqual([422, 'body.notUtf8']);
    expect(await counts()).toEqual(before);
    // sniffed, and declared (charset=GBK): the same instrument, so the same lot
    expect(await postResults(t.db, tokenActor, bytesReq(csv(gbk, 9), 'text/csv'), NOW)).toMatchObject({ inserted: 1, runs: [{ instrument: '贝克曼 AU5800' }] });
    expect(await postResults(t.db, tokenActor, bytesReq(csv(gbk, 10), 'text/csv; charset=GBK'), NOW)).toMatchObject({ inserted: 1, runs: [{ instrument: '贝克曼 AU5800' }] });
    expect(await t.db.select({ instrument: controlLots.instrument }).from(controlLots).where(eq(controlLots.lotNumber, 'K1-GBK'))).toEqual([{ instrument: '贝克曼 AU5800' }]);
  });

  it.each([
    ['malformed JSON', '{"results": [', 'application/json', 422],
    ['an empty results array', '{"results": []}', 'application/json', 422],
    ['an unsupported content type', 'x', 'application/xml', 422],
  ])('refuses %s', async (_t, body, type, status) => {
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, req(body, type), NOW));
    expect(e.status).toBe(status);
  });

  it("answers 403 when the body names another lab, and writes nothing", async () => {
    const before = await counts();
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, req(JSON.stringify({ lab: 'HZ-001', results: kRun(7, 0, 0) }), 'application/json'), NOW));
    expect(e.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('answers 403 for another lab named in the body even when the rows are invalid', async () => {
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, req(JSON.stringify({ lab: 'HZ-001', results: [] }), 'application/json'), NOW));
    expect(e.status).toBe(403);
  });

  it('answers 403 for another lab named in the query', async () => {
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, req('x', 'text/csv', '?lab=HZ-001'), NOW));
    expect(e.status).toBe(403);
  });

  it('refuses a body declared larger than the limit before reading it', async () => {
    const r = new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': String(50 * 1024 * 1024) }, body: 'x' });
    const e = await appErrorAsync(() => postResults(t.db, tokenActor, r, NOW));
    expect(e.status).toBe(413);
  });

  it('a revoked token stops working', async () => {
    const g = generateApiToken();
    await t.db.insert(apiTokens).values({ labId: lab1.labId!, userId: lab1.userId, name: 'old', prefix: g.prefix, tokenHash: g.hash, createdAt: NOW, revokedAt: NOW });
    expect(await actorForApiToken(t.db, g.token)).toBeNull();
  });
});

describe('foreign keys: checked once per batch while an ingest writes, on again after', () => {
  const fkOn = () => t.db.$client.pragma('foreign_keys', { simple: true });

  // SQLite's pragma; PostgreSQL's foreign keys are always checked
  it.skipIf(testBackend === 'pg')('leaves the checks on after an ingest and after a refused one, with every reference intact', async () => {
    await ingestResults(t.db, lab1, { results: kRun(3, 0.2, -0.2) }, { source: 'api', now: NOW });
    expect(fkOn()).toBe(1);
    await appError(async () => await ingestResults(t.db, lab1, { results: [{ ...kRun(3, 0, 0)[0], value: 9.9 }] }, { source: 'api', now: NOW }));
    expect(fkOn()).toBe(1);
    expect(t.db.$client.pragma('foreign_key_check')).toEqual([]);
  });

  it('refuses results of an actor whose user no longer exists, as SQLite would, and writes nothing', async () => {
    const before = await counts();
    await expect(async () => await ingestResults(t.db, { ...lab1, userId: 987_654 }, { results: kRun(2, 0, 0) }, { source: 'api', now: NOW })).rejects.toThrow(/FOREIGN KEY|foreign key/);
    expect(await counts()).toEqual(before);
    if (testBackend !== 'pg') expect(fkOn()).toBe(1);
  });

  it.skipIf(testBackend === 'pg')("keeps SQLite's checks inside a caller's transaction", async () => {
    await withTx(t.db, async () => {
      await ingestResults(t.db, lab1, { results: kRun(1, 0.1, 0.1) }, { source: 'api', now: NOW });
      expect(fkOn()).toBe(1);
    });
  });
});
