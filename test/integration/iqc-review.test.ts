// Targets (manufacturer and baseline, versioned and frozen), rule sets, back-dated results and edits
// (re-evaluation, versions, audit), corrective actions, the dashboard, the chart data, the monthly
// summary and the read API, with refusals for other labs, other regions and other roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { auditLog, correctiveActions, iqcResults, iqcRuns, qcTargets } from '@/db/schema';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { establishTargetsFromBaseline, lotTargetsPage, setManufacturerTarget } from '@/lib/services/iqc/targets';
import { setRuleConfig } from '@/lib/services/iqc/rules';
import { resolveCorrectiveAction } from '@/lib/services/iqc/corrective-actions';
import { correctResult } from '@/lib/services/iqc/results';
import { correctiveActionDetail, correctiveActionList, labDashboard } from '@/lib/services/iqc/views';
import { accountById } from '@/lib/services/read/accounts';
import { chartData } from '@/lib/services/iqc/chart-view';
import { lotsForApi, resultsForApiView } from '@/lib/services/iqc/api-reads';
import { monthlySummary, monthlySummaryCsv } from '@/lib/services/iqc/summary';
import { evaluateSequence } from '@/lib/services/iqc/engine';
import { evaluateWestgard, type RunInput, type RunVerdict, type WestgardRule } from '@/lib/stats';
import fc from 'fast-check';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const at = (daysAgo: number) => NOW - daysAgo * DAY;
const iso = (daysAgo: number) => new Date(at(daysAgo)).toISOString();

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab1: Actor;
let lab2: Actor;

async function appError(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

/** Glucose runs: L1 mean 5.0 SD 0.1, L2 mean 15.0 SD 0.3; zs per day. */
const gluRun = (daysAgo: number, z1: number, z2: number) => [
  { analyte: 'GLU', level: '1', lot: 'G1', value: +(5 + 0.1 * z1).toFixed(4), measuredAt: iso(daysAgo) },
  { analyte: 'GLU', level: '2', lot: 'G2', value: +(15 + 0.3 * z2).toFixed(4), measuredAt: iso(daysAgo) },
];

beforeAll(async () => {
  t = await createSeededTestDb();
  lab1 = t.labManagers.get('GZ-001')!;
  lab2 = t.labManagers.get('HZ-001')!;
  await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '1', lot: 'G1', mean: 5, sd: 0.1, effectiveFrom: iso(100) }, at(100));
  await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '2', lot: 'G2', mean: 15, sd: 0.3, effectiveFrom: iso(100) }, at(100));
});
afterAll(() => t.close());

describe('rule evaluation that leaves rejected runs out of the history', () => {
  const run = (id: string, z1: number, z2: number) => ({ id, values: [{ level: '1', z: z1 }, { level: '2', z: z2 }] });
  it.each([
    ['a +3.5 outlier then +2.4 on the same level: the second run is only a warning', [run('a', 3.5, 0), run('b', 2.4, 0)], ['rejected', 'warning']],
    ['+2.4 twice in a row on the same level: 2-2s rejects the second', [run('a', 2.4, 0), run('b', 2.4, 0)], ['warning', 'rejected']],
    ['ten runs above the mean reject the tenth (10x), across more than one chunk', Array.from({ length: 40 }, (_, i) => (i < 30 ? run(`r${i}`, i % 2 ? 0.5 : -0.5, i % 2 ? -0.5 : 0.5) : run(`r${i}`, 0.5, 0.5))), null],
  ])('%s', (_title, runs, expected) => {
    const verdicts = evaluateSequence([], runs, ['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x']);
    expect(verdicts.map((v) => v.runId)).toEqual(runs.map((r) => r.id));
    if (expected) expect(verdicts.map((v) => v.status)).toEqual(expected);
    else expect(verdicts.findIndex((v) => v.status === 'rejected')).toBeGreaterThanOrEqual(30);
  });
});

// (issue 9: the rules look back over values per level, not 12 runs — a level present every other run
// had only 6 values in 12 runs; the reference is now the whole in-control history)
describe('evaluateSequence agrees with judging each run after every in-control run before it', () => {
  /** The definition, run by run: history = every run that was not rejected. */
  function reference(context: RunInput[], runs: RunInput[], rules: WestgardRule[]): RunVerdict[] {
    let history = [...context];
    return runs.map((run) => {
      const v = evaluateWestgard([...history, run], rules).at(-1)!;
      if (v.status !== 'rejected') history = [...history, run];
      return v;
    });
  }
  const z = fc.double({ min: -4.5, max: 4.5, noNaN: true });
  const runs = fc.array(fc.tuple(z, z, fc.boolean()), { minLength: 1, maxLength: 120 }).map((xs) =>
    xs.map(([a, b, one], i) => ({ id: `r${i}`, values: one ? [{ level: '1', z: a }] : [{ level: '1', z: a }, { level: '2', z: b }] })),
  );
  it.each([
    [['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x']],
    [['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x']],
    [['1-3s', '2-2s', 'R-4s', '4-1s', '8x']],
  ] as WestgardRule[][][])('for the rule set %j (property test)', (rules) => {
    fc.assert(
      fc.property(runs, runs, (context, sequence) => {
        const ctx = context.map((r) => ({ ...r, id: `c${r.id}` }));
        expect(evaluateSequence(ctx, sequence, rules)).toEqual(reference(ctx, sequence, rules));
      }),
      { numRuns: 150 },
    );
  });
});

