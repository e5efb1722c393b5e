// IQC runs as LIS send them (issue 9), through POST /api/v1/iqc/results: the run window, client run
// ids, late results regrouped, and the invariant — the stored verdicts depend only on the set of
// results, never on batching or arrival order (property test on a real SQLite database).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, asc, eq } from 'drizzle-orm';
import { createSeededTestDb, testBackend } from '../support/db';
import { appError } from '../support/errors';
import { auditLog, controlLots, correctiveActions, iqcResults, iqcRuns, iqcViolations, laboratories } from '@/db/schema';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { postResults } from '@/lib/services/iqc/api';
import { setManufacturerTargets } from '@/lib/services/iqc/targets';
import { excludeResult, includeResult } from '@/lib/services/iqc/results';
import { setRunWindow } from '@/lib/services/iqc/run-window';
import { compareLevels, formWindowRuns, levelCollator } from '@/lib/services/iqc/engine';
import { mapSeq } from '@/lib/async';
import { labDashboard } from '@/lib/services/iqc/views';
import { ruleChoicesAt, setRuleConfig } from '@/lib/services/iqc/rules';
import { resultsForApi, summaryValues } from '@/db/queries/iqc';
import { resultsForApiView, runsForApiView } from '@/lib/services/iqc/api-reads';
import { sqlitePlans } from '../support/sqlite-plans';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const BASE = NOW - 60 * DAY;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;
let other: Actor;

/** K levels 1–3: means 4, 6, 8 and SD 0.1, so value = mean + 0.1·z. */
const MEAN: Record<string, number> = { '1': 4, '2': 6, '3': 8 };
const value = (level: string, z: number) => +(MEAN[level] + 0.1 * z).toFixed(4);

interface Row {
  analyte: string;
  level: string;
  lot: string;
  value: number;
  measuredAt: string;
  instrument: string;
  run?: string;
}
/** `lot`: the level's lot on the instrument (`K1-B0`), or its parallel lot (`K1-B0b`) */
const row = (instrument: string, level: string, z: number, at: number, run?: string, lot = ''): Row => ({
  analyte: 'K',
  level,
  lot: `K${level}-${instrument}${lot}`,
  value: value(level, z),
  measuredAt: new Date(at).toISOString(),
  instrument,
  ...(run ? { run } : {}),
});

async function targetsFor(actor: Actor, instrument: string) {
  await setManufacturerTargets(
    t.db,
    actor,
    { targets: ['1', '2', '3'].flatMap((level) => ['', 'b'].map((lot) => ({ analyte: 'K', level, lot: `K${level}-${instrument}${lot}`, instrument, mean: MEAN[level], sd: 0.1, effectiveFrom: BASE - DAY }))) },
    BASE - DAY,
  );
}

const post = (actor: Actor, results: unknown[]) =>
  postResults(t.db, actor, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) }), NOW);

async function appErrorAsync(fn: () => Promise<unknown>): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

/** The stored runs of a series in time order: start, status, rules, violations and results. */
async function storedRuns(labId: number, instrument: string) {
  const runs = await t.db
    .select()
    .from(iqcRuns)
    .where(and(eq(iqcRuns.labId, labId), eq(iqcRuns.instrument, instrument)))
    .orderBy(asc(iqcRuns.measuredAt), asc(iqcRuns.id));
  return (await mapSeq(runs, async (r) => ({
    id: r.id,
    start: r.measuredAt,
    client: r.clientRunId,
    status: r.status,
    rules: r.rules,
    violations: (await t.db
      .select({ rule: iqcViolations.rule, levels: iqcViolations.levels })
      .from(iqcViolations)
      .where(eq(iqcViolations.runId, r.id)))
      .map((v) => `${v.rule}:${v.levels.join('+')}`)
      .sort(),
    results: (await t.db
      .select({ level: iqcResults.level, at: iqcResults.measuredAt, value: iqcResults.value, lot: controlLots.lotNumber })
      .from(iqcResults)
      .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
      .where(and(eq(iqcResults.runId, r.id), eq(iqcResults.current, true))))
      .map((x) => `${x.level}@${(x.at - BASE) / MIN}=${x.value}${x.lot.endsWith('b') ? 'b' : ''}`)
      .sort(),
    action: first(await t.db.select({ status: correctiveActions.status }).from(correctiveActions).where(eq(correctiveActions.runId, r.id)).limit(1))?.status ?? null,
  })));
}
/** `runs` runs `apart` apart, level 1 at 0 in each and level 2 at +0.5 (10 minutes later) in every `every`th from the first. */
const levelEvery = (every: number, runs: number, apart: number) =>
  Array.from({ length: runs }, (_, i) => {
    const at = BASE + i * apart + 8 * 60 * MIN;
    return i % every ? [{ level: '1', z: 0, at }] : [{ level: '1', z: 0, at }, { level: '2', z: 0.5, at: at + 10 * MIN }];
  });

/** The verdicts of `runs` posted as one batch on instrument `one`, which posted run by run on
 * `byRun` must equal. */
async function batchAndRunByRun(runs: { level: string; z: number; at: number }[][], one: string, byRun: string) {
  await targetsFor(lab, one);
  await targetsFor(lab, byRun);
  await post(lab, runs.flat().map((r) => row(one, r.level, r.z, r.at)));
  for (const run of runs) await post(lab, run.map((r) => row(byRun, r.level, r.z, r.at)));
  const batch = await verdicts(lab.labId!, one);
  expect(await verdicts(lab.labId!, byRun)).toEqual(batch);
  return batch;
}

