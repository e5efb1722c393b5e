// The rule set of a run (issue 9 item 5, DOMAIN.md §4): sigma = (TEa − |bias|)/CV with the bias from
// the lab's two latest PUBLISHED EQA events before the run and the CV of the lab's own frozen
// targets (worst level); the lab's rule set versions by effective time; the default multirule with
// its reason otherwise. EQA and targets are written straight into the tables so that each number is
// the fixture's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { appError } from '../support/errors';
import { analytes, auditLog, controlLots, eqaEvaluations, eqaResultEvaluations, eqaRounds, eqaSchemes, iqcResults, iqcRuns, laboratories, qcTargets } from '@/db/schema';
import type { Actor } from '@/lib/auth/core';
import { loadLabContext } from '@/lib/services/iqc/engine';
import { ruleSelector, type RunLevelTarget } from '@/lib/services/iqc/sigma';
import { setRuleConfig } from '@/lib/services/iqc/rules';
import { ruleChoicesView } from '@/lib/services/iqc/rules';
import { monthlySummary, monthlySummaryCsv } from '@/lib/services/iqc/summary';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTargets } from '@/lib/services/iqc/targets';
import { first } from '@/db/dialect';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 10, 25, 4, 0);
const at = (daysAgo: number) => NOW - daysAgo * DAY;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;
let labId: number;
let kId: number;
let schemeId: number;
const lots: Record<string, number> = {};

async function lot(level: string, lotNumber: string, mean: number, sd: number, source: 'manufacturer' | 'lab_baseline', instrument = 'AU5800') {
  const l = (await t.db.insert(controlLots).values({ labId, analyteId: kId, level, lotNumber, instrument, createdAt: at(400) }).returning())[0];
  await t.db.insert(qcTargets).values({ labId: l.labId, controlLotId: l.id, version: 1, mean, sd, source, effectiveFrom: at(400), createdAt: at(400) });
  lots[lotNumber] = l.id;
  return l.id;
}

/** A round of the scheme with one evaluation whose K results of the lab deviate by `deviations` %. */
async function eqaEvent(code: string, closesDaysAgo: number, deviations: number[], opts: { published: boolean; publishedDaysAgo?: number } = { published: true }) {
  const published = opts.published;
  const r = (await t.db
    .insert(eqaRounds)
    .values({ schemeId, code, opensAt: at(closesDaysAgo + 20), closesAt: at(closesDaysAgo), status: published ? 'published' : 'evaluated', publishedAt: published ? at(opts.publishedDaysAgo ?? closesDaysAgo - 10) : null, createdAt: at(closesDaysAgo + 20) })
    .returning())[0];
  const e = (await t.db
    .insert(eqaEvaluations)
    .values({ roundId: r.id, version: 1, status: published ? 'published' : 'complete', algorithmVersion: 'test', parameters: {}, startedAt: at(closesDaysAgo), finishedAt: at(closesDaysAgo) })
    .returning())[0];
  for (const [i, d] of deviations.entries()) { await t.db.insert(eqaResultEvaluations).values({ evaluationId: e.id, labId, sampleId: 1000 + i, analyteId: kId, value: 4 * (1 + d / 100), deviation: 0.04 * d, percentDeviation: d, acceptable: true }); }
}

const K = (level: string, lotNumber: string, mean: number, sd: number): RunLevelTarget => ({ level, controlLotId: lots[lotNumber], mean, sd });