describe('targets', () => {
  it('judge each result against the version in force at its time, and never rewrite earlier verdicts', async () => {
    await ingestResults(t.db, lab1, { results: gluRun(50, 0, 0) }, { source: 'manual', now: NOW });
    // a new manufacturer version from day 40 on
    await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '1', lot: 'G1', mean: 5.2, sd: 0.1, effectiveFrom: iso(40), reason: 'new insert' }, at(40));
    const out = await ingestResults(t.db, lab1, { results: gluRun(39, 0, 0) }, { source: 'manual', now: NOW });
    // 5.0 against mean 5.2 SD 0.1 is z = −2 (not beyond 2: accepted)
    const r = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, out.runs[0].runId), eq(iqcResults.level, '1'))).limit(1))!;
    expect(r.z).toBeCloseTo(-2, 9);
    const v = first(await t.db.select().from(qcTargets).where(eq(qcTargets.id, r.targetId!)).limit(1))!;
    expect(v).toMatchObject({ version: 2, mean: 5.2 });
  });

  it('the targets page lists each lot\'s versions with when they took effect, why and by whom (only the audit log showed them)', async () => {
    const page = await lotTargetsPage(t.db, lab1, {}, { page: 1, size: 200, sort: 'analyte', dir: 'asc', q: 'G1' });
    const g1 = page.rows.find((l) => l.lot === 'G1' && l.level === '1')!;
    expect(g1.history.map((v) => [v.version, v.mean, v.reason, v.by])).toEqual([
      [1, 5, null, lab1.email],
      [2, 5.2, 'new insert', lab1.email],
    ]);
    expect(g1.history[1].effectiveFrom).toBe(at(40));
    // another lab's lots are not read
    expect((await lotTargetsPage(t.db, lab2, {}, { page: 1, size: 200, sort: 'analyte', dir: 'asc', q: '' })).rows.flatMap((l) => l.history).map((v) => v.by)).not.toContain(lab1.email);
  });

  it('refuse a new version that would take effect before the lot\'s last result (409)', async () => {
    const e = await appError(async () => await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '1', lot: 'G1', mean: 5, sd: 0.1, effectiveFrom: iso(45) }, NOW));
    expect(e.status).toBe(409);
  });

  it.each([
    ['an SD of 0', { sd: 0 }, 'sd'],
    ['a non-numeric mean', { mean: 'abc' }, 'mean'],
    ['formula injection in the lot', { lot: '=CMD()' }, 'lot'],
  ])('refuse %s', async (_t, patch, field) => {
    const e = await appError(async () => await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '1', lot: 'G9', mean: 5, sd: 0.1, ...patch }, NOW));
    expect(e.status).toBe(422);
    expect(e.errors[0].field).toBe(field);
  });

  it('only the lab itself sets targets (403 for another lab manager and for a regulator)', async () => {
    expect((await appError(async () => await setManufacturerTarget(t.db, lab2, { lab: 'GZ-001', analyte: 'GLU', level: '1', lot: 'X', mean: 5, sd: 0.1 }, NOW))).status).toBe(403);
    expect((await appError(async () => await setManufacturerTarget(t.db, t.regulators.gd, { lab: 'GZ-001', analyte: 'GLU', level: '1', lot: 'X', mean: 5, sd: 0.1 }, NOW))).status).toBe(403);
  });

  it('are established from ≥ 20 baseline results on 20 days, frozen as a lab_baseline version', async () => {
    const values = [198, 202, 200, 196, 204, 199, 201, 203, 197, 200, 206, 194, 200, 202, 198, 205, 195, 200, 201, 199];
    const rows = values.map((v, i) => ({ analyte: 'CHOL', level: '1', lot: 'C-NEW', value: v / 50, measuredAt: iso(90 - i) }));
    const short = await ingestResults(t.db, lab1, { results: rows.slice(0, 19) }, { source: 'manual', now: NOW });
    expect(short.runs.every((r) => r.status === 'no_target')).toBe(true);
    const lotId = first(await t.db.select().from(iqcResults).where(eq(iqcResults.runId, short.runs[0].runId)).limit(1))!.controlLotId;
    const e = await appError(async () => await establishTargetsFromBaseline(t.db, lab1, { controlLotId: lotId }, NOW));
    expect(e.status).toBe(422);
    expect(e.errors[0].message).toMatch(/19/);
    await ingestResults(t.db, lab1, { results: rows.slice(19) }, { source: 'manual', now: NOW });
    const target = await establishTargetsFromBaseline(t.db, lab1, { controlLotId: lotId }, NOW);
    // Westgard's cholesterol baseline (÷ 50): mean 4, SD 3.1788…/50 (sample SD, n − 1)
    expect(target).toMatchObject({ source: 'lab_baseline', basisN: 20, version: 1 });
    expect(target.mean).toBeCloseTo(4, 9);
    expect(target.sd).toBeCloseTo(3.1788776 / 50, 7);
    expect((await appError(async () => await establishTargetsFromBaseline(t.db, lab2, { controlLotId: lotId }, NOW))).status).toBe(404);
  });
});