/** Verdicts only (ids and actions aside), in evaluation order: start, then client run id (window
 * runs first), then first result (ids depend on arrival order). */
const verdicts = async (labId: number, instrument: string) =>
  (await storedRuns(labId, instrument))
    .map(({ id: _id, action: _a, ...v }) => v)
    .sort((a, b) => a.start - b.start || (a.client ?? '').localeCompare(b.client ?? '') || a.results[0].localeCompare(b.results[0]));

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  other = t.labManagers.get('HZ-001')!;
});
afterAll(() => t.close());

describe('formWindowRuns (window 30 min; hand-worked from the definition in DOMAIN.md §4)', () => {
  const r = (level: string, minute: number) => ({ level, measuredAt: minute * MIN });
  const show = (runs: { level: string; measuredAt: number }[][]) => runs.map((run) => run.map((x) => `${x.level}@${x.measuredAt / MIN}`));
  it.each([
    ['levels 12 minutes apart are one run', [r('1', 0), r('2', 12)], [['1@0', '2@12']]],
    ['the window includes its end (30 min)', [r('1', 0), r('2', 30)], [['1@0', '2@30']]],
    ['31 minutes later starts the next run', [r('1', 0), r('2', 31)], [['1@0'], ['2@31']]],
    ['a level the run holds is left for the next run, which starts there', [r('1', 0), r('1', 10), r('2', 20)], [['1@0', '2@20'], ['1@10']]],
    ['two runs of two levels', [r('1', 0), r('2', 5), r('1', 20), r('2', 40)], [['1@0', '2@5'], ['1@20', '2@40']]],
    ['nothing', [], []],
  ])('%s', (_title, sorted, expected) => {
    expect(show(formWindowRuns(sorted, 30 * MIN))).toEqual(expected);
  });
});