async function choose(targets: RunLevelTarget[], measuredAt: number, levelCount = targets.length) {
  const tea = new Map((await t.db.select({ id: analytes.id, tea: analytes.teaPercent }).from(analytes)).map((a) => [a.id, a.tea]));
  return (await ruleSelector(t.db, await loadLabContext(t.db, labId, tea))).at(kId, 'AU5800', levelCount, targets, measuredAt);
}

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  labId = lab.labId!;
  // the fixture: K with TEa 6 %
  kId = first(await t.db.select().from(analytes).where(eq(analytes.code, 'K')).limit(1))!.id;
  await t.db.update(analytes).set({ teaPercent: 6 }).where(eq(analytes.id, kId));
  const regionId = first(await t.db.select().from(laboratories).where(eq(laboratories.id, labId)).limit(1))!.regionId;
  schemeId = (await t.db.insert(eqaSchemes).values({ code: 'S-K', name: 'K scheme', regionId, createdAt: at(400) }).returning())[0].id;
  // CV 1 % on both levels, the lab's own baseline; level 2 of a second lot at CV 1.5 %
  await lot('1', 'K1', 4.0, 0.04, 'lab_baseline');
  await lot('2', 'K2', 6.0, 0.06, 'lab_baseline');
  await lot('2', 'K2-WIDE', 6.0, 0.09, 'lab_baseline');
  await lot('1', 'K1-MFR', 4.0, 0.04, 'manufacturer');
  await lot('3', 'K3', 8.0, 0.08, 'lab_baseline');
});
afterAll(() => t.close());

describe('sigma from the published EQA bias, not from IQC against the lab\'s own mean', () => {
  it('without a published EQA result: the default multirule, and why', async () => {
    const c = await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(200));
    expect(c).toMatchObject({ source: 'default', reasonCode: 'no_bias', sigma: null, bias: null, tea: 6, cv: { percent: 1, level: '1' } });
    expect(c.rules).toEqual(['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x']);
    expect(c.reason).toMatch(/no published EQA/);
  });

  it('an evaluated but unpublished round gives no bias', async () => {
    await eqaEvent('K-DRAFT', 190, [10, 10], { published: false });
    expect((await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(100))).reasonCode).toBe('no_bias');
  });

  it('the issue\'s fixture: CV 1 %, TEa 6 %, EQA bias 2.5 % → σ = 3.5 → the full multirule (< 4 row)', async () => {
    // published 150 days ago: deviations 2 and 3 %, mean 2.5 %
    await eqaEvent('K-2026-1', 160, [2, 3], { published: true, publishedDaysAgo: 150 });
    const c = await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(140));
    expect(c.source).toBe('sigma');
    expect(c.sigma).toBeCloseTo(3.5, 12);
    expect(c.bias).toEqual({ percent: 2.5, source: 'EQA K-2026-1', rounds: ['K-2026-1'] });
    expect(c.rules).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s', '8x']);
  });

  it('a run measured before the event was published does not see it', async () => {
    expect((await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(155))).reasonCode).toBe('no_bias');
  });

  it('the two latest events count: (2 + 3 − 4 − 4)/4 = −0.75 % → σ = 5.25 → 1-3s/2-2s/R-4s; a third, newer event pushes the oldest out', async () => {
    await eqaEvent('K-2026-2', 100, [-4, -4], { published: true, publishedDaysAgo: 90 });
    const before = await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(80));
    expect(before.bias?.percent).toBeCloseTo(-0.75, 12);
    expect(before.bias?.rounds).toEqual(['K-2026-2', 'K-2026-1']);
    expect(before.sigma).toBeCloseTo(5.25, 12);
    expect(before.rules).toEqual(['1-3s', '2-2s', 'R-4s']);
    // third event: 0 and +1 % → with K-2026-2: (−4 − 4 + 0 + 1)/4 = −1.75 % → σ = 4.25
    await eqaEvent('K-2026-3', 40, [0, 1], { published: true, publishedDaysAgo: 30 });
    const after = await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(20));
    expect(after.bias?.rounds).toEqual(['K-2026-3', 'K-2026-2']);
    expect(after.sigma).toBeCloseTo(4.25, 12);
    expect(after.rules).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s']);
  });

  it('the worst level decides: level 2 at CV 1.5 % gives σ = (6 − 1.75)/1.5 = 2.83', async () => {
    const c = await choose([K('1', 'K1', 4, 0.04), K('2', 'K2-WIDE', 6, 0.09)], at(20));
    expect(c.cv).toEqual({ percent: 1.5, level: '2' });
    expect(c.sigma).toBeCloseTo(4.25 / 1.5, 12);
    expect(c.rules).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s', '8x']);
  });

  it('three levels use the three-level rows: σ = 4.25 → 1-3s/2of3-2s/R-4s/3-1s', async () => {
    const c = await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06), K('3', 'K3', 8, 0.08)], at(20));
    expect(c.rules).toEqual(['1-3s', '2of3-2s', 'R-4s', '3-1s']);
  });

  it('a manufacturer target is not the lab\'s imprecision: default multirule, and why', async () => {
    const c = await choose([K('1', 'K1-MFR', 4, 0.04), K('2', 'K2', 6, 0.06)], at(20));
    expect(c).toMatchObject({ source: 'default', reasonCode: 'no_cv' });
    expect(c.reason).toMatch(/level 1/);
  });

  it('an analyte without a TEa %: default multirule, and why', async () => {
    await t.db.update(analytes).set({ teaPercent: null }).where(eq(analytes.id, kId));
    try {
      expect(await choose([K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)], at(20))).toMatchObject({ source: 'default', reasonCode: 'no_tea' });
    } finally {
      await t.db.update(analytes).set({ teaPercent: 6 }).where(eq(analytes.id, kId));
    }
  });

  it('a run with one level is judged with the two-level rows', async () => {
    expect((await choose([K('1', 'K1', 4, 0.04)], at(20), 1)).rules).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s']);
  });
});