describe('rule sets', () => {
  it('a configured rule set is used for runs measured from its effective time and stored with each run', async () => {
    // the last GLU run is 39 days ago: the version takes effect 35 days ago
    await setRuleConfig(t.db, lab1, { analyte: 'GLU', rules: ['1-3s'], effectiveFrom: iso(35) }, NOW);
    const out = await ingestResults(t.db, lab1, { results: gluRun(30, 2.5, 2.5) }, { source: 'manual', now: NOW });
    // 5.25 vs target 5.2 is +0.5; 15.75 vs 15 is +2.5 — with 1-3s only, accepted
    expect(out.runs[0].status).toBe('accepted');
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, out.runs[0].runId)).limit(1))!.rules).toEqual(['1-3s']);
    // back to the automatic choice after that run (a new version; the run keeps its rules)
    await setRuleConfig(t.db, lab1, { analyte: 'GLU', rules: [], effectiveFrom: iso(29) }, NOW);
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, out.runs[0].runId)).limit(1))!.rules).toEqual(['1-3s']);
  });

  it('refuses unknown rule codes', async () => {
    expect((await appError(async () => await setRuleConfig(t.db, lab1, { analyte: 'GLU', rules: ['2:2s'] }, NOW))).status).toBe(422);
  });

  it('keeps the default multirule without a published EQA bias, however tight the IQC (the bias against the own mean is not a bias)', async () => {
    await setManufacturerTarget(t.db, lab2, { analyte: 'TP', level: '1', lot: 'T1', mean: 50, sd: 0.5, effectiveFrom: iso(80) }, at(80));
    await setManufacturerTarget(t.db, lab2, { analyte: 'TP', level: '2', lot: 'T2', mean: 70, sd: 0.7, effectiveFrom: iso(80) }, at(80));
    // CV ≈ 0.6 %, IQC bias 0, TEa 5 %: the old choice (sigma ≈ 8 from IQC alone) was 1-3s only
    const zs = [0.5, -0.5, 0.7, -0.7, 0.2, -0.2, 0.9, -0.9, 0.4, -0.4, 0.6, -0.6, 0.3, -0.3, 0.8, -0.8, 0.1, -0.1, 0.5, -0.5, 0.6, -0.6];
    const rows = zs.flatMap((z, i) => [
      { analyte: 'TP', level: '1', lot: 'T1', value: 50 + 0.5 * z, measuredAt: iso(70 - i) },
      { analyte: 'TP', level: '2', lot: 'T2', value: 70 + 0.7 * z, measuredAt: iso(70 - i) },
    ]);
    const firstBatch = await ingestResults(t.db, lab2, { results: rows }, { source: 'manual', now: NOW });
    const next = await ingestResults(t.db, lab2, { results: [{ analyte: 'TP', level: '1', lot: 'T1', value: 50, measuredAt: iso(40) }] }, { source: 'manual', now: NOW });
    for (const runId of [firstBatch.runs[0].runId, firstBatch.runs.at(-1)!.runId, next.runs[0].runId]) {
      expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, runId)).limit(1))!.rules).toEqual(['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x']);
    }
  });
});