describe('compareLevels', () => {
  const level = fc.oneof(fc.integer({ min: 0, max: 2000 }).map(String), fc.stringMatching(/^0{0,2}[0-9]{1,3}$/), fc.stringMatching(/^[0-9A-Za-z-]{1,4}$/));
  it('orders levels as the numeric collator does, and those it calls equal by their code units (its fast path for plain numbers included; property test)', () => {
    fc.assert(
      fc.property(level, level, (a, b) => {
        const byCollator = Math.sign(levelCollator.compare(a, b));
        expect(Math.sign(compareLevels(a, b))).toBe(byCollator || Math.sign(a < b ? -1 : a > b ? 1 : 0));
      }),
      { numRuns: 2000 },
    );
  });

  it('is a total order: zero only for the same level, antisymmetric and transitive (property test)', () => {
    expect(Math.sign(compareLevels('01', '1'))).toBe(-1);
    expect(Math.sign(compareLevels('L1', 'L01'))).toBe(1);
    fc.assert(
      fc.property(level, level, level, (a, b, c) => {
        expect(compareLevels(a, b) === 0).toBe(a === b);
        expect(Math.sign(compareLevels(a, b)) + Math.sign(compareLevels(b, a))).toBe(0);
        const [x, y, z] = [a, b, c].sort(compareLevels);
        expect(compareLevels(x, z)).toBeLessThanOrEqual(0);
        expect(compareLevels(x, y) <= 0 && compareLevels(y, z) <= 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("levels '1' and '01' sent in one batch or one by one, late, give the same verdicts (3-1s across the runs)", async () => {
    const manager = t.labManagers.get('GZ-005')!;
    for (const instrument of ['LZ-A', 'LZ-B']) {
      await setManufacturerTargets(t.db, manager, { targets: ['1', '01'].map((level) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, instrument, mean: 4, sd: 0.1, effectiveFrom: BASE - DAY })) }, BASE - DAY);
    }
    await setRuleConfig(t.db, manager, { analyte: 'K', rules: ['3-1s'], effectiveFrom: new Date(BASE - DAY / 2).toISOString() }, BASE - DAY / 2);
    const at = (instrument: string, level: string, z: number, when: number) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, value: +(4 + 0.1 * z).toFixed(4), measuredAt: new Date(when).toISOString(), instrument });
    const t1 = BASE + 8 * 60 * MIN;
    const t2 = t1 + DAY;
    await post(manager, [at('LZ-A', '01', -0.5, t1), at('LZ-A', '1', 1.5, t1 + MIN), at('LZ-A', '01', 1.5, t2), at('LZ-A', '1', 1.5, t2 + MIN)]);
    await post(manager, [at('LZ-B', '1', 1.5, t1 + MIN)]);
    await post(manager, [at('LZ-B', '01', -0.5, t1)]);
    await post(manager, [at('LZ-B', '01', 1.5, t2), at('LZ-B', '1', 1.5, t2 + MIN)]);
    const verdicts = async (instrument: string) =>
      await mapSeq(await t.db.select().from(iqcRuns).where(and(eq(iqcRuns.labId, manager.labId!), eq(iqcRuns.instrument, instrument))).orderBy(asc(iqcRuns.measuredAt)), async (r) =>
        [r.status, (await t.db.select({ rule: iqcViolations.rule }).from(iqcViolations).where(eq(iqcViolations.runId, r.id))).map((v) => v.rule).sort()]);
    // levels in order 01, 1: −0.5, +1.5 | +1.5, +1.5 — the second run's three values beyond 1 SD on one side
    expect(await verdicts('LZ-A')).toEqual([['accepted', []], ['rejected', ['3-1s']]]);
    expect(await verdicts('LZ-B')).toEqual(await verdicts('LZ-A'));
  });
});

describe('the run window', () => {
  it('levels sent minutes apart form one run, and within-run 2-2s fires (both levels +2.5 SD)', async () => {
    await targetsFor(lab, 'W1');
    const at = BASE + 8 * 60 * MIN;
    const out = await post(lab, [row('W1', '1', 2.5, at), row('W1', '2', 2.6, at + 7 * MIN)]);
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({ status: 'rejected', violations: [{ rule: '1-2s', levels: ['1', '2'] }, { rule: '2-2s', levels: ['1', '2'] }] });
    expect(await storedRuns(lab.labId!, 'W1')).toEqual([expect.objectContaining({ start: at, results: ['1@480=4.25', '2@487=6.26'] })]);
  });

  it('R-4s fires within a run whose levels came 20 minutes apart (+2.5 and −2.5 SD)', async () => {
    const at = BASE + DAY + 8 * 60 * MIN;
    const out = await post(lab, [row('W1', '1', 2.5, at), row('W1', '2', -2.5, at + 20 * MIN)]);
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0].violations.map((v) => v.rule)).toEqual(['1-2s', 'R-4s']);
  });

  it('a result beyond the window, or a level the run already holds, starts the next run; one-level runs are runs', async () => {
    await targetsFor(lab, 'W2');
    const at = BASE + 8 * 60 * MIN;
    // window 30 min from L1 08:00: L2 08:12 joins; L1 08:20 (level held) starts run 2, L2 08:45 joins it (25 min after 08:20); L3 09:20 alone
    const out = await post(lab, [row('W2', '2', 0, at + 12 * MIN), row('W2', '1', 0, at), row('W2', '1', 0.1, at + 20 * MIN), row('W2', '2', 0.1, at + 45 * MIN), row('W2', '3', 0, at + 80 * MIN)]);
    expect(out.runs.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect((await storedRuns(lab.labId!, 'W2')).map((r) => r.results)).toEqual([
      ['1@480=4', '2@492=6'],
      ['1@500=4.01', '2@525=6.01'],
      ['3@560=8'],
    ]);
  });

  it('uses the lab\'s own window (run_window_minutes)', async () => {
    await targetsFor(other, 'W3');
    await t.db.update(laboratories).set({ runWindowMinutes: 5 }).where(eq(laboratories.id, other.labId!));
    const at = BASE + 8 * 60 * MIN;
    const out = await post(other, [row('W3', '1', 0, at), row('W3', '2', 0, at + 7 * MIN)]);
    expect(out.runs).toHaveLength(2);
    await t.db.update(laboratories).set({ runWindowMinutes: 30 }).where(eq(laboratories.id, other.labId!));
  });
});

describe('a change of the run window', () => {
  it('leaves the stored runs as they were formed: a late result near a run of the old window forms runs with the new one, and does not lift its rejection', async () => {
    await targetsFor(lab, 'W4');
    const at = BASE + 8 * 60 * MIN;
    // window 30: L1 08:00 and L2 08:20, both +2.5 SD, are one run: 2-2s across its levels, rejected
    const first = await post(lab, [row('W4', '1', 2.5, at), row('W4', '2', 2.5, at + 20 * MIN)]);
    expect(first.runs.map((r) => r.status)).toEqual(['rejected']);
    await setRunWindow(t.db, lab, { minutes: 5 }, NOW);
    try {
      // a late L3 at 08:02: with the new window [L1, L3] and [L2] would be one run each, and the
      // rejection (with its corrective action) would be lifted by a result that came later
      const late = await post(lab, [row('W4', '3', 0, at + 2 * MIN)]);
      expect(late.reevaluated).toBe(0);
      expect((await storedRuns(lab.labId!, 'W4')).map((r) => [r.results, r.status, r.violations, r.action])).toEqual([
        [['1@480=4.25', '2@500=6.25'], 'rejected', ['1-2s:1+2', '2-2s:1+2'], 'open'],
        [['3@482=8'], 'accepted', [], null],
      ]);
      // the stored run knows its window; runs formed since know theirs by the lab's
      const windows = await t.db.select({ minutes: iqcRuns.windowMinutes }).from(iqcRuns).where(and(eq(iqcRuns.labId, lab.labId!), eq(iqcRuns.instrument, 'W4'))).orderBy(asc(iqcRuns.measuredAt));
      expect(windows.map((w) => w.minutes)).toEqual([30, null]);
      // new results meet the new window: 7 minutes apart is two runs
      const after = await post(lab, [row('W4', '1', 0, at + DAY), row('W4', '2', 0, at + DAY + 7 * MIN)]);
      expect(after.runs).toHaveLength(2);
    } finally {
      await setRunWindow(t.db, lab, { minutes: 30 }, NOW);
    }
    // back to 30: the runs of the 5-minute window keep theirs
    const late = await post(lab, [row('W4', '3', 0, at + DAY + 3 * MIN)]);
    expect(late.runs).toHaveLength(1);
    expect((await storedRuns(lab.labId!, 'W4')).slice(2).map((r) => r.results)).toEqual([['1@1920=4'], ['3@1923=8'], ['2@1927=6']]);
  });
});

describe('client run ids', () => {
  it('results sharing a `run` form one run whatever their times; they are never mixed with window runs', async () => {
    await targetsFor(lab, 'C1');
    const at = BASE + 8 * 60 * MIN;
    const out = await post(lab, [row('C1', '1', 2.5, at, 'LIS-1'), row('C1', '2', 2.5, at + 50 * MIN, 'LIS-1'), row('C1', '3', 0, at + 10 * MIN)]);
    const runs = await storedRuns(lab.labId!, 'C1');
    expect(runs.map((r) => [r.client, r.results])).toEqual([
      ['LIS-1', ['1@480=4.25', '2@530=6.25']],
      [null, ['3@490=8']],
    ]);
    expect(out.runs.find((r) => r.runId === runs[0].id)!.violations.map((v) => v.rule)).toContain('2-2s');
  });

  it('a result sent later with the same run id joins that run and re-judges it (3 levels now: its rule set is chosen again)', async () => {
    const at = BASE + 8 * 60 * MIN;
    await post(lab, [row('C1', '3', -2.5, at + 55 * MIN, 'LIS-1')]);
    const runs = await storedRuns(lab.labId!, 'C1');
    expect(runs[0]).toMatchObject({ client: 'LIS-1', results: ['1@480=4.25', '2@530=6.25', '3@535=7.75'], rules: ['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x'] });
    expect(runs[0].violations).toEqual(['2of3-2s:1+2', 'R-4s:1+2+3']);
  });

  it('accepts `run` as a CSV column', async () => {
    await targetsFor(lab, 'C2');
    const at = new Date(BASE + 8 * 60 * MIN).toISOString();
    const later = new Date(BASE + 9 * 60 * MIN).toISOString();
    const csv = `measured_at,analyte_code,level,lot,value,instrument,run\n${at},K,1,K1-C2,4.0,C2,A-7\n${later},K,2,K2-C2,6.0,C2,A-7\n`;
    const out = await postResults(t.db, lab, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv }), NOW);
    expect(out.runs).toHaveLength(1);
    expect((await storedRuns(lab.labId!, 'C2'))[0]).toMatchObject({ client: 'A-7', results: ['1@480=4', '2@540=6'] });
  });

  it('refuses a level twice in one client run (422, nothing written)', async () => {
    const at = BASE + 2 * DAY;
    const e = await appErrorAsync(() => post(lab, [row('C2', '1', 0, at, 'A-8'), row('C2', '1', 0.5, at + MIN, 'A-8')]));
    expect(e.status).toBe(422);
    expect(e.errors[0]).toMatchObject({ row: 2, field: 'level' });
    expect(await storedRuns(lab.labId!, 'C2')).toHaveLength(1);
  });

  it('refuses a level a stored client run already has, whether the new value was measured after the stored one or before it (422, nothing written, never a 500)', async () => {
    await targetsFor(lab, 'C3');
    const at = BASE + 3 * DAY;
    await post(lab, [row('C3', '1', 0, at + 10 * MIN, 'A-9')]);
    const before = await storedRuns(lab.labId!, 'C3');
    for (const when of [at + 20 * MIN, at]) {
      const e = await appErrorAsync(() => post(lab, [row('C3', '2', 0.2, at + 15 * MIN, 'A-9'), row('C3', '1', 0.5, when, 'A-9')]));
      expect(e.status).toBe(422);
      expect(e.errors).toEqual([expect.objectContaining({ row: 2, field: 'level', code: 'iqc.runLevelTaken' })]);
      expect(await storedRuns(lab.labId!, 'C3')).toEqual(before);
    }
  });
});

