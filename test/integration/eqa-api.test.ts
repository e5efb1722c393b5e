// The EQA automation API (issue 9) through its route handlers, against a real SQLite file: schemes,
// enrolments, rounds with expanded uncertainties, close, evaluate, publish, results with verdict and
// reason; small groups, WS/T threshold limits, published-only history; a city regulator's scope.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';
import { AFTER_CLOSE, DAY, NOW, submitAs, type World } from './eqa-support';
import { readFileSync } from 'node:fs';
import { createSeededTestDb, sqlRows, sqlRun, testBackend } from '../support/db';
import { callRoute } from '../support/route-call';

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
const enrolRoute = await import('@/app/api/v1/eqa/schemes/[schemeCode]/enrolments/route');
const withdrawRoute = await import('@/app/api/v1/eqa/schemes/[schemeCode]/withdrawals/route');
const roundsRoute = await import('@/app/api/v1/eqa/rounds/route');
const closeRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/close/route');
const publishRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/publish/route');
const evaluateRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/evaluate/route');
const resultsRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/results/route');
const submissionsRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/submissions/route');
const { reserveEvaluation } = await import('@/lib/services/eqa/evaluation');
const { regulatorRoundReport, roundCsv } = await import('@/lib/services/eqa/reports');

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
  state.w = w;
  state.actor = w.regulators.gd;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW - 30 * DAY);
});
afterEach(() => {
  vi.useRealTimers();
  w.close();
});

const call = callRoute;

const at = (t: number) => vi.setSystemTime(t);
const iso = (t: number) => new Date(t).toISOString();

async function scheme(code: string, labs: string[], extra: Record<string, unknown> = {}) {
  const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code, name: `测试 ${code}`, analytes: ['K'], ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const e = await call(enrolRoute.POST, 'POST', `/eqa/schemes/${code}/enrolments`, { schemeCode: code }, { labs });
  expect(e.status, JSON.stringify(e.body)).toBe(200);
  return r.body;
}

async function round(schemeCode: string, code: string, opts: { references?: unknown[]; samples?: string[]; opensAt?: number; closesAt?: number } = {}) {
  const r = await call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, {
    scheme: schemeCode,
    code,
    opensAt: iso(opts.opensAt ?? NOW - 10 * DAY),
    closesAt: iso(opts.closesAt ?? NOW + 10 * DAY),
    samples: opts.samples ?? ['S1'],
    analytes: ['K'],
    referenceValues: opts.references ?? [],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

/** POST /eqa/rounds of one sample and analyte K in `schemeCode`, its times as given. */
const roundPoster = (schemeCode: string) => (code: string, opensAt: string, closesAt: string) =>
  call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: schemeCode, code, opensAt, closesAt, samples: ['S1'], analytes: ['K'] });

/** Runs `fn` with the process in zones other than China's: a round's times must not move with the server's TZ. */
async function inServerZones(fn: (tz: string) => Promise<void>) {
  for (const tz of ['UTC', 'America/New_York']) {
    const before = process.env.TZ;
    process.env.TZ = tz;
    try {
      await fn(tz);
    } finally {
      process.env.TZ = before;
    }
  }
}

async function evaluateAndRead(code: string, publish = false) {
  at(AFTER_CLOSE);
  const e = await call(evaluateRoute.POST, 'POST', `/eqa/rounds/${code}/evaluate`, { roundCode: code });
  expect(e.status, JSON.stringify(e.body)).toBe(200);
  if (publish) expect((await call(publishRoute.POST, 'POST', `/eqa/rounds/${code}/publish`, { roundCode: code })).status).toBe(200);
  return (await call(resultsRoute.GET, 'GET', `/eqa/rounds/${code}/results`, { roundCode: code })).body;
}