describe('back-dated results and corrections', () => {
  it('a back-dated run re-evaluates the later runs of its series', async () => {
    await setManufacturerTarget(t.db, lab1, { analyte: 'CREA', level: '1', lot: 'CR1', mean: 100, sd: 2, effectiveFrom: iso(100) }, at(100));
    await setManufacturerTarget(t.db, lab1, { analyte: 'CREA', level: '2', lot: 'CR2', mean: 400, sd: 8, effectiveFrom: iso(100) }, at(100));
    const crea = (daysAgo: number, z1: number, z2: number) => [
      { analyte: 'CREA', level: '1', lot: 'CR1', value: 100 + 2 * z1, measuredAt: iso(daysAgo) },
      { analyte: 'CREA', level: '2', lot: 'CR2', value: 400 + 8 * z2, measuredAt: iso(daysAgo) },
    ];
    const later = await ingestResults(t.db, lab1, { results: crea(20, 0.5, 2.25) }, { source: 'manual', now: NOW });
    // L2 at +2.25 SD: a warning on its own
    expect(later.runs[0].status).toBe('warning');
    const back = await ingestResults(t.db, lab1, { results: crea(21, 0, 2.5) }, { source: 'manual', now: NOW });
    expect(back.runs[0].status).toBe('warning');
    expect(back.reevaluated).toBe(1);
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, later.runs[0].runId)).limit(1))!.status).toBe('rejected');
    expect(first(await t.db.select().from(correctiveActions).where(eq(correctiveActions.runId, later.runs[0].runId)).limit(1))?.status).toBe('open');
  });

  it('a correction keeps the old value, adds a version with the reason, re-evaluates and is audited', async () => {
    const out = await ingestResults(t.db, lab1, { results: gluRun(15, 0, 3.4) }, { source: 'manual', now: NOW });
    expect(out.runs[0].status).toBe('rejected');
    const old = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, out.runs[0].runId), eq(iqcResults.level, '2'))).limit(1))!;
    const c = await correctResult(t.db, lab1, { resultId: old.id, value: 15.03, reason: 'transcription error' }, NOW);
    expect(c).toMatchObject({ version: 2, status: 'accepted' });
    const versions = await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, out.runs[0].runId), eq(iqcResults.level, '2')));
    expect(versions.map((v) => [v.version, v.current, v.value, v.reason])).toEqual([
      [1, false, old.value, null],
      [2, true, 15.03, 'transcription error'],
    ]);
    const audit = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.result.correct'))).at(-1)!;
    expect(audit.details).toMatchObject({ from: old.value, to: 15.03, reason: 'transcription error', statusBefore: 'rejected', statusAfter: 'accepted' });
  });

  it.each([
    ['without a reason', { value: 15.1, reason: '' }, 422],
    ['with the same value', { value: null, reason: 'x' }, 422],
  ])('refuses a correction %s', async (_t, patch, status) => {
    const r = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab1.labId!), eq(iqcResults.current, true))).limit(1))!;
    expect((await appError(async () => await correctResult(t.db, lab1, { resultId: r.id, ...patch, value: patch.value ?? r.value }, NOW))).status).toBe(status);
  });

  it('refuses a correction by another lab (404) or by a regulator (403)', async () => {
    const r = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab1.labId!), eq(iqcResults.current, true))).limit(1))!;
    expect((await appError(async () => await correctResult(t.db, lab2, { resultId: r.id, value: 1, reason: 'x' }, NOW))).status).toBe(404);
    expect((await appError(async () => await correctResult(t.db, t.regulators.gd, { resultId: r.id, value: 1, reason: 'x' }, NOW))).status).toBe(403);
  });
});