describe('late results', () => {
  it('a late level is placed in the run it belongs to: the one-level run becomes a two-level run, within-run 2-2s fires, the change is audited', async () => {
    await targetsFor(lab, 'L1');
    const at = BASE + 8 * 60 * MIN;
    const first = await post(lab, [row('L1', '2', 2.4, at + 10 * MIN)]);
    expect(first.runs[0].status).toBe('warning');
    const runId = first.runs[0].runId;
    // level 1 measured 10 minutes earlier arrives later: it starts the run, which keeps its id
    const late = await post(lab, [row('L1', '1', 2.3, at)]);
    expect(late.runs).toEqual([expect.objectContaining({ runId, status: 'rejected' })]);
    expect(await storedRuns(lab.labId!, 'L1')).toEqual([expect.objectContaining({ id: runId, start: at, results: ['1@480=4.23', '2@490=6.24'], action: 'open' })]);
  });

  it('a late result that regroups stored runs moves stored results (ids kept), withdraws an action no longer due, and is audited', async () => {
    await targetsFor(lab, 'L2');
    const at = BASE + 8 * 60 * MIN;
    // stored: A = L1 08:00 +2.5, L2 08:05 +2.5 (within-run 2-2s: rejected, open action); B = L1 08:20, L2 08:40
    await post(lab, [row('L2', '1', 2.5, at), row('L2', '2', 2.5, at + 5 * MIN), row('L2', '1', 0, at + 20 * MIN), row('L2', '2', 0, at + 40 * MIN)]);
    const before = await storedRuns(lab.labId!, 'L2');
    expect(before.map((r) => [r.results, r.status, r.action])).toEqual([
      [['1@480=4.25', '2@485=6.25'], 'rejected', 'open'],
      [['1@500=4', '2@520=6'], 'accepted', null],
    ]);
    const storedIds = (await t.db.select({ id: iqcResults.id }).from(iqcResults)).map((r) => r.id);
    // level 1 measured at 07:55 arrives late: it starts a run that takes L2 08:05 (L1 08:00 is held);
    // L1 08:00 starts the next run alone (L1 08:20 is held, L2 08:40 beyond 08:30); then L1 08:20 + L2 08:40
    const late = await post(lab, [row('L2', '1', 0, at - 5 * MIN)]);
    const after = await storedRuns(lab.labId!, 'L2');
    expect(after.map((r) => [r.results, r.status, r.violations, r.action])).toEqual([
      [['1@475=4', '2@485=6.25'], 'warning', ['1-2s:2'], 'resolved'],
      [['1@480=4.25'], 'warning', ['1-2s:1'], null],
      [['1@500=4', '2@520=6'], 'accepted', [], null],
    ]);
    // the run holding 08:05 keeps its id; every stored result keeps its id
    expect(after[0].id).toBe(before[0].id);
    expect(after[2].id).toBe(before[1].id);
    expect((await t.db.select({ id: iqcResults.id }).from(iqcResults)).map((r) => r.id)).toEqual(expect.arrayContaining(storedIds));
    expect(late.runs).toEqual([expect.objectContaining({ runId: before[0].id, status: 'warning' })]);
    const audit = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.results.ingest')).orderBy(auditLog.id)).at(-1)!;
    expect(audit.details).toMatchObject({ movedResults: 1, withdrawnActions: [before[0].id] });
    const action = first(await t.db.select().from(correctiveActions).where(eq(correctiveActions.runId, before[0].id)).limit(1))!;
    expect(action).toMatchObject({ status: 'resolved', resolvedBy: lab.userId });
    expect(action.cause).toMatch(/no longer rejected/);
  });
});