describe('rule set versions', () => {
  it('a configured set is in force from its effective time; earlier runs keep the automatic choice', async () => {
    const r = await setRuleConfig(t.db, lab, { analyte: 'K', rules: ['1-3s', '2-2s'], reason: 'new analyser' }, at(10));
    expect(r).toMatchObject({ version: 1, rules: ['1-3s', '2-2s'], effectiveFrom: at(10) });
    const targets = [K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)];
    expect((await choose(targets, at(11))).source).toBe('sigma');
    expect(await choose(targets, at(9))).toMatchObject({ source: 'configured', rules: ['1-3s', '2-2s'], version: 1 });
    const audit = (await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'iqc.rules.set'), eq(auditLog.labId, labId)))).at(-1)!;
    expect(audit.details).toMatchObject({ analyte: 'K', version: 1, after: ['1-3s', '2-2s'], reason: 'new analyser' });
  });

  it('back to automatic is a new version too; each run keeps the version of its time', async () => {
    const r = await setRuleConfig(t.db, lab, { analyte: 'K', rules: [] }, at(5));
    expect(r).toMatchObject({ version: 2, rules: null });
    const targets = [K('1', 'K1', 4, 0.04), K('2', 'K2', 6, 0.06)];
    expect(await choose(targets, at(7))).toMatchObject({ source: 'configured', version: 1 });
    expect(await choose(targets, at(4))).toMatchObject({ source: 'sigma', version: 2 });
  });

  it.each([
    ['before the version in force', () => ({ analyte: 'K', rules: ['1-3s'], effectiveFrom: new Date(at(6)).toISOString() }), 409],
    ['with an unknown rule', () => ({ analyte: 'K', rules: ['2:2s'] }), 422],
  ])('refuses a version %s', async (_title, input, status) => {
    expect((await appError(async () => await setRuleConfig(t.db, lab, input(), at(1)))).status).toBe(status);
  });

  it('only the lab sets its rules (403 for a regulator)', async () => {
    expect((await appError(async () => await setRuleConfig(t.db, t.regulators.gd, { lab: 'GZ-001', analyte: 'K', rules: ['1-3s'] }, NOW))).status).toBe(403);
  });
});