describe('corrective actions', () => {
  it('are resolved with cause, action and outcome, by whom and when, and audited', async () => {
    const out = await ingestResults(t.db, lab1, { results: gluRun(10, -3.6, 0) }, { source: 'manual', now: NOW });
    const ca = first(await t.db.select().from(correctiveActions).where(eq(correctiveActions.runId, out.runs[0].runId)).limit(1))!;
    expect((await correctiveActionList(t.db, lab1, { status: 'open' })).map((a) => a.id)).toContain(ca.id);
    const r = await resolveCorrectiveAction(t.db, lab1, { id: ca.id, cause: 'Reagent lot expired', action: 'New reagent, recalibrated, rerun', outcome: 'Rerun in control' }, NOW);
    expect(r.status).toBe('resolved');
    const stored = first(await t.db.select().from(correctiveActions).where(eq(correctiveActions.id, ca.id)).limit(1))!;
    expect(stored).toMatchObject({ status: 'resolved', cause: 'Reagent lot expired', resolvedBy: lab1.userId, resolvedAt: NOW });
    expect((await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.corrective_action.resolve'))).at(-1)!.entityId).toBe(String(ca.id));
    expect((await appError(async () => await resolveCorrectiveAction(t.db, lab1, { id: ca.id, cause: 'a', action: 'b', outcome: 'c' }, NOW))).status).toBe(409);
  });

  it.each([
    ['another lab manager', () => lab2, 404],
    ['a regulator of the region (reads, never resolves)', () => t.regulators.gd, 403],
    ['a hospital account', () => t.labManagers.get('GZ-002')!, 404],
  ])('cannot be resolved by %s', async (_t, who, status) => {
    const open = (await correctiveActionList(t.db, lab1, { status: 'open' }))[0];
    expect((await appError(async () => await resolveCorrectiveAction(t.db, who(), { id: open.id, cause: 'a', action: 'b', outcome: 'c' }, NOW))).status).toBe(status);
  });

  it('an id no row can have (beyond 2^53, beyond PostgreSQL bigint) is not found on either backend (PostgreSQL answered 500)', async () => {
    for (const id of [1e20, 2 ** 53, -1, 1.5, NaN])
      expect((await appError(async () => await correctiveActionDetail(t.db, lab1, id))).reason).toBe('iqc.correctiveActionNotFound');
    expect(await accountById(t.db, 1e20)).toBeUndefined();
  });

  it('refuse formula injection and empty fields', async () => {
    const open = (await correctiveActionList(t.db, lab1, { status: 'open' }))[0];
    const e = await appError(async () => await resolveCorrectiveAction(t.db, lab1, { id: open.id, cause: '=CMD()', action: '', outcome: 'ok' }, NOW));
    expect(e.errors.map((x) => x.field).sort()).toEqual(['action', 'cause']);
  });
});

describe('dashboard, chart and summary', () => {
  it('the dashboard shows the last run per analyte, open corrective actions and days since last QC', async () => {
    const d = await labDashboard(t.db, lab1, null, NOW);
    const glu = d.rows.find((r) => r.analyte === 'GLU')!;
    expect(glu).toMatchObject({ light: 'red', daysSince: 10 });
    // (issue 9: the corrected run's action is withdrawn once the correction puts it back in control,
    // and the 1-3s run's action was resolved above: GLU has none open; CREA's back-dated 2-2s has one)
    expect(glu.openActions).toBe(0);
    expect(d.rows.find((r) => r.analyte === 'CREA')!.openActions).toBeGreaterThan(0);
    expect(d.counts.daysSinceLastQc).toBe(10);
    expect(d.openActions.length).toBe(d.counts.open);
  });

  it("each instrument's row counts its own open corrective actions; days since QC are calendar days in China time", async () => {
    const manager = t.labManagers.get('GZ-003')!;
    for (const instrument of ['TP-A', 'TP-B']) {
      for (const level of ['1', '2']) await setManufacturerTarget(t.db, manager, { analyte: 'TP', level, lot: `TP${level}-${instrument}`, instrument, mean: 70, sd: 1, effectiveFrom: NOW - 30 * DAY }, NOW - 30 * DAY);
    }
    // NOW is 12:00 in Shanghai: A ran at 23:30 yesterday (12.5 h ago) and broke 1-3s; B ran at 01:00 today, in control
    const row = (instrument: string, level: string, value: number, when: number) => ({ analyte: 'TP', level, lot: `TP${level}-${instrument}`, instrument, value, measuredAt: new Date(when).toISOString() });
    const yesterdayLate = NOW - 12.5 * HOUR;
    const todayEarly = NOW - 11 * HOUR;
    await ingestResults(t.db, manager, { results: [row('TP-A', '1', 74, yesterdayLate), row('TP-A', '2', 70, yesterdayLate)] }, { source: 'manual', now: NOW });
    await ingestResults(t.db, manager, { results: [row('TP-B', '1', 70, todayEarly), row('TP-B', '2', 70.5, todayEarly)] }, { source: 'manual', now: NOW });
    const d = await labDashboard(t.db, manager, null, NOW);
    const tp = (instrument: string) => d.rows.find((r) => r.analyte === 'TP' && r.instrument === instrument)!;
    expect(tp('TP-A')).toMatchObject({ light: 'red', openActions: 1, daysSince: 1 });
    expect(tp('TP-B')).toMatchObject({ light: 'green', openActions: 0, daysSince: 0 });
    expect(d.counts).toMatchObject({ open: 1, daysSinceLastQc: 0 });
  });

  it("runs that start at one moment (two lots of a level at a crossover) show the worse status whichever arrived first", async () => {
    const manager = t.labManagers.get('GZ-004')!;
    for (const instrument of ['XO-A', 'XO-B']) {
      for (const lot of ['A', 'B']) await setManufacturerTarget(t.db, manager, { analyte: 'K', level: '1', lot: `XO-${instrument}-${lot}`, instrument, mean: 4, sd: 0.1, effectiveFrom: NOW - 30 * DAY }, NOW - 30 * DAY);
    }
    const when = new Date(NOW - HOUR).toISOString();
    const row = (instrument: string, lot: string, value: number) => ({ analyte: 'K', level: '1', lot: `XO-${instrument}-${lot}`, instrument, value, measuredAt: when });
    // the same two results, in the opposite orders: in control on lot A, 1-3s on lot B
    for (const r of [row('XO-A', 'A', 4.0), row('XO-A', 'B', 4.35), row('XO-B', 'B', 4.35), row('XO-B', 'A', 4.0)]) await ingestResults(t.db, manager, { results: [r] }, { source: 'manual', now: NOW });
    const d = await labDashboard(t.db, manager, null, NOW);
    const lights = ['XO-A', 'XO-B'].map((i) => d.rows.find((r) => r.analyte === 'K' && r.instrument === i)!.light);
    expect(lights).toEqual(['red', 'red']);
  });

  it('the chart has one panel per level with targets, verdict, rule names and the corrective action of each point', async () => {
    const c = await chartData(t.db, lab1, { analyte: 'glu', from: '2026-07-01', to: '2026-11-25' }, NOW);
    expect(c.panels.map((p) => p.level)).toEqual(['1', '2']);
    const bad = c.panels[0].points.find((p) => p.status === 'rejected' && p.rules.includes('1-3s'))!;
    expect(bad).toMatchObject({ mean: 5.2, sd: 0.1, actionStatus: 'resolved' });
    expect(bad.z).toBeCloseTo(-5.6, 6);
  });

  it('the chart marks lot boundaries', async () => {
    await ingestResults(t.db, lab1, { results: [{ analyte: 'GLU', level: '1', lot: 'G1-NEXT', value: 5, measuredAt: iso(5) }] }, { source: 'manual', now: NOW });
    const c = await chartData(t.db, lab1, { analyte: 'GLU' }, NOW);
    expect(c.panels[0].lotChanges).toEqual([{ t: at(5), lot: 'G1-NEXT' }]);
  });

  it.each([['2026-02-30'], ['yesterday']])('the chart refuses a from date that is no day (%s) as it refuses any unreadable date: iqc.invalidDateRange, not 2 March', async (from) => {
    await expect(chartData(t.db, lab1, { analyte: 'GLU', from }, NOW)).rejects.toMatchObject({ reason: 'iqc.invalidDateRange' });
  });

  it('the chart draws at most a year and a day at a time (from=0001-01-01 drew the whole history)', async () => {
    await expect(chartData(t.db, lab1, { analyte: 'GLU', from: '0001-01-01', to: '9999-12-31' }, NOW)).rejects.toMatchObject({ reason: 'iqc.invalidDateRange', errors: [expect.objectContaining({ field: 'from', code: 'value.rangeTooLong' })] });
    await expect(chartData(t.db, lab1, { analyte: 'GLU', from: '2025-11-01', to: '2026-11-25' }, NOW)).rejects.toMatchObject({ reason: 'iqc.invalidDateRange' });
    expect((await chartData(t.db, lab1, { analyte: 'GLU', from: '2025-11-25', to: '2026-11-25' }, NOW)).panels.length).toBeGreaterThan(0);
  });

  it('the chart names the bound that is unreadable: an unreadable `to` alone is `to`, not the `from` it would have defaulted', async () => {
    await expect(chartData(t.db, lab1, { analyte: 'GLU', to: 'abc' }, NOW)).rejects.toMatchObject({ reason: 'iqc.invalidDateRange', errors: [expect.objectContaining({ field: 'to', code: 'value.useDate' })] });
  });

  it('the monthly summary gives n, mean, SD, CV, bias, CV against the allowable CV, sigma and violations by rule', async () => {
    const z = [0.3, -0.3, 0.5, -0.2];
    const rows = z.map((x, i) => ({ analyte: 'GLU', level: '1', lot: 'G1', value: +(5.2 + 0.1 * x).toFixed(4), measuredAt: iso(9 - i) }));
    await ingestResults(t.db, lab1, { results: rows }, { source: 'manual', now: NOW });
    const s = await monthlySummary(t.db, lab1, { month: '2026-11' }, NOW);
    const l1 = s.rows.find((r) => r.analyte === 'GLU' && r.level === '1' && r.lot === 'G1')!;
    expect(l1).toMatchObject({ targetMean: 5.2, allowableCv: 3, rejectedRuns: 1 });
    // the rejected run stays out of the statistics
    expect(l1.n).toBe(l1.total - 1);
    expect(l1.cv).toBeGreaterThan(0);
    // no published EQA for the lab: no bias, so no sigma (never the bias against the own target mean)
    expect(l1.eqaBias).toBeNull();
    expect(l1.sigma).toBeNull();
    expect(l1.violations['1-3s']).toBe(1);
    const crea = s.rows.find((r) => r.analyte === 'CREA' && r.level === '2')!;
    expect(crea.violations).toMatchObject({ '1-2s': 2, '2-2s': 1 });
    const csv = (await monthlySummaryCsv(t.db, lab1, { month: '2026-11' }, NOW)).csv;
    expect(csv.split('\r\n')[0]).toMatch(/^month,analyte_code,instrument,level,lot,n,mean,sd,cv_percent/);
    expect((await appError(async () => await monthlySummary(t.db, lab1, { month: '2026-13' }, NOW))).status).toBe(422);
  });

  it("a run across a month's first midnight counts each level's violations in the month of that level's result, and the chart marks them on that result", async () => {
    // level 1 at 23:50 on 31 October, level 2 at 00:10 on 1 November (China time), both at +2.1 SD
    // after a run at +2.1 SD the day before: 2-2s on each level, and across levels within the run
    const china = (day: string, time: string) => `${day}T${time}:00+08:00`;
    for (const [level, lot, mean, sd] of [['1', 'GM1', 5, 0.1], ['2', 'GM2', 15, 0.3]] as const)
      await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level, lot, instrument: 'MIDNIGHT', mean, sd, effectiveFrom: china('2026-10-01', '00:00') }, NOW);
    const results = [
      { analyte: 'GLU', level: '1', lot: 'GM1', value: 5.21, measuredAt: china('2026-10-30', '23:50') },
      { analyte: 'GLU', level: '2', lot: 'GM2', value: 15.63, measuredAt: china('2026-10-30', '23:55') },
      { analyte: 'GLU', level: '1', lot: 'GM1', value: 5.21, measuredAt: china('2026-10-31', '23:50') },
      { analyte: 'GLU', level: '2', lot: 'GM2', value: 15.63, measuredAt: china('2026-11-01', '00:10') },
    ].map((r) => ({ ...r, instrument: 'MIDNIGHT' }));
    const out = await ingestResults(t.db, lab1, { results }, { source: 'manual', now: NOW });
    const crossing = out.runs.find((r) => Date.parse(r.measuredAt) === Date.parse(china('2026-10-31', '23:50')))!;
    expect(crossing.violations.length, JSON.stringify(out)).toBeGreaterThan(0);
    const row = async (month: string, level: string) => (await monthlySummary(t.db, lab1, { month }, NOW)).rows.find((r) => r.instrument === 'MIDNIGHT' && r.level === level)!;
    const [oct1, nov2] = [await row('2026-10', '1'), await row('2026-11', '2')];
    expect([oct1.total, nov2.total]).toEqual([2, 1]);
    for (const v of crossing.violations) {
      if (v.levels.includes('1')) expect(oct1.violations[v.rule], v.rule).toBeGreaterThanOrEqual(1);
      if (v.levels.includes('2')) expect(nov2.violations[v.rule], v.rule).toBe(1);
    }
    expect(Object.keys(nov2.violations).length).toBeGreaterThan(0);
    // the chart from 1 November marks level 2's point with its run's rules and corrective action,
    // though the run starts on 31 October (they were read by the run's start, and the point had none)
    const chart = await chartData(t.db, lab1, { analyte: 'GLU', instrument: 'MIDNIGHT', from: '2026-11-01', to: '2026-11-02' }, NOW);
    const point = chart.panels.find((p) => p.level === '2')!.points.find((p) => p.runId === crossing.runId)!;
    expect(point.rules.toSorted()).toEqual(crossing.violations.filter((v) => v.levels.includes('2')).map((v) => v.rule).toSorted());
    expect(crossing.status).toBe('rejected');
    expect(point).toMatchObject({ status: 'rejected', actionStatus: 'open' });
  });

  it('a month with a new target version mid-way: the bias compares each result with the target in force for it, not the month\'s last', async () => {
    const china = (day: string) => `${day}T08:00:00+08:00`;
    await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '1', lot: 'GV', instrument: 'TARGETS', mean: 4, sd: 0.5, effectiveFrom: china('2026-11-01') }, NOW);
    await setManufacturerTarget(t.db, lab1, { analyte: 'GLU', level: '1', lot: 'GV', instrument: 'TARGETS', mean: 5, sd: 0.5, effectiveFrom: china('2026-11-10') }, NOW);
    const days = [['2026-11-03', 4.2], ['2026-11-04', 4.4], ['2026-11-12', 4.6], ['2026-11-13', 4.8]] as const;
    await ingestResults(t.db, lab1, { results: days.map(([d, value]) => ({ analyte: 'GLU', level: '1', lot: 'GV', instrument: 'TARGETS', value, measuredAt: china(d) })) }, { source: 'manual', now: NOW });
    const row = (await monthlySummary(t.db, lab1, { month: '2026-11' }, NOW)).rows.find((r) => r.lot === 'GV')!;
    // +5 %, +10 % against 4; −8 %, −4 % against 5 (hand): +0.75 %, where the last target alone says −10 %
    expect(row).toMatchObject({ n: 4, targetMean: 5, targetMeans: 2 });
    expect(row.mean).toBeCloseTo(4.5, 12);
    expect(row.biasPercent).toBeCloseTo(0.75, 10);
    const csv = (await monthlySummaryCsv(t.db, lab1, { month: '2026-11' }, NOW)).csv.split('\r\n');
    const header = csv[0].split(',');
    const line = csv.find((l) => l.includes(',GV,'))!.split(',');
    expect(line[header.indexOf('bias_percent')]).toBe('0.75');
  });

  it('a value of Infinity stored before the ingest refused them is counted but not described (the page answered 500)', async () => {
    const rows = [5.1, 5.3, 5.2].map((value, i) => ({ analyte: 'GLU', level: '1', lot: 'G-INF', value, measuredAt: iso(8 - i) }));
    await ingestResults(t.db, lab1, { results: rows }, { source: 'manual', now: NOW });
    const stored = await t.db.select({ id: iqcResults.id }).from(iqcResults).where(eq(iqcResults.value, 5.3));
    await t.db.update(iqcResults).set({ value: Infinity }).where(eq(iqcResults.id, stored[0].id));
    const row = (await monthlySummary(t.db, lab1, { month: '2026-11' }, NOW)).rows.find((r) => r.lot === 'G-INF')!;
    expect([row.total, row.n, row.mean]).toEqual([3, 2, 5.15]);
  });
});