describe('invariant: the stored verdicts depend only on the set of results', () => {
  /** A random series: runs 5–150 minutes apart, each with a random subset of levels measured up to
   * 25 minutes after its start, some sent with a client run id, z in [−3.5, 3.5] (often beyond 2);
   * some runs' first level also measured at the same time on a parallel lot (a lot crossover). */
  const series = fc
    .array(
      fc.record({
        gap: fc.integer({ min: 5, max: 150 }),
        levels: fc.subarray(['1', '2', '3'], { minLength: 1 }),
        offsets: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 3, maxLength: 3 }),
        zs: fc.array(fc.integer({ min: -35, max: 35 }).map((x) => x / 10), { minLength: 3, maxLength: 3 }),
        client: fc.boolean(),
        parallel: fc.option(fc.integer({ min: -35, max: 35 }).map((x) => x / 10), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 30 },
    )
    .map((runs) => {
      let start = BASE + 8 * 60 * MIN;
      const out: { level: string; z: number; at: number; run?: string; lot?: string }[] = [];
      const seen = new Set<string>();
      runs.forEach((r, i) => {
        start += r.gap * MIN;
        r.levels.forEach((level, j) => {
          const at = start + r.offsets[j] * MIN;
          if (seen.has(`${level}@${at}`)) return;
          seen.add(`${level}@${at}`);
          out.push({ level, z: r.zs[j], at, ...(r.client ? { run: `R${i}` } : {}) });
          // the parallel lot's result at the same time (in a client run of its own: one level per run)
          if (j === 0 && r.parallel !== undefined) out.push({ level, z: r.parallel, at, lot: 'b', ...(r.client ? { run: `R${i}b` } : {}) });
        });
      });
      return out;
    });
  /** How the same results arrive: each in one of k requests (some sent twice), requests in random order. */
  const arrival = (n: number) =>
    fc.record({
      request: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
      twice: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      order: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    });

  let k = 0;
  it('random series, split into random requests in random order, give the same runs and verdicts as one batch (property test)', async () => {
    await fc.assert(
      fc.asyncProperty(
        series.chain((s) => fc.tuple(fc.constant(s), arrival(s.length))),
        async ([results, how]) => {
          const one = `B${k}`;
          const split = `S${k++}`;
          await targetsFor(lab, one);
          await targetsFor(lab, split);
          await post(lab, results.map((r) => row(one, r.level, r.z, r.at, r.run, r.lot)));
          const requests: Row[][] = Array.from({ length: 6 }, () => []);
          results.forEach((r, i) => {
            requests[how.request[i]].push(row(split, r.level, r.z, r.at, r.run, r.lot));
            if (how.twice[i]) requests[(how.request[i] + 1) % 6].push(row(split, r.level, r.z, r.at, r.run, r.lot));
          });
          const order = [0, 1, 2, 3, 4, 5].sort((a, b) => how.order[a] - how.order[b] || a - b);
          for (const i of order) if (requests[i].length) await post(lab, requests[i].reverse());
          const a = await verdicts(lab.labId!, one);
          const b = await verdicts(lab.labId!, split);
          expect(b).toEqual(a);
          // a corrective action is open exactly for each rejected run, whichever way the results came
          for (const runs of [await storedRuns(lab.labId!, one), await storedRuns(lab.labId!, split)]) {
            for (const r of runs) expect(r.action === 'open').toBe(r.status === 'rejected');
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('two lots of one level measured at one time (a lot crossover) are judged in the same order in one post and in three, whichever arrived first', async () => {
    // lot b at 0 and lot a at +2.5 SD on day 1, lot a at +2.5 SD again on day 2: in the order of the
    // data (same start, no run id: by first result, lot `K1-P1` before `K1-P1b`) lot b's 0 comes
    // last on day 1, so day 2 is a 1-2s warning, not a 2-2s with day 1's +2.5
    await targetsFor(lab, 'P1');
    await targetsFor(lab, 'P2');
    const day1 = BASE + 8 * 60 * MIN;
    const data = (instrument: string) => ({
      a1: row(instrument, '1', 2.5, day1),
      b1: row(instrument, '1', 0, day1, undefined, 'b'),
      a2: row(instrument, '1', 2.5, day1 + DAY),
    });
    const one = data('P1');
    await post(lab, [one.a1, one.b1, one.a2]);
    const split = data('P2');
    for (const r of [split.b1, split.a1, split.a2]) await post(lab, [r]);
    const batch = await verdicts(lab.labId!, 'P1');
    expect(batch.map((r) => [r.results, r.status, r.violations])).toEqual([
      [['1@480=4.25'], 'warning', ['1-2s:1']],
      [['1@480=4b'], 'accepted', []],
      [['1@1920=4.25'], 'warning', ['1-2s:1']],
    ]);
    expect(await verdicts(lab.labId!, 'P2')).toEqual(batch);
  });

  it('issue 9: a level present every other run, always at +0.5 SD, gives the same verdict (10x) as one batch and run by run', async () => {
    // level 1 at 0 in every run, level 2 at +0.5 in every other run: 20 runs a day apart
    const batch = await batchAndRunByRun(levelEvery(2, 20, DAY), 'X1', 'X2');
    // level 2's 10th value is in run 19 (runs 1, 3, …, 19): 10x on level 2 there, and nowhere before
    expect(batch.map((r) => r.status)).toEqual([...Array(18).fill('accepted'), 'rejected', 'accepted']);
    expect(batch[18].violations).toEqual(['10x:2']);
  });

  it('a level present every 20th run finds its history past the first 80 runs: run by run gives the 10x of one batch (PostgreSQL reads that far only when the judge needs it)', async () => {
    // level 1 at 0 in every run, level 2 at +0.5 in every 20th: 181 runs six hours apart. Posted run
    // by run, the run holding level 2's 10th value (run 181) is judged after 180 runs of history, of
    // which the first 80 hold 4 values of level 2
    const batch = await batchAndRunByRun(levelEvery(20, 181, 6 * 60 * MIN), 'H1', 'H2');
    expect(batch.map((r) => r.status)).toEqual([...Array(180).fill('accepted'), 'rejected']);
    expect(batch[180].violations).toEqual(['10x:2']);
  }, 60_000);

  it.each([
    [2047, 'rejected'],
    [2048, 'warning'],
  ])('a level last measured %i runs before (MAX_CONTEXT_RUNS = 2048 runs of history read) is judged alike in one batch and in a post of its own: %s', async (gap, status) => {
    // level 2 at +2.5 in the first and the last run, level 1 at 0 in every run, 40 minutes apart
    const runs = Array.from({ length: gap + 2 }, (_, i) => {
      const at = BASE + i * 40 * MIN;
      return i === 0 || i === gap + 1 ? [{ level: '1', z: 0, at }, { level: '2', z: 2.5, at: at + 5 * MIN }] : [{ level: '1', z: 0, at }];
    });
    const [one, posted] = [`G${gap}x`, `G${gap}y`];
    await targetsFor(lab, one);
    await targetsFor(lab, posted);
    await post(lab, runs.flat().map((r) => row(one, r.level, r.z, r.at)));
    await post(lab, runs.slice(0, -1).flat().map((r) => row(posted, r.level, r.z, r.at)));
    await post(lab, runs.at(-1)!.map((r) => row(posted, r.level, r.z, r.at)));
    const last = async (instrument: string) => (await verdicts(lab.labId!, instrument)).at(-1)!;
    expect(await last(one)).toMatchObject({ status });
    expect(await last(posted)).toEqual(await last(one));
  }, 120_000);
});

describe('excluding a single result', () => {
  const resultOf = async (runId: number, level: string) =>
    first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, runId), eq(iqcResults.level, level), eq(iqcResults.current, true))).limit(1))!;

  it('takes the value out of the rules, re-evaluates the series from its run on, withdraws an action no longer due and is audited; including it again restores the verdicts', async () => {
    await targetsFor(lab, 'E1');
    const at = BASE + 8 * 60 * MIN;
    // run 1: L1 +2.5 (1-2s warning); run 2 a day later: L1 +2.3 → 2-2s across runs on level 1: rejected
    const out = await post(lab, [row('E1', '1', 2.5, at), row('E1', '2', 0, at + 5 * MIN), row('E1', '1', 2.3, at + DAY), row('E1', '2', 0, at + DAY + 5 * MIN)]);
    expect(out.runs.map((r) => r.status)).toEqual(['warning', 'rejected']);
    const [r1, r2] = out.runs.map((r) => r.runId);
    const x = await excludeResult(t.db, lab, { resultId: (await resultOf(r1, '1')).id, reason: 'control vial left open' }, NOW);
    // both runs changed status: the run itself and the later one
    expect(x).toMatchObject({ excluded: true, runId: r1, status: 'accepted', reevaluated: 2 });
    const runs = await storedRuns(lab.labId!, 'E1');
    expect(runs.map((r) => [r.status, r.violations, r.action])).toEqual([
      ['accepted', [], null],
      ['warning', ['1-2s:1'], 'resolved'],
    ]);
    // the value stays stored (and on the chart) with its reason
    expect(await resultOf(r1, '1')).toMatchObject({ excluded: true, excludedReason: 'control vial left open' });
    const audit = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.result.exclude')).orderBy(auditLog.id)).at(-1)!;
    expect(audit.details).toMatchObject({ runId: r1, reason: 'control vial left open', statusBefore: 'warning', statusAfter: 'accepted', reevaluatedRuns: [r1, r2], withdrawnActions: [r2] });
    // the read API says which result is left out, so a client recomputing from it can leave it out too
    const q = { analyte: 'K', from: new Date(at - DAY).toISOString(), to: new Date(at + 2 * DAY).toISOString() };
    const apiRuns = (await runsForApiView(t.db, lab, { ...q, instrument: 'E1' }, NOW)).runs;
    expect(apiRuns.map((r) => r.results.map((x) => [x.level, x.excluded ?? false, x.excludedReason]))).toEqual([
      [['1', true, 'control vial left open'], ['2', false, undefined]],
      [['1', false, undefined], ['2', false, undefined]],
    ]);
    const apiResults = (await resultsForApiView(t.db, lab, q, NOW)).results.filter((r) => r.instrument === 'E1');
    expect(apiResults.filter((r) => 'excluded' in r)).toEqual([expect.objectContaining({ runId: r1, level: '1', excluded: true, excludedReason: 'control vial left open' })]);
    expect(apiResults).toHaveLength(4);

    expect(await includeResult(t.db, lab, { resultId: (await resultOf(r1, '1')).id }, NOW)).toMatchObject({ excluded: false, status: 'warning' });
    expect((await storedRuns(lab.labId!, 'E1')).map((r) => [r.status, r.action])).toEqual([
      ['warning', null],
      ['rejected', 'open'],
    ]);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.result.include'))).toHaveLength(1);
  });

  it.each([
    ['another lab\'s result (404)', () => other, { reason: 'x' }, 404],
    ['a regulator (reads, never excludes: 403)', () => t.regulators.gd, { reason: 'x' }, 403],
    ['no reason (422)', () => lab, { reason: '' }, 422],
    ['an unknown id (404)', () => lab, { reason: 'x', resultId: 99_999_999 }, 404],
  ])('refuses %s', async (_title, who, patch, status) => {
    const r = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab.labId!), eq(iqcResults.excluded, false))).limit(1))!;
    expect((await appError(async () => await excludeResult(t.db, who(), { resultId: r.id, ...patch }, NOW))).status).toBe(status);
  });

  it('a run whose every value is excluded is marked excluded (not "no target": its lot has one), judges nothing, and takes its verdict back when a value is included again', async () => {
    await targetsFor(lab, 'E2');
    const at = BASE + 9 * 60 * MIN;
    const out = await post(lab, [row('E2', '1', 3.5, at)]);
    expect(out.runs.map((r) => r.status)).toEqual(['rejected']);
    const only = await resultOf(out.runs[0].runId, '1');
    expect(await excludeResult(t.db, lab, { resultId: only.id, reason: 'wrong control vial' }, NOW)).toMatchObject({ status: 'excluded' });
    expect((await storedRuns(lab.labId!, 'E2')).map((r) => [r.status, r.violations, r.action])).toEqual([['excluded', [], 'resolved']]);
    expect(await includeResult(t.db, lab, { resultId: only.id }, NOW)).toMatchObject({ status: 'rejected' });
    // a run with no target stays "no target"
    const none = await post(lab, [{ ...row('E2', '1', 0, at + DAY), lot: 'K1-E2-untargeted' }]);
    expect(none.runs.map((r) => r.status)).toEqual(['no_target']);
  });

  it('refuses to exclude a result twice (409)', async () => {
    const r = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab.labId!), eq(iqcResults.excluded, false))).limit(1))!;
    await excludeResult(t.db, lab, { resultId: r.id, reason: 'haemolysed control' }, NOW);
    expect((await appError(async () => await excludeResult(t.db, lab, { resultId: r.id, reason: 'again' }, NOW))).status).toBe(409);
  });
});