describe('contracts: create, enrol, schedule, close, publish', () => {
  it('POST /eqa/schemes → 201 with the region of the regulator and the defaults; /enrolments adds labs; POST /eqa/rounds → 201 an open round', async () => {
    const s = await scheme('API-S', ['GZ-001', 'GZ-002'], { minGroupSize: 5, peerGrouping: 'method_instrument', sigmaPtSource: 'robust_sd' });
    expect(s).toEqual({ code: 'API-S', name: '测试 API-S', region: '440000', analytes: ['K'], minGroupSize: 5, peerGrouping: 'method_instrument', sigmaPtSource: 'robust_sd', minRoundScore: 80,
      // categorical grading defaults (DOMAIN §2: 80 % consensus, ±1 grade, negative stays negative, blood group 100 %)
      consensusPercent: 80, ordinalTolerance: 1, negativeMustBeNegative: true, passPercent: { qualitative: 80, ordinal: 80, nominal: 100 } });
    const r = await round('API-S', 'API-R1', { references: [{ sample: 'S1', analyte: 'K', value: 4.0, uncertainty: 0.04 }] });
    // created 20 days before it opens: `open` (the status's values are a contract), taking no results yet
    expect(r).toMatchObject({ code: 'API-R1', scheme: 'API-S', status: 'open', acceptingResults: false, samples: ['S1'], analytes: ['K'] });
    at(NOW);
    expect((await call(roundsRoute.GET, 'GET', '/eqa/rounds', {})).body).toContainEqual(expect.objectContaining({ code: 'API-R1', status: 'open', acceptingResults: true }));
    const closed = await call(closeRoute.POST, 'POST', '/eqa/rounds/API-R1/close', { roundCode: 'API-R1' });
    expect(closed).toEqual({ status: 200, body: { code: 'API-R1', status: 'closed' } });
    expect((await call(closeRoute.POST, 'POST', '/eqa/rounds/API-R1/close', { roundCode: 'API-R1' })).status).toBe(409);
  });

  it("enrolment names its labs, or says all: true; a misnamed list, an empty body or an unknown key enrols nobody (422)", async () => {
    await scheme('ENROL', ['GZ-001']);
    const enrol = (body: unknown) => call(enrolRoute.POST, 'POST', '/eqa/schemes/ENROL/enrolments', { schemeCode: 'ENROL' }, body);
    const enrolled = async () => (await sqlRows<{ n: number }>(w.db, "SELECT count(*) AS n FROM eqa_enrollments e JOIN eqa_schemes s ON s.id = e.scheme_id WHERE s.code = 'ENROL'"))[0].n;
    for (const body of [{ lab: ['GZ-002'] }, { Labs: ['GZ-002'] }, {}, null, { labs: ['GZ-002'], all: true }, { all: false }]) {
      const r = await enrol(body);
      expect([r.status, (r.body as { code?: string }).code], JSON.stringify(body)).toEqual([422, expect.any(String)]);
    }
    expect(Number(await enrolled())).toBe(1);
    expect(await enrol({ labs: ['GZ-002'] })).toMatchObject({ status: 200, body: { added: 1, labs: 1 } });
    // a code in lower case names the lab as every other read of a lab code takes it; the same lab twice is one
    expect(await enrol({ labs: ['gz-003', 'GZ-003'] })).toMatchObject({ status: 200, body: { added: 1, labs: 1 } });
    expect(await enrol({ labs: ['gz-nope'] })).toMatchObject({ status: 422, body: { errors: [{ field: 'labs', params: { lab: 'gz-nope' } }] } });
    const all = await enrol({ all: true });
    expect(all.status).toBe(200);
    expect(Number(await enrolled())).toBeGreaterThan(2);
    // a scheme's pass mark per analyte is a percentage
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'MINSCORE', name: 'pass mark', analytes: [{ analyte: 'K', minScore: 800 }] })).status).toBe(422);
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'MINSCORE', name: 'pass mark', analytes: [{ analyte: 'K', minScore: 100 }] })).status).toBe(201);
    // an allowable error of 0 % would fail every result not exactly on target
    const zero = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'ZERO', name: 'zero', analytes: [{ analyte: 'K', percent: 0 }] });
    expect([zero.status, zero.body.errors?.[0]?.code]).toEqual([422, 'value.limitNotPositive']);
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'ZERO', name: 'zero', analytes: [{ analyte: 'K', percent: 0, absolute: 0.2 }] })).status).toBe(201);
  });

  it("a refusal names the fields as the API's caller sent them, and says what is wrong with the round", async () => {
    type Refusal = { code: string; errors: { field: string; message: string; code?: string }[] };
    const refused = async (r: Promise<{ status: number; body: unknown }>) => {
      const { status, body } = await r;
      expect(status, JSON.stringify(body)).toBe(422);
      return body as Refusal;
    };
    const fields = (b: Refusal) => b.errors.map((e) => e.field);
    const postScheme = (extra: Record<string, unknown>) => call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'NAMES', name: 'n', analytes: ['K', 'GLU'], ...extra });
    expect(fields(await refused(postScheme({ minGroupSize: 0 })))).toEqual(['minGroupSize']);
    expect(fields(await refused(postScheme({ minGroupSize: 1.5, passPercent: { ordinal: 0 } })))).toEqual(['minGroupSize', 'passPercent.ordinal']);
    expect(fields(await refused(postScheme({ region: '999999' })))).toEqual(['region']);
    // the regulator's form sends the service's own names and is told about them
    const { createScheme } = await import('@/lib/services/eqa/schemes');
    await expect(createScheme(w.db, w.regulators.gd, { code: 'NAMES', name: 'n', analytes: ['K'], minPeerGroupSize: 0 })).rejects.toMatchObject({ errors: [{ field: 'minPeerGroupSize' }] });
    await scheme('NAMES', ['GZ-001'], { analytes: ['K', 'GLU'] });
    expect(fields(await refused(call(enrolRoute.POST, 'POST', '/eqa/schemes/NAMES/enrolments', { schemeCode: 'NAMES' }, { labs: [] })))).toEqual(['labs']);
    expect(fields(await refused(call(withdrawRoute.POST, 'POST', '/eqa/schemes/NAMES/withdrawals', { schemeCode: 'NAMES' }, { labs: ['GZ-001', ' '], reason: 'left' })))).toEqual(['labs.1']);
    // a round naming analytes outside its scheme: said so in the headline, not "invalid reference values"
    const outside = await refused(call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: 'NAMES', code: 'NAMES-0', opensAt: iso(NOW - DAY), closesAt: iso(NOW + DAY), samples: ['S1'], analytes: ['K', 'TSH', 'ALT'] }));
    expect([outside.code, fields(outside)]).toEqual(['round.analytesNotInScheme', ['analytes', 'analytes']]);
    expect((outside as unknown as { error: string }).error).toBe('Not in scheme NAMES: TSH, ALT');
    const both = await refused(call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: 'NAMES', code: 'NAMES-0', opensAt: iso(NOW - DAY), closesAt: iso(NOW + DAY), samples: ['S1'], analytes: ['K', 'TSH'], referenceValues: [{ sample: 'S9', analyte: 'K', value: 4 }] }));
    expect([both.code, fields(both)]).toEqual(['round.invalidReferenceValues', ['analytes', 'sample']]);
    // an analyte of the scheme that the round does not grade: the round is named, not the scheme
    await round('NAMES', 'NAMES-1');
    at(NOW);
    await expect(submitAs(w, 'GZ-001', 'NAMES-1', [{ sample: 'S1', analyte: 'GLU', value: 5 }])).rejects.toMatchObject({
      reason: 'eqa.nothingSaved',
      errors: [{ field: 'analyte', code: 'eqa.analyteNotGraded', message: 'GLU is not graded in round NAMES-1' }],
    });
  });

  it('a withdrawal ends the enrolment: later rounds neither count nor show the lab, the round open at the time still does, enrolling again starts a new period', async () => {
    await scheme('WD', ['GZ-001', 'GZ-002']);
    const ref = [{ sample: 'S1', analyte: 'K', value: 4.0 }];
    await round('WD', 'WD-1', { references: ref }); // open from NOW - 10 days to NOW + 10 days
    const withdraw = (body: unknown) => call(withdrawRoute.POST, 'POST', '/eqa/schemes/WD/withdrawals', { schemeCode: 'WD' }, body);
    const scored = async (roundCode: string) =>
      (await sqlRows<{ code: string }>(w.db, `SELECT DISTINCT l.code FROM eqa_analyte_scores s JOIN laboratories l ON l.id = s.lab_id JOIN eqa_rounds r ON r.id = s.round_id
        WHERE r.code = ? AND s.evaluation_id = (SELECT max(id) FROM eqa_evaluations e WHERE e.round_id = r.id) ORDER BY l.code`, roundCode)).map((r) => r.code);
    const seenBy = async (lab: string) => {
      state.actor = w.labManagers.get(lab)!;
      const list = (await call(roundsRoute.GET, 'GET', '/eqa/rounds', {})).body as { code: string }[];
      state.actor = w.regulators.gd;
      return list.map((r) => r.code).filter((c) => c.startsWith('WD-')).sort();
    };

    // refused, nothing changed: no reason, an unknown lab, a lab outside the region, a lab manager
    at(NOW - 5 * DAY);
    for (const body of [{ labs: ['GZ-002'] }, { labs: ['GZ-002'], reason: ' ' }, { labs: [], reason: 'left the scheme' }, { lab: ['GZ-002'], reason: 'left the scheme' }]) {
      expect((await withdraw(body)).status, JSON.stringify(body)).toBe(422);
    }
    expect((await withdraw({ labs: ['NOPE-9'], reason: 'left the scheme' })).status).toBe(422);
    expect((await withdraw({ labs: ['HZ-001'], reason: 'left the scheme' })).status).toBe(403);
    state.actor = w.labManagers.get('GZ-002')!;
    expect((await withdraw({ labs: ['GZ-002'], reason: 'left the scheme' })).status).toBe(403);
    state.actor = w.regulators.gd;
    expect(await seenBy('GZ-002')).toEqual(['WD-1']);

    // withdrawn while WD-1 is open: still a participant of it (may submit, is scored)
    expect(await withdraw({ labs: ['GZ-002', 'GZ-003'], reason: 'left the scheme' })).toEqual({ status: 200, body: { scheme: 'WD', withdrawn: 1, labs: ['GZ-002'] } });
    expect((await withdraw({ labs: ['GZ-002'], reason: 'again' })).body).toMatchObject({ withdrawn: 0, labs: [] });
    const audit = await sqlRows<{ details: unknown }>(w.db, "SELECT details FROM audit_log WHERE action = 'eqa.scheme.withdraw'");
    expect(audit.map((a) => (typeof a.details === 'string' ? JSON.parse(a.details) : a.details))).toEqual([{ labs: ['GZ-002'], reason: 'left the scheme' }]);
    expect(await submitAs(w, 'GZ-002', 'WD-1', [{ sample: 'S1', analyte: 'K', value: 4.1 }], NOW - 4 * DAY)).toMatchObject({ created: 1 });
    await submitAs(w, 'GZ-001', 'WD-1', [{ sample: 'S1', analyte: 'K', value: 4.0 }], NOW - 4 * DAY);
    await evaluateAndRead('WD-1');
    expect(await scored('WD-1')).toEqual(['GZ-001', 'GZ-002']);

    // WD-2 opens after the withdrawal: GZ-002 is not a participant (not scored as not submitting), cannot
    // submit and does not see it; its own WD-1 stays readable
    at(NOW + 12 * DAY);
    await round('WD', 'WD-2', { references: ref, opensAt: NOW + 13 * DAY, closesAt: NOW + 20 * DAY });
    await expect(submitAs(w, 'GZ-002', 'WD-2', [{ sample: 'S1', analyte: 'K', value: 4.1 }], NOW + 14 * DAY)).rejects.toMatchObject({ reason: 'eqa.notParticipating' });
    await submitAs(w, 'GZ-001', 'WD-2', [{ sample: 'S1', analyte: 'K', value: 4.0 }], NOW + 14 * DAY);
    expect(await seenBy('GZ-002')).toEqual(['WD-1']);
    at(NOW + 21 * DAY);
    expect((await call(evaluateRoute.POST, 'POST', '/eqa/rounds/WD-2/evaluate', { roundCode: 'WD-2' })).status).toBe(200);
    expect(await scored('WD-2')).toEqual(['GZ-001']);

    // enrolled again: a new period; WD-3 counts GZ-002 again, and WD-2 evaluated again still does not
    expect((await call(enrolRoute.POST, 'POST', '/eqa/schemes/WD/enrolments', { schemeCode: 'WD' }, { labs: ['GZ-002'] })).body).toMatchObject({ added: 1 });
    expect((await call(enrolRoute.POST, 'POST', '/eqa/schemes/WD/enrolments', { schemeCode: 'WD' }, { labs: ['GZ-002'] })).body).toMatchObject({ added: 0 });
    await round('WD', 'WD-3', { references: ref, opensAt: NOW + 22 * DAY, closesAt: NOW + 30 * DAY });
    at(NOW + 31 * DAY);
    expect((await call(evaluateRoute.POST, 'POST', '/eqa/rounds/WD-3/evaluate', { roundCode: 'WD-3' })).status).toBe(200);
    expect(await scored('WD-3')).toEqual(['GZ-001', 'GZ-002']);
    expect((await call(evaluateRoute.POST, 'POST', '/eqa/rounds/WD-2/evaluate', { roundCode: 'WD-2' })).status).toBe(200);
    expect(await scored('WD-2')).toEqual(['GZ-001']);
    // it sees the rounds it took part in, not WD-2 of the gap
    expect(await seenBy('GZ-002')).toEqual(['WD-1', 'WD-3']);
    const periods = await sqlRows<{ n: number }>(w.db, "SELECT count(*) AS n FROM eqa_enrollments e JOIN eqa_schemes s ON s.id = e.scheme_id JOIN laboratories l ON l.id = e.lab_id WHERE s.code = 'WD' AND l.code = 'GZ-002'");
    expect(Number(periods[0].n)).toBe(2);
  });

  it("a signed-in caller's answers (its data, refusals, an export) are private, no-store: no shared cache keeps them", async () => {
    await scheme('PRIV', ['GZ-001']);
    const req = (path: string) => new Request(`http://localhost:3000/api/v1${path}`, { headers: { origin: 'http://localhost:3000', host: 'localhost:3000' } });
    const list = await roundsRoute.GET(req('/eqa/rounds'), { params: Promise.resolve({}) });
    expect([list.status, list.headers.get('cache-control')]).toEqual([200, 'private, no-store']);
    const missing = await resultsRoute.GET(req('/eqa/rounds/NOPE/results'), { params: Promise.resolve({ roundCode: 'NOPE' }) });
    expect([missing.status, missing.headers.get('cache-control')]).toEqual([404, 'private, no-store']);
    state.actor = null;
    const anonymous = await roundsRoute.GET(req('/eqa/rounds'), { params: Promise.resolve({}) });
    expect([anonymous.status, anonymous.headers.get('cache-control')]).toEqual([401, 'private, no-store']);
  });

  it("the z distribution's bars are the classes': z = 2 (even 2.0000000000000018) counts in 1…2, z = −3 in ≤ −3, 2.5 in 2…3", async () => {
    const labs = ['GZ-001', 'GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'GZ-006'];
    await scheme('ZB', labs);
    await round('ZB', 'ZB-1', { references: [{ sample: 'S1', analyte: 'K', value: 4.0 }] }); // limit 6 % = 0.24, σpt = 0.12
    at(NOW);
    const values = [4.24, 4.24, 3.64, 4.3, 4.0, 3.75]; // z = 2, 2, −3, 2.5, 0, −2.08…
    for (const [i, l] of labs.entries()) await submitAs(w, l, 'ZB-1', [{ sample: 'S1', analyte: 'K', value: values[i] }]);
    const out = await evaluateAndRead('ZB-1');
    expect(out.results.filter((r: { z: number }) => Math.abs(r.z - 2) < 1e-9).map((r: { zSignal: string }) => r.zSignal)).toEqual(['none', 'none']);
    const report = await regulatorRoundReport(w.db, w.regulators.gd, { roundCode: 'ZB-1' }, { now: AFTER_CLOSE });
    if (!report.evaluated) throw new Error('ZB-1 is evaluated');
    expect(Object.fromEntries(report.zDistribution.map((b) => [b.bin, Number(b.n)]))).toEqual({ '-4': 1, '-3': 1, 0: 1, 1: 2, 2: 1 });
    // the bars are each lab's counts written with the evaluation; the migration that brought them
    // counts the evaluations made before it from their graded results to the same bars
    const stored = await sqlRows(w.db, 'select evaluation_id, lab_id, bin, n from eqa_z_bins order by evaluation_id, lab_id, bin');
    expect(stored.length).toBe(6);
    await sqlRun(w.db, 'delete from eqa_z_bins');
    const migration = testBackend === 'pg' ? 'db/migrations-pg/0020_eqa_z_bins.sql' : 'db/migrations/0034_eqa_z_bins.sql';
    const backfill = readFileSync(migration, 'utf8').split('--> statement-breakpoint').find((x) => x.includes('INSERT INTO'))!;
    await sqlRun(w.db, backfill);
    expect(await sqlRows(w.db, 'select evaluation_id, lab_id, bin, n from eqa_z_bins order by evaluation_id, lab_id, bin')).toEqual(stored);
    // the export prints the figures the verdict was decided on (no 0.2400000000000002 beside 0.24 and "yes")
    const [header, ...lines] = (await roundCsv(w.db, w.regulators.gd, { roundCode: 'ZB-1' })).trim().split(/\r?\n/).map((l) => l.split(','));
    const row = Object.fromEntries(header.map((h, i) => [h, lines.find((l) => l.includes('GZ-001'))![i]]));
    expect([row.z, row.deviation, row.percent_deviation, row.allowed, row.acceptable]).toEqual(['2', '0.24', '6', '0.24', 'yes']);
  });

  it('a round that has not opened cannot be closed (409 round.neverOpened), nor evaluated if it was closed so before', async () => {
    await scheme('EARLY', ['GZ-001', 'GZ-002']);
    await round('EARLY', 'EARLY-1', { references: [{ sample: 'S1', analyte: 'K', value: 4.0 }] }); // opens at NOW - 10 days, 20 days ahead
    const closed = await call(closeRoute.POST, 'POST', '/eqa/rounds/EARLY-1/close', { roundCode: 'EARLY-1' });
    expect([closed.status, (closed.body as { code: string }).code]).toEqual([409, 'round.neverOpened']);
    expect((await sqlRows<{ status: string }>(w.db, "SELECT status FROM eqa_rounds WHERE code = 'EARLY-1'"))[0].status).toBe('open');
    // one closed before it opened (as this version allowed) is not evaluated: nobody could submit
    await sqlRun(w.db, "UPDATE eqa_rounds SET status = 'closed', closes_at = ? WHERE code = 'EARLY-1'", NOW - 30 * DAY);
    at(AFTER_CLOSE);
    const evaluated = await call(evaluateRoute.POST, 'POST', '/eqa/rounds/EARLY-1/evaluate', { roundCode: 'EARLY-1' });
    expect([evaluated.status, (evaluated.body as { code: string }).code]).toEqual([409, 'round.neverOpened']);
  });

  it('a round whose window is over is not created (422 closesAt) nor opened from a draft (409), and one created so before is not evaluated', async () => {
    await scheme('LATE', ['GZ-001', 'GZ-002']);
    at(NOW);
    const post = (code: string, closesAt: number) =>
      call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: 'LATE', code, opensAt: iso(NOW - 2 * DAY), closesAt: iso(closesAt), samples: ['S1'], analytes: ['K'], referenceValues: [{ sample: 'S1', analyte: 'K', value: 4 }] });
    for (const closesAt of [NOW - DAY, NOW]) {
      const r = await post('LATE-1', closesAt);
      expect([r.status, r.body.code, r.body.errors?.[0]?.field]).toEqual([422, 'round.closesInPast', 'closesAt']);
    }
    expect(await sqlRows(w.db, "SELECT id FROM eqa_rounds WHERE code = 'LATE-1'")).toEqual([]);
    expect((await post('LATE-1', NOW + 1000)).status).toBe(201);
    // a draft whose closing time passes before it is opened
    const { createRound, openRound } = await import('@/lib/services/eqa/rounds');
    await createRound(w.db, w.regulators.gd, { scheme: 'LATE', code: 'LATE-2', opensAt: iso(NOW), closesAt: iso(NOW + DAY), samples: ['S1'], analytes: ['K'] }, { now: NOW - DAY });
    await expect(openRound(w.db, w.regulators.gd, { roundCode: 'LATE-2' }, { now: NOW + DAY })).rejects.toMatchObject({ reason: 'round.closesInPast', code: 'conflict' });
    expect((await sqlRows<{ status: string }>(w.db, "SELECT status FROM eqa_rounds WHERE code = 'LATE-2'"))[0].status).toBe('draft');
    // created (as this version allowed) after its window: nobody could submit, so it is not evaluated
    await sqlRun(w.db, "UPDATE eqa_rounds SET created_at = ? WHERE code = 'LATE-1'", NOW + 2000);
    at(NOW + 2 * DAY);
    const evaluated = await call(evaluateRoute.POST, 'POST', '/eqa/rounds/LATE-1/evaluate', { roundCode: 'LATE-1' });
    expect([evaluated.status, evaluated.body.code]).toEqual([409, 'round.neverOpened']);
  });

  it('a reference value, its U and k, and a scheme limit are JSON numbers or decimal text: hex, booleans and other text are refused, nothing created', async () => {
    await scheme('REFNUM', ['GZ-001'], { analytes: [{ analyte: 'K', percent: '6.5' }] });
    const post = (code: string, ref: Record<string, unknown>) =>
      call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: 'REFNUM', code, opensAt: iso(NOW - DAY), closesAt: iso(NOW + DAY), samples: ['S1'], analytes: ['K'], referenceValues: [{ sample: 'S1', analyte: 'K', ...ref }] });
    for (const [i, ref] of [{ value: '0x10' }, { value: true }, { value: '4,1' }, { value: 4, uncertainty: '0b1' }, { value: 4, uncertainty: false }, { value: 4, k: '0o2' }].entries()) {
      const r = await post(`REFNUM-BAD${i}`, ref);
      expect(r.status, JSON.stringify(ref)).toBe(422);
    }
    expect((await call(roundsRoute.GET, 'GET', '/eqa/rounds', {})).body).not.toContainEqual(expect.objectContaining({ code: expect.stringMatching(/^REFNUM-BAD/) }));
    expect((await post('REFNUM-OK', { value: ' 4.10 ', uncertainty: '.04', k: '2' })).status).toBe(201);
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'REFNUM-HEX', name: 'hex', analytes: [{ analyte: 'K', percent: '0x10' }] })).status).toBe(422);
  });

  it('a round\'s times without an offset are China Standard Time, whatever the server\'s zone (Date.parse read them in it); with one, as given', async () => {
    await scheme('API-TZ', ['GZ-001']);
    const post = roundPoster('API-TZ');
    await inServerZones(async (tz) => {
      const local = await post(`TZ-${tz.length}`, '2026-05-20T08:00', '2026-06-10 17:30');
      expect(local.status, JSON.stringify(local.body)).toBe(201);
      expect([local.body.opensAt, local.body.closesAt]).toEqual(['2026-05-20T00:00:00.000Z', '2026-06-10T09:30:00.000Z']);
    });
    const zoned = await post('TZ-Z', '2026-05-20T08:00:00Z', '2026-06-10T17:30:00+02:00');
    expect([zoned.body.opensAt, zoned.body.closesAt]).toEqual(['2026-05-20T08:00:00.000Z', '2026-06-10T15:30:00.000Z']);
    // a year typed wrong: refused by field, no round (a round opened until +275760 was accepted)
    for (const [code, opensAt, closesAt, field, reason] of [
      ['TZ-Y1', '2026-05-20T08:00', '2062-06-10T17:30', 'closesAt', 'round.openTooLong'],
      ['TZ-Y2', '2026-05-20T08:00', '+275760-09-13T00:00:00Z', 'closesAt', 'value.notDateOrDateTime'],
      ['TZ-Y3', '1999-05-20T08:00', '1999-06-10T17:30', 'opensAt', 'value.before2000'],
    ]) {
      const r = await post(code, opensAt, closesAt);
      expect([r.status, r.body.errors.map((e: { field: string; code: string }) => [e.field, e.code])], code).toEqual([422, [[field, reason]]]);
    }
    // 366 days is the longest
    expect((await post('TZ-Y4', '2026-05-20T08:00', '2027-05-21T08:00')).status).toBe(201);
  });

  it('a date alone is that whole day in China: opensAt from its 00:00, closesAt until its 23:59:59.999 (not UTC, not the server\'s zone); other text is refused by field', async () => {
    await scheme('API-DAY', ['GZ-001']);
    const post = roundPoster('API-DAY');
    await inServerZones(async (tz) => {
      // 2026-06-01 00:00 +08:00 = 2026-05-31T16:00Z; 2026-06-20 23:59:59.999 +08:00 = 2026-06-20T15:59:59.999Z
      const r = await post(`DAY-${tz.length}`, '2026-06-01', '2026-06-20');
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect([r.body.opensAt, r.body.closesAt]).toEqual(['2026-05-31T16:00:00.000Z', '2026-06-20T15:59:59.999Z']);
    });
    // the closing day takes results until its end in China, and not a moment into the next day
    const lastMinute = Date.parse('2026-06-20T23:59:00+08:00');
    expect((await submitAs(w, 'GZ-001', 'DAY-3', [{ sample: 'S1', analyte: 'K', value: 4.1 }], lastMinute)).created).toBe(1);
    await expect(submitAs(w, 'GZ-001', 'DAY-3', [{ sample: 'S1', analyte: 'K', value: 4.2 }], Date.parse('2026-06-21T00:00:00+08:00'))).rejects.toMatchObject({ reason: 'round.closedForSubmissions' });
    // one day alone is a round open all that day
    const oneDay = await post('DAY-1D', '2026-06-20', '2026-06-20');
    expect([oneDay.status, oneDay.body.opensAt, oneDay.body.closesAt]).toEqual([201, '2026-06-19T16:00:00.000Z', '2026-06-20T15:59:59.999Z']);
    // finer than milliseconds (Python's isoformat): read to the millisecond
    const micro = await post('DAY-US', '2026-06-01T08:00:00.123456+08:00', '2026-06-20T08:00:00.000000Z');
    expect([micro.status, micro.body.opensAt, micro.body.closesAt]).toEqual([201, '2026-06-01T00:00:00.123Z', '2026-06-20T08:00:00.000Z']);
    for (const [code, opensAt, closesAt, field] of [
      ['DAY-X1', '2026-06-01', 'Dec 20, 2026', 'closesAt'],
      ['DAY-X2', 'June 1, 2026', '2026-06-20', 'opensAt'],
      ['DAY-X3', '2026-06-01', '2026-06-31', 'closesAt'],
      ['DAY-X4', '2026/06/01', '2026-06-20', 'opensAt'],
      ['DAY-X5', '2026-06-01', '2026-06-20T24:30', 'closesAt'],
      ['DAY-X6', '2026-06-01T08:00 CST', '2026-06-20', 'opensAt'],
    ]) {
      const r = await post(code, opensAt, closesAt);
      expect([r.status, r.body.errors?.map((e: { field: string; code: string }) => [e.field, e.code])], code).toEqual([422, [[field, 'value.notDateOrDateTime']]]);
    }
  });

  it('a reference value takes an expanded uncertainty U with k (default 2): u = U/k decides z or z′', async () => {
    await scheme('UK', ['GZ-001']);
    // K at 4.0: limit 6 % = 0.24, σpt = 0.12, 0.3·σpt = 0.036. U = 0.06, k = 2 → u = 0.03 (negligible);
    // U = 0.06, k = 1 → u = 0.06 (not negligible: z′, flagged)
    await round('UK', 'UK-1', { samples: ['S1', 'S2'], references: [{ sample: 'S1', analyte: 'K', value: 4.0, uncertainty: 0.06 }, { sample: 'S2', analyte: 'K', value: 4.0, uncertainty: 0.06, k: 1 }] });
    at(NOW);
    await submitAs(w, 'GZ-001', 'UK-1', [{ sample: 'S1', analyte: 'K', value: 4.1 }, { sample: 'S2', analyte: 'K', value: 4.1 }]);
    const out = await evaluateAndRead('UK-1');
    const [s1, s2] = out.results;
    expect(s1).toMatchObject({ sample: 'S1', scoreType: 'z', uNegligible: true, verdict: 'acceptable' });
    expect(s1.z).toBeCloseTo(0.1 / 0.12, 9);
    expect(s2).toMatchObject({ sample: 'S2', scoreType: 'z_prime', uNegligible: false, verdict: 'acceptable' });
    expect(s2.z).toBeCloseTo(0.1 / Math.hypot(0.12, 0.06), 9);
  });

  it('errors: 401 without a session, 403 for a lab manager, 404 for an unknown round, 422 with field errors, 409 publishing while an evaluation runs', async () => {
    state.actor = null;
    expect(await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'X', name: 'X', analytes: ['K'] })).toEqual({ status: 401, body: { error: expect.any(String), code: 'auth.signInRequired' } });
    state.actor = w.labManagers.get('GZ-001')!;
    expect((await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'X', name: 'X', analytes: ['K'] })).status).toBe(403);
    state.actor = w.regulators.gd;
    expect((await call(closeRoute.POST, 'POST', '/eqa/rounds/NOPE/close', { roundCode: 'NOPE' })).status).toBe(404);
    const bad = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'X', name: 'X', analytes: [] });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'analytes' })]));
    const unknown = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'X', name: 'X', analytes: ['NOPE'] });
    expect(unknown.status).toBe(422);

    await scheme('RUN', ['GZ-001']);
    await round('RUN', 'RUN-1', { references: [{ sample: 'S1', analyte: 'K', value: 4 }] });
    at(NOW);
    await submitAs(w, 'GZ-001', 'RUN-1', [{ sample: 'S1', analyte: 'K', value: 4 }]);
    await evaluateAndRead('RUN-1');
    // a re-evaluation reserved for a background process is running: publishing now would publish the old one
    await reserveEvaluation(w.db, w.regulators.gd, { roundCode: 'RUN-1' }, { now: AFTER_CLOSE, threshold: 0 });
    const p = await call(publishRoute.POST, 'POST', '/eqa/rounds/RUN-1/publish', { roundCode: 'RUN-1' });
    expect(p.status).toBe(409);
    expect(p.body.error).toMatch(/being evaluated/);
  });
});