describe('reading another lab', () => {
  it.each([
    ['a regulator of the region reads the lab', () => t.regulators.gd, 'GZ-001', null],
    ['an administrator reads the lab', () => t.admin, 'GZ-001', null],
    ['a regulator of another province is refused', () => t.regulators.zj, 'GZ-001', 403],
    ['a city regulator is refused outside the city', () => t.regulators.sz, 'GZ-001', 403],
    ['another lab manager is refused', () => lab2, 'GZ-001', 403],
    ['a regulator must name a lab', () => t.regulators.gd, null, 422],
  ])('%s', async (_t, who, lab, status) => {
    const run = async () => await labDashboard(t.db, who(), lab, NOW);
    if (status === null) expect((await run()).rows.length).toBeGreaterThan(0);
    else expect((await appError(run)).status).toBe(status);
  });

  it('the lots API lists the lab\'s lots with the target in force', async () => {
    const lots = await lotsForApi(t.db, lab1, {}, NOW);
    expect(lots).toContainEqual({ analyte: 'GLU', level: '1', lot: 'G1', mean: 5.2, sd: 0.1, source: 'manufacturer', effectiveFrom: iso(40), expiresOn: null });
    expect(lots.find((l) => l.lot === 'G1-NEXT')).toMatchObject({ mean: null, source: null });
  });

  it('the results API pages by time: limit= results at most, never a time split across pages, the next page from x-next-cursor; none lost or repeated', async () => {
    const q = { analyte: 'GLU', from: '2026-07-01', to: '2026-11-25' };
    const { results: whole } = await resultsForApiView(t.db, lab1, q, NOW);
    expect(whole.length).toBeGreaterThan(6);
    const pages: (typeof whole)[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof resultsForApiView>> = await resultsForApiView(t.db, lab1, { ...q, limit: '3', ...(cursor ? { cursor } : {}) }, NOW);
      expect(page.results.length).toBeLessThanOrEqual(3);
      expect(page.results.length).toBeGreaterThan(0);
      pages.push(page.results);
      if (page.next) expect(page.results.every((r) => Date.parse(r.measuredAt) < Number(page.next))).toBe(true);
      cursor = page.next;
    } while (cursor);
    expect(pages.flat()).toEqual(whole);
    // the levels of a run measured at one time stay on one page
    for (const [i, page] of pages.entries()) if (i > 0) expect(page[0].measuredAt).not.toBe(pages[i - 1].at(-1)!.measuredAt);
    for (const bad of [{ limit: '0' }, { limit: '50001' }, { limit: 'x' }, { cursor: 'abc' }, { cursor: '1.5' }, { cursor: '99999999999999999999' }]) {
      expect((await appError(async () => await resultsForApiView(t.db, lab1, { ...q, ...bad }, NOW))).status, JSON.stringify(bad)).toBe(422);
    }
  });

  it('the results API filters by analyte and dates; a regulator adds lab=', async () => {
    const { results: mine, next } = await resultsForApiView(t.db, lab1, { analyte: 'GLU', from: '2026-11-01', to: '2026-11-25' }, NOW);
    expect(mine.length).toBeGreaterThan(0);
    expect(next).toBeNull();
    expect(mine.every((r) => r.analyte === 'GLU' && r.measuredAt >= '2026-10-31T16:00')).toBe(true);
    expect((await resultsForApiView(t.db, t.regulators.gd, { lab: 'GZ-001', analyte: 'GLU', from: '2026-11-01' }, NOW)).results).toEqual(mine);
    expect((await appError(async () => await resultsForApiView(t.db, lab1, { analyte: 'NOPE' }, NOW))).status).toBe(422);
    expect((await appError(async () => await resultsForApiView(t.db, t.regulators.zj, { lab: 'GZ-001' }, NOW))).status).toBe(403);
  });
});