describe('stored runs keep their own rule set; runs stored by the old timestamp grouping', () => {
  it('re-evaluating a stored run after a back-dated result keeps the rule set stored with it', async () => {
    await targetsFor(lab, 'R1');
    const at = BASE + 8 * 60 * MIN;
    const later = await post(lab, [row('R1', '1', 2.5, at + DAY), row('R1', '2', 0, at + DAY + 5 * MIN)]);
    const runId = later.runs[0].runId;
    // as if judged under an earlier rule set version: 1-3s only
    await t.db.update(iqcRuns).set({ rules: ['1-3s'], status: 'accepted' }).where(eq(iqcRuns.id, runId));
    await t.db.delete(iqcViolations).where(eq(iqcViolations.runId, runId));
    // a back-dated run with level 1 at +2.5: under the default set the stored run would now be 2-2s
    const back = await post(lab, [row('R1', '1', 2.5, at), row('R1', '2', 0, at + 5 * MIN)]);
    expect(back.runs[0]).toMatchObject({ status: 'warning' });
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, runId)).limit(1))).toMatchObject({ rules: ['1-3s'], status: 'accepted' });
    // a run formed anew (here: one that gains a level) gets its rule set chosen again
    await post(lab, [row('R1', '3', 0, at + DAY + 8 * MIN)]);
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, runId)).limit(1))!.rules).toEqual(['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x']);
  });

  it('regroups runs stored one per timestamp when a result arrives near them: the merged-away run goes, its corrective action moves to the run that took its results', async () => {
    await targetsFor(lab, 'O1');
    const at = BASE + 8 * 60 * MIN;
    const out = await post(lab, [row('O1', '1', 0, at), row('O1', '2', 3.5, at + 10 * MIN)]);
    const keep = out.runs[0].runId;
    // the old engine stored each timestamp as a run: L1 08:00 (accepted) and L2 08:10 (1-3s, rejected)
    const legacy = (await t.db
      .insert(iqcRuns)
      .values({ labId: lab.labId!, analyteId: first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, keep)).limit(1))!.analyteId, instrument: 'O1', measuredAt: at + 10 * MIN, status: 'rejected', rules: ['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x'], evaluatedAt: NOW, source: 'api', createdAt: NOW })
      .returning())[0].id;
    await t.db.update(iqcResults).set({ runId: legacy }).where(and(eq(iqcResults.runId, keep), eq(iqcResults.level, '2')));
    await t.db.update(correctiveActions).set({ runId: legacy }).where(eq(correctiveActions.runId, keep));
    await t.db.update(iqcViolations).set({ runId: legacy }).where(eq(iqcViolations.runId, keep));
    await t.db.update(iqcRuns).set({ status: 'accepted' }).where(eq(iqcRuns.id, keep));
    expect((await storedRuns(lab.labId!, 'O1')).map((r) => [r.id, r.results, r.status, r.action])).toEqual([
      [keep, ['1@480=4'], 'accepted', null],
      [legacy, ['2@490=6.35'], 'rejected', 'open'],
    ]);
    // level 3 at 08:20: the window of 08:00 takes all three
    await post(lab, [row('O1', '3', 0, at + 20 * MIN)]);
    expect((await storedRuns(lab.labId!, 'O1')).map((r) => [r.id, r.results, r.status, r.violations, r.action])).toEqual([
      [keep, ['1@480=4', '2@490=6.35', '3@500=8'], 'rejected', ['1-3s:2'], 'open'],
    ]);
    const audit = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.results.ingest')).orderBy(auditLog.id)).at(-1)!;
    expect(audit.details).toMatchObject({ movedResults: 1, removedRuns: [{ id: legacy, into: keep, action: { status: 'open', kept: true } }] });
  });
});