/** A run of K on AU5800 with one value per [level, lot] (judged against the lot's target). */
async function kRun(measuredAt: number, values: (readonly [string, string, number])[]) {
  const run = (await t.db
    .insert(iqcRuns)
    .values({ labId, analyteId: kId, instrument: 'AU5800', measuredAt, status: 'accepted', rules: [], evaluatedAt: measuredAt, source: 'manual', createdAt: measuredAt })
    .returning())[0];
  for (const [level, lotNumber, value] of values) {
    const target = first(await t.db.select().from(qcTargets).where(eq(qcTargets.controlLotId, lots[lotNumber])).limit(1))!;
    await t.db.insert(iqcResults).values({ runId: run.id, labId, analyteId: kId, controlLotId: lots[lotNumber], level, value, measuredAt, targetId: target.id, z: (value - target.mean) / target.sd, createdAt: measuredAt });
  }
}

describe('the rule set the lab sees', () => {
  it('lists per analyte × instrument the choice of its latest judged run: sigma, bias with its rounds, CV', async () => {
    await kRun(at(3), [['1', 'K1', 4.01], ['2', 'K2', 5.99]]);
    const view = await ruleChoicesView(t.db, lab, {}, { page: 1, size: 200, sort: 'analyte', dir: 'asc', q: '' }, NOW);
    const k = view.rows.find((r) => r.analyte === 'K' && r.instrument === 'AU5800')!;
    expect(k.runAt).toBe(at(3));
    expect(k.levels.map((l) => [l.level, l.lot, l.source])).toEqual([
      ['1', 'K1', 'lab_baseline'],
      ['2', 'K2', 'lab_baseline'],
    ]);
    // version 2 (automatic) in force at day −3; events K-2026-3 and K-2026-2: bias −1.75 %, σ 4.25
    expect(k.choice).toMatchObject({ source: 'sigma', version: 2, bias: { rounds: ['K-2026-3', 'K-2026-2'] } });
    expect(k.choice.sigma).toBeCloseTo(4.25, 12);
    expect(view.versions.filter((v) => v.analyte === 'K').map((v) => [v.version, v.rules])).toEqual([
      [1, ['1-3s', '2-2s']],
      [2, []],
    ]);
  });

});

describe('the monthly review', () => {
  it('computes the sigma with the EQA bias (not the bias against the own target) and shows the rule set of each analyte × instrument', async () => {
    // level 1 in November: 4.01, 3.97, 4.05 → mean 4.01, SD 0.04 (hand), CV 0.04/4.01 %
    await kRun(at(2.5), [['1', 'K1', 3.97]]);
    await kRun(at(2), [['1', 'K1', 4.05]]);
    const s = await monthlySummary(t.db, lab, { month: '2026-11' }, NOW);
    const l1 = s.rows.find((r) => r.analyte === 'K' && r.level === '1' && r.lot === 'K1')!;
    expect(l1.mean).toBeCloseTo(4.01, 12);
    expect(l1.cv).toBeCloseTo(4 / 4.01, 10);
    // bias against the own target: +0.25 %; the sigma uses the EQA bias −1.75 % instead: 4.25 × 4.01/4
    expect(l1.biasPercent).toBeCloseTo(0.25, 10);
    expect(l1.eqaBias).toMatchObject({ rounds: ['K-2026-3', 'K-2026-2'] });
    expect(l1.sigma).toBeCloseTo(4.260625, 9);
    const choice = s.choices.find((c) => c.analyte === 'K' && c.instrument === 'AU5800')!;
    expect(choice.runAt).toBe(at(2));
    expect(choice.choice).toMatchObject({ source: 'sigma', rules: ['1-3s', '2-2s', 'R-4s', '4-1s'] });
    const csv = (await monthlySummaryCsv(t.db, lab, { month: '2026-11' }, NOW)).csv.split('\r\n');
    expect(csv[0]).toMatch(/,eqa_bias_percent,eqa_bias_source$/);
    expect(csv.find((l) => l.includes(',K,AU5800,1,K1,'))).toMatch(/,-1\.75,EQA K-2026-3, K-2026-2$|,-1\.75,"EQA K-2026-3, K-2026-2"$/);
  });
});