describe('small groups are not graded against themselves (issue 9, item 4)', () => {
  it('1 participant, no reference value: not evaluated with a reason, acceptable null, no score (today: graded against itself, 100 %)', async () => {
    await scheme('ONE', ['GZ-001']);
    await round('ONE', 'ONE-1');
    at(NOW);
    await submitAs(w, 'GZ-001', 'ONE-1', [{ sample: 'S1', analyte: 'K', value: 4.0, method: 'ISE' }]);
    const out = await evaluateAndRead('ONE-1');
    expect(out.results).toEqual([
      expect.objectContaining({ lab: 'GZ-001', value: 4.0, acceptable: null, verdict: 'not_evaluated', z: null, assignedValue: null, reason: expect.stringMatching(/1 result\(s\).*minimum group size of 8.*no reference value/) }),
    ]);
    expect(out.analytes).toEqual([]); // nothing evaluated: the round counts neither for nor against the lab
  });

  it('2 participants at 4.0 and 5.0, no reference value: both not evaluated (today: z = ±3.70, both fail)', async () => {
    await scheme('TWO', ['GZ-001', 'GZ-002']);
    await round('TWO', 'TWO-1');
    at(NOW);
    await submitAs(w, 'GZ-001', 'TWO-1', [{ sample: 'S1', analyte: 'K', value: 4.0, method: 'ISE' }]);
    await submitAs(w, 'GZ-002', 'TWO-1', [{ sample: 'S1', analyte: 'K', value: 5.0, method: 'ise ' }]);
    const out = await evaluateAndRead('TWO-1', true);
    expect(out.results.map((r: any) => [r.lab, r.verdict, r.acceptable, r.z])).toEqual([
      ['GZ-001', 'not_evaluated', null, null],
      ['GZ-002', 'not_evaluated', null, null],
    ]);
    expect(out.results.every((r: any) => /2 result\(s\)/.test(r.reason))).toBe(true);
    expect(out.analytes).toEqual([]);
  });

  it('the same 2 participants with a reference value (4.5) are graded against it: 0.5 > 6 % × 4.5 = 0.27, both not acceptable', async () => {
    await scheme('TWOREF', ['GZ-001', 'GZ-002']);
    await round('TWOREF', 'TWOREF-1', { references: [{ sample: 'S1', analyte: 'K', value: 4.5 }] });
    at(NOW);
    await submitAs(w, 'GZ-001', 'TWOREF-1', [{ sample: 'S1', analyte: 'K', value: 4.0 }]);
    await submitAs(w, 'GZ-002', 'TWOREF-1', [{ sample: 'S1', analyte: 'K', value: 5.0 }]);
    const out = await evaluateAndRead('TWOREF-1');
    expect(out.results.map((r: any) => [r.verdict, r.source, r.reason])).toEqual([
      ['not_acceptable', 'reference', null],
      ['not_acceptable', 'reference', null],
    ]);
    expect(out.results[0].allowed).toBeCloseTo(0.27, 12);
    expect(out.analytes.map((a: any) => [a.lab, a.score, a.verdict])).toEqual([
      ['GZ-001', 0, 'unsatisfactory'],
      ['GZ-002', 0, 'unsatisfactory'],
    ]);
  });

  it('method names are normalised ("HK", " hk ", "Hk") into one peer group; a blank method is never a group of its own', async () => {
    const labs = ['GZ-001', 'GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'GZ-006'];
    await scheme('NORM', labs, { minGroupSize: 3 });
    await round('NORM', 'NORM-1');
    at(NOW);
    const methods = ['HK', ' hk ', 'Hk', '', ' ', ''];
    for (const [i, l] of labs.entries()) { await submitAs(w, l, 'NORM-1', [{ sample: 'S1', analyte: 'K', value: 4.0 + 0.01 * i, method: methods[i] }]); }
    const out = await evaluateAndRead('NORM-1');
    expect(out.results.map((r: any) => [r.lab, r.peerGroup, r.n])).toEqual([
      ['GZ-001', 'hk', 3],
      ['GZ-002', 'hk', 3],
      ['GZ-003', 'hk', 3],
      ['GZ-004', '*', 6],
      ['GZ-005', '*', 6],
      ['GZ-006', '*', 6],
    ]);
  });

  it('a not-evaluated sample does not count: 4 evaluated of 5 (one below the minimum) with 3 acceptable → 75 %, unsatisfactory', async () => {
    // samples S1–S4 have reference values; S5 has none and only 1 result
    await scheme('PART', ['GZ-001']);
    const refs = ['S1', 'S2', 'S3', 'S4'].map((sample) => ({ sample, analyte: 'K', value: 4.0 }));
    await round('PART', 'PART-1', { samples: ['S1', 'S2', 'S3', 'S4', 'S5'], references: refs });
    at(NOW);
    await submitAs(w, 'GZ-001', 'PART-1', [4.0, 4.1, 4.2, 4.5, 4.0].map((value, i) => ({ sample: `S${i + 1}`, analyte: 'K', value })));
    const out = await evaluateAndRead('PART-1');
    expect(out.results.map((r: any) => r.verdict)).toEqual(['acceptable', 'acceptable', 'acceptable', 'not_acceptable', 'not_evaluated']);
    expect(out.analytes).toEqual([expect.objectContaining({ score: 75, samples: 4, notEvaluated: 1, verdict: 'unsatisfactory' })]);
  });
});

describe('a result is graded once (issue 9)', () => {
  it('with σpt from the robust SD a result can be beyond the limit at |z| < 2: the verdict is "not_acceptable" and z carries only a signal, never "satisfactory"', async () => {
    const labs = ['GZ-001', 'GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'GZ-006', 'GZ-007', 'GZ-008', 'GZ-009', 'GZ-010'];
    await scheme('ONCE', labs, { sigmaPtSource: 'robust_sd' });
    await round('ONCE', 'ONCE-1');
    at(NOW);
    for (const [i, l] of labs.entries()) { await submitAs(w, l, 'ONCE-1', [{ sample: 'S1', analyte: 'K', value: 4.0 + 0.1 * i, method: 'ISE' }]); }
    const out = await evaluateAndRead('ONCE-1');
    const last = out.results.find((r: any) => r.lab === 'GZ-010');
    // x = 4.9 against x* ≈ 4.45: |x − x*| ≈ 0.45 > 6 % × 4.45 ≈ 0.27, while s* ≈ 0.33 gives |z| < 2
    expect(last.verdict).toBe('not_acceptable');
    expect(Math.abs(last.z)).toBeLessThan(2);
    expect(last.zSignal).toBe('none');
    expect(JSON.stringify(out.results)).not.toMatch(/"satisfactory"|"questionable"|"unsatisfactory"/);
  });
});

describe('WS/T 403 threshold limits (issue 9, item 6)', () => {
  it.each([
    // K 0.2 mmol/L at T ≤ 3.3, else 6 %: at T = 3.32 the limit is 0.1992
    ['3.52 at T = 3.32: |0.20| > 0.1992 → not acceptable (the old max() said acceptable)', 3.32, 3.52, 'not_acceptable', 0.1992],
    ['3.5192 at T = 3.32: at the limit 0.1992 → acceptable', 3.32, 3.5192, 'acceptable', 0.1992],
    ['3.50 at T = 3.30: at the threshold the absolute 0.2 applies → acceptable', 3.3, 3.5, 'acceptable', 0.2],
    ['3.21 at T = 3.00: 0.21 > 0.2 → not acceptable', 3.0, 3.21, 'not_acceptable', 0.2],
  ])('%s', async (_title, target, value, verdict, allowed) => {
    await scheme('THR', ['GZ-001']);
    await round('THR', 'THR-1', { references: [{ sample: 'S1', analyte: 'K', value: target }] });
    at(NOW);
    await submitAs(w, 'GZ-001', 'THR-1', [{ sample: 'S1', analyte: 'K', value }]);
    const [r] = (await evaluateAndRead('THR-1')).results;
    expect(r.verdict).toBe(verdict);
    expect(r.allowed).toBeCloseTo(allowed, 12);
  });

  it('a scheme override may use the CLIA greater-of form: max(0.2, 6 % × 3.32) = 0.2 accepts 3.52', async () => {
    await scheme('GOF', ['GZ-001'], { analytes: [{ analyte: 'K', percent: 6, absolute: 0.2, form: 'greater_of' }] });
    await round('GOF', 'GOF-1', { references: [{ sample: 'S1', analyte: 'K', value: 3.32 }] });
    at(NOW);
    await submitAs(w, 'GZ-001', 'GOF-1', [{ sample: 'S1', analyte: 'K', value: 3.52 }]);
    const [r] = (await evaluateAndRead('GOF-1')).results;
    expect(r).toMatchObject({ verdict: 'acceptable', allowed: 0.2 });
  });
});

describe('round scores and "unsuccessful" from published evaluations only (issue 9; DOMAIN.md §2)', () => {
  // one lab, one sample per round against a reference value 4.0 (limit 0.24): 4.0 satisfactory, 4.5 not
  const S = 4.0;
  const U = 4.5;
  async function rounds(code: string, values: number[], opts: { publish?: boolean[]; labs?: string[] } = {}) {
    await scheme(code, opts.labs ?? ['GZ-001']);
    for (let i = 0; i < values.length; i++) {
      const opensAt = NOW + i * 30 * DAY;
      at(opensAt - DAY);
      await round(code, `${code}-${i + 1}`, { opensAt, closesAt: opensAt + 10 * DAY, references: [{ sample: 'S1', analyte: 'K', value: 4.0 }] });
      at(opensAt + DAY);
      await submitAs(w, 'GZ-001', `${code}-${i + 1}`, [{ sample: 'S1', analyte: 'K', value: values[i] }], opensAt + DAY);
      at(opensAt + 11 * DAY);
      expect((await call(evaluateRoute.POST, 'POST', `/eqa/rounds/${code}-${i + 1}/evaluate`, { roundCode: `${code}-${i + 1}` })).status).toBe(200);
      if (opts.publish?.[i] ?? true) expect((await call(publishRoute.POST, 'POST', `/eqa/rounds/${code}-${i + 1}/publish`, { roundCode: `${code}-${i + 1}` })).status).toBe(200);
    }
  }
  const flags = async (code: string, n: number) => {
    const out: (boolean | null)[] = [];
    for (let i = 1; i <= n; i++) {
      const a = (await call(resultsRoute.GET, 'GET', `/eqa/rounds/${code}-${i}/results?lab=GZ-001`, { roundCode: `${code}-${i}` })).body.analytes;
      out.push(a.length ? a[0].unsuccessful : null);
    }
    return out;
  };

  it.each([
    ['S,U,S,U → unsuccessful at event 4', [S, U, S, U], [false, false, false, true]],
    ['U,U,S → at event 2', [U, U, S], [false, true, false]],
    ['U,S,S,U → never', [U, S, S, U], [false, false, false, false]],
  ])('%s', async (_title, values, expected) => {
    await rounds('H', values);
    expect(await flags('H', values.length)).toEqual(expected);
  });

  it('an evaluated but unpublished U does not count; publishing it later recomputes the round after it', async () => {
    await rounds('P', [U, U], { publish: [false, true] });
    expect(await flags('P', 2)).toEqual([false, false]);
    at(NOW + 60 * DAY);
    expect((await call(publishRoute.POST, 'POST', '/eqa/rounds/P-1/publish', { roundCode: 'P-1' })).status).toBe(200);
    expect(await flags('P', 2)).toEqual([false, true]);
  });

  it('a lab enrolled after a round closed is not a non-submitter of it, and that round is skipped in its history', async () => {
    await rounds('E', [U]);
    // GZ-002 enrols after E-1 closed: it has no score in E-1
    at(NOW + 20 * DAY);
    expect((await call(enrolRoute.POST, 'POST', '/eqa/schemes/E/enrolments', { schemeCode: 'E' }, { labs: ['GZ-002'] })).status).toBe(200);
    const e1 = await call(evaluateRoute.POST, 'POST', '/eqa/rounds/E-1/evaluate', { roundCode: 'E-1' });
    expect(e1.status).toBe(409); // published: frozen
    const out = (await call(resultsRoute.GET, 'GET', '/eqa/rounds/E-1/results', { roundCode: 'E-1' })).body;
    expect(out.analytes.map((a: any) => a.lab)).toEqual(['GZ-001']);
  });
});

describe('a city regulator sees only its own labs of a provincial round (issue 10)', () => {
  it('results, export and the re-evaluation diff list Shenzhen labs only; another lab is refused with 403', async () => {
    const labs = ['GZ-001', 'GZ-002', 'SZ-001', 'SZ-002'];
    await scheme('LEAK', labs);
    await round('LEAK', 'LEAK-1', { references: [{ sample: 'S1', analyte: 'K', value: 4.0 }] });
    at(NOW);
    for (const l of labs) { await submitAs(w, l, 'LEAK-1', [{ sample: 'S1', analyte: 'K', value: 4.0 }]); }
    await evaluateAndRead('LEAK-1');
    // the reference value is corrected (4.0 → 4.6): every lab's verdict changes in the re-evaluation
    await sqlRun(w.db, 'update eqa_reference_values set value = 4.6');
    await evaluateAndRead('LEAK-1');

    const gd = await regulatorRoundReport(w.db, w.regulators.gd, { roundCode: 'LEAK-1' }, { now: AFTER_CLOSE });
    expect(gd.evaluations[0].diff?.verdicts?.items.map((v) => v.lab)).toEqual(labs);

    state.actor = w.regulators.sz;
    const sz = await regulatorRoundReport(w.db, w.regulators.sz, { roundCode: 'LEAK-1' }, { now: AFTER_CLOSE });
    expect(sz.evaluations[0].diff?.verdicts).toEqual({ changed: 2, items: [expect.objectContaining({ lab: 'SZ-001' }), expect.objectContaining({ lab: 'SZ-002' })] });
    // the database counts every change and hands over the first ones only
    const [v1, v2] = (await sqlRows<{ id: number }>(w.db, "select e.id from eqa_evaluations e join eqa_rounds r on r.id = e.round_id where r.code = 'LEAK-1' order by e.version")).map((e) => Number(e.id));
    const { scopedVerdictChanges } = await import('@/db/queries/eqa-reports');
    expect(await scopedVerdictChanges(w.db, v1, v2, { kind: 'all' }, 1)).toEqual({ changed: labs.length, items: [expect.objectContaining({ lab: labs[0] })] });
    expect(await scopedVerdictChanges(w.db, v2, v2, { kind: 'all' }, 10)).toEqual({ changed: 0, items: [] });
    const results = (await call(resultsRoute.GET, 'GET', '/eqa/rounds/LEAK-1/results', { roundCode: 'LEAK-1' })).body;
    expect([...new Set(results.results.map((r: any) => r.lab))]).toEqual(['SZ-001', 'SZ-002']);
    expect(await roundCsv(w.db, w.regulators.sz, { roundCode: 'LEAK-1' })).not.toMatch(/GZ-00/);
    const refused = await call(resultsRoute.GET, 'GET', '/eqa/rounds/LEAK-1/results?lab=GZ-001', { roundCode: 'LEAK-1' });
    expect(refused.status).toBe(403);
    // a lab code in small letters is the lab's, as in every other entry point
    const own = await call(resultsRoute.GET, 'GET', '/eqa/rounds/LEAK-1/results?lab=sz-001', { roundCode: 'LEAK-1' });
    expect([own.status, [...new Set(own.body.results.map((r: any) => r.lab ?? 'SZ-001'))]]).toEqual([200, ['SZ-001']]);
    expect((await call(resultsRoute.GET, 'GET', '/eqa/rounds/LEAK-1/results?lab=gz-001', { roundCode: 'LEAK-1' })).status).toBe(403);
    // nor may it close or publish the provincial round
    expect((await call(publishRoute.POST, 'POST', '/eqa/rounds/LEAK-1/publish', { roundCode: 'LEAK-1' })).status).toBe(403);
  });
});

describe('a submission names only the caller\'s own lab', () => {
  /** POST the body as GZ-001's manager, with `query` on the path */
  const post = (body: unknown, query = '', type = 'application/json') => {
    state.actor = w.labManagers.get('GZ-001')!;
    return call(submissionsRoute.POST, 'POST', `/eqa/rounds/OWN-1/submissions${query}`, { roundCode: 'OWN-1' }, body, type);
  };
  const stored = async () => (await sqlRows<{ value: number }>(w.db, 'SELECT value FROM eqa_submissions ORDER BY id')).map((r) => r.value);
  beforeEach(async () => {
    await scheme('OWN', ['GZ-001', 'GZ-002']);
    await round('OWN', 'OWN-1');
    at(NOW);
  });

  it('another lab named by ?lab= or the body is refused (403 eqa.ownLabOnly), JSON and CSV, and nothing is stored for anyone', async () => {
    const row = { sample: 'S1', analyte: 'K', value: 4.1 };
    for (const [body, query, type] of [
      [{ results: [row] }, '?lab=GZ-002', 'application/json'],
      [{ lab: 'GZ-002', results: [row] }, '', 'application/json'],
      ['sample,analyte,value\nS1,K,4.1\n', '?lab=GZ-002', 'text/csv'],
    ] as const) {
      const r = await post(body, query, type);
      expect([r.status, r.body.code], `${query} ${type}`).toEqual([403, 'eqa.ownLabOnly']);
    }
    expect(await stored()).toEqual([]);
    const unknown = await post({ results: [row] }, '?lab=NOPE-9');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'lab.notFound']);
    // its own lab, named either way, is taken
    expect((await post({ lab: 'GZ-001', results: [row] }, '?lab=GZ-001')).status).toBe(201);
    expect(await stored()).toEqual([4.1]);
  });

  it('a lab named by a row, a CSV column or as a list is the caller\'s own or refused; nothing is stored as the caller\'s', async () => {
    const row = { sample: 'S1', analyte: 'K', value: 4.3 };
    for (const [body, type, expected] of [
      [{ results: [{ ...row, lab: 'GZ-002' }] }, 'application/json', [403, 'eqa.ownLabOnly']],
      ['lab,sample,analyte,value\nGZ-002,S1,K,4.3\n', 'text/csv', [403, 'eqa.ownLabOnly']],
      [{ lab: ['GZ-002'], results: [row] }, 'application/json', [404, 'lab.notFound']],
    ] as const) {
      const r = await post(body, '', type);
      expect([r.status, r.body.code], JSON.stringify(body)).toEqual(expected);
    }
    expect(await stored()).toEqual([]);
    expect((await post('lab,sample,analyte,value\nGZ-001,S1,K,4.3\n', '', 'text/csv')).status).toBe(201);
    expect(await stored()).toEqual([4.3]);
    // its own code in small letters names it too
    expect((await post({ lab: 'gz-001', results: [{ ...row, value: 4.35 }] }, '?lab=gz-001')).status).toBe(201);
  });

  it('JSON and CSV answer alike: a numbered sample as a JSON number, the source of a CSV sent as TEXT/CSV, a column named twice refused', async () => {
    await round('OWN', 'OWN-2', { samples: ['202611'] });
    state.actor = w.labManagers.get('GZ-001')!;
    const num = await call(submissionsRoute.POST, 'POST', '/eqa/rounds/OWN-2/submissions', { roundCode: 'OWN-2' }, { results: [{ sample: 202611, analyte: 'K', value: 4.4 }] });
    expect(num.status, JSON.stringify(num.body)).toBe(201);
    const plain = await post('sample,analyte,value\nS1,K,4.5\n', '', 'TEXT/CSV');
    expect(plain.status).toBe(201);
    expect((await sqlRows<{ source: string; value: number }>(w.db, 'SELECT source, value FROM eqa_submissions ORDER BY id')).map((r) => [r.source, r.value])).toEqual([['api', 4.4], ['csv', 4.5]]);
    const twice = await post('sample,analyte,value,value\nS1,K,4.6,5.2\n', '', 'text/csv');
    expect([twice.status, twice.body.code, twice.body.errors]).toEqual([422, 'file.columnsTwice', [expect.objectContaining({ row: 1, field: 'value', code: 'file.columnTwice' })]]);
  });

  it('a CSV body is read as CSV whatever the case of its media type, and as application/csv', async () => {
    for (const [type, value] of [['Text/CSV; charset=UTF-8', 4.1], ['application/csv', 4.2]] as const) {
      const r = await post(`sample,analyte,value\nS1,K,${value}\n`, '', type);
      expect([r.status, type]).toEqual([201, type]);
    }
    expect(await stored()).toEqual([4.1, 4.2]);
  });

  it('a method or instrument holding a line break, tab or NUL is refused by its row and field (422), nothing stored', async () => {
    const r = await post({ results: [{ sample: 'S1', analyte: 'K', value: 4.1, method: 'hexokinase\nUV' }, { sample: 'S1', analyte: 'NA', value: 140, instrument: 'AU\tb' }, { sample: 'S1', analyte: 'CL', value: 100, method: 'a\u0000b' }] });
    expect(r.status).toBe(422);
    expect(r.body.errors.filter((e: { code?: string }) => /Character$/.test(e.code ?? '')).map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code])).toEqual([
      [1, 'method', 'value.controlCharacter'],
      [2, 'instrument', 'value.controlCharacter'],
      [3, 'method', 'value.nulCharacter'],
    ]);
    expect(await stored()).toEqual([]);
  });
});