describe('a series\' latest run (dashboard, rule choices) when its instrument was replaced', () => {
  it('the old instrument\'s series keeps its last run; SQLite finds each series\' latest run in its own index range, not among the later runs of the other instruments', async () => {
    const manager = t.labManagers.get('GZ-004')!;
    await targetsFor(manager, 'OLD-A');
    await targetsFor(manager, 'NEW-A');
    const oldRuns = [0, 1, 2].map((i) => ['1', '2'].map((level) => row('OLD-A', level, 0.3 * i, BASE + i * DAY))).flat();
    const newRuns = Array.from({ length: 40 }, (_, i) => ['1', '2'].map((level) => row('NEW-A', level, 0.1 * (i % 5), BASE + 5 * DAY + i * DAY))).flat();
    await post(manager, [...oldRuns, ...newRuns]);
    const dashboard = await labDashboard(t.db, manager, null, NOW);
    expect(dashboard.rows.map((r) => [r.instrument, r.lastAt, r.runs])).toEqual([
      ['NEW-A', BASE + 44 * DAY, 40],
      ['OLD-A', BASE + 2 * DAY, 3],
    ]);
    const choices = await ruleChoicesAt(t.db, manager.labId!, NOW);
    expect(choices.map((c) => [c.instrument, c.runAt])).toEqual([
      ['NEW-A', BASE + 44 * DAY],
      ['OLD-A', BASE + 2 * DAY],
    ]);
    if (testBackend !== 'sqlite') return; // PostgreSQL plans by its own statistics
    // the statements that pick a series' latest run, and how SQLite runs them
    const plans = await sqlitePlans(t.db, /iqc_runs x\b/, async () => {
      await labDashboard(t.db, manager, null, NOW);
      await ruleChoicesAt(t.db, manager.labId!, NOW);
    });
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(plan.filter((d) => /\bx\b/.test(d))).toEqual([expect.stringMatching(/^SEARCH x USING (COVERING )?INDEX iqc_runs_series_time_idx \(lab_id=\? AND analyte_id=\? AND instrument=\?/)]);
  });
});

describe('a lab\'s results of a period (monthly summary, the results API without an analyte)', () => {
  // SQLite's plan (PostgreSQL plans by its own statistics and prunes the month's partitions)
  it.skipIf(testBackend !== 'sqlite')('are read one analyte\'s time range at a time, not by scanning every result the lab ever stored', async () => {
    const manager = t.labManagers.get('GZ-006')!;
    await targetsFor(manager, 'AU-P');
    await post(manager, [0, 1].map((i) => ['1', '2'].map((level) => row('AU-P', level, 0.2 * i, BASE + i * DAY))).flat());
    const plans = await sqlitePlans(t.db, /from "iqc_results"/, async () => {
      expect((await summaryValues(t.db, manager.labId!, BASE, NOW)).length).toBeGreaterThan(0);
      expect((await resultsForApi(t.db, manager.labId!, BASE, NOW)).length).toBeGreaterThan(0);
    });
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(plan.find((d) => /^(SEARCH|SCAN) "?iqc_results/.test(d))).toBe('SEARCH iqc_results USING INDEX iqc_results_lab_analyte_time_idx (lab_id=? AND analyte_id=? AND measured_at>? AND measured_at<?)');
  });
});