describe('through the ingest', () => {
  it('each run stores the rules chosen for its own time: σ 4.25 now, σ 5.25 for a back-dated run before K-2026-3 was published', async () => {
    const run = (daysAgo: number) => [
      { analyte: 'K', level: '1', lot: 'K1', instrument: 'AU5800', value: 4.0, measuredAt: new Date(at(daysAgo)).toISOString() },
      { analyte: 'K', level: '2', lot: 'K2', instrument: 'AU5800', value: 6.0, measuredAt: new Date(at(daysAgo) + 5 * 60_000).toISOString() },
    ];
    const now = await ingestResults(t.db, lab, { results: run(1) }, { source: 'api', now: NOW });
    expect(now.runs).toHaveLength(1);
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, now.runs[0].runId)).limit(1))!.rules).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s']);
    // 35 days ago (before K-2026-3 was published 30 days ago, no configured version yet): σ 5.25
    const back = await ingestResults(t.db, lab, { results: run(35) }, { source: 'api', now: NOW });
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, back.runs[0].runId)).limit(1))!.rules).toEqual(['1-3s', '2-2s', 'R-4s']);
    // the later run keeps its own rules after the back-dated one is judged
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, now.runs[0].runId)).limit(1))!.rules).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s']);
  });
});

describe('the rule set in force, paged', () => {
  it('pages the list on the server: a page of it, its total, filtered by item code or name or by instrument; the versions whole', async () => {
    const page = (over: { page?: number; size?: number; q?: string; dir?: 'asc' | 'desc' }) => ruleChoicesView(t.db, lab, {}, { page: 1, size: 200, sort: 'analyte', dir: 'asc', q: '', ...over }, NOW);
    // five more items on two instruments, each with a judged run (targets first)
    const items = ['GLU', 'NA', 'ALB', 'CREA', 'UREA'];
    await setManufacturerTargets(t.db, lab, { targets: items.flatMap((analyte, i) => ['1', '2'].map((level) => ({ analyte, level, lot: `${analyte}-P${level}`, instrument: i % 2 ? 'C702' : 'AU5800', mean: 10, sd: 0.2, effectiveFrom: at(10) }))) }, at(10));
    await ingestResults(t.db, lab, { results: items.flatMap((analyte, i) => ['1', '2'].map((level) => ({ analyte, level, lot: `${analyte}-P${level}`, instrument: i % 2 ? 'C702' : 'AU5800', value: 10.1, measuredAt: new Date(at(2)).toISOString() }))) }, { source: 'api', now: NOW });
    const all = await page({});
    expect(all.total).toBe(all.rows.length);
    expect(all.rows.map((r) => r.analyte)).toEqual(expect.arrayContaining(['K', ...items]));
    const second = await page({ page: 2, size: 2 });
    expect(second).toMatchObject({ total: all.total, versions: all.versions });
    expect(second.rows).toEqual(all.rows.slice(2, 4));
    expect((await page({ dir: 'desc', size: 1 })).rows).toEqual(all.rows.slice(-1));
    // the item's code, its name in either language, its instrument (any case)
    const k = all.rows.filter((r) => r.analyte === 'K');
    const nameZh = k[0].nameZh;
    for (const q of ['K', nameZh, 'au5800']) {
      const found = await page({ q });
      expect(found.total, q).toBe(found.rows.length);
      expect(found.rows.length, q).toBeGreaterThan(0);
      expect(found.rows.every((r) => [r.analyte, r.nameZh, r.nameEn, r.instrument].some((v) => v.toLowerCase().includes(q.toLowerCase()))), q).toBe(true);
    }
    expect((await page({ q: nameZh })).rows).toEqual(all.rows.filter((r) => r.nameZh.includes(nameZh) || r.nameEn.includes(nameZh)));
    expect(await page({ q: 'no such item' })).toMatchObject({ rows: [], total: 0 });
  });
});
