// IQC of qualitative and ordinal items (issue 12; DOMAIN.md §4 "Qualitative IQC"), through the API
// handlers on a real SQLite file: control lots with an expected category (POST /api/v1/iqc/lots),
// results with the category code as `value` and an optional S/CO `signal` (POST /api/v1/iqc/results,
// JSON and CSV), runs rejected by a reactive negative control or an out-of-grade ordinal control (a
// corrective action opened), Westgard rules on the signal, 422 per row for a bad category, the daily
// aggregates and the both-controls coverage, and the verdict invariant for categorical series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, asc, eq } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { appError, appErrorAsync } from '../support/errors';
import { analytes, correctiveActions, iqcDailySeries, iqcResults, iqcRuns, iqcViolations } from '@/db/schema';
import type { ItemCategory } from '@/db/enums';
import type { Actor } from '@/lib/auth/core';
import { getRuns, postLot, postResults } from '@/lib/services/iqc/api';
import { lotsForApi } from '@/lib/services/iqc/api-reads';
import { qualitativeControlCoverage } from '@/db/queries/iqc-qualitative';
import { correctResult } from '@/lib/services/iqc/results';
import { monthlySummary } from '@/lib/services/iqc/summary';
import { mapSeq } from '@/lib/async';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** 2026-11-10 08:00 in Shanghai (00:00 UTC) */
const D1 = Date.UTC(2026, 10, 10, 0, 0);

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;

const cat = (code: string, nameEn: string, nameZh: string, aliases?: string[]): ItemCategory => ({ code, nameEn, nameZh, ...(aliases ? { aliases } : {}) });
/** A serology item (negative/positive, S/CO with cut-off 1) and a dipstick item (grades − … 3+). */
const HBS = 'TQ_HBSAG';
const PRO = 'TQ_UPRO';
const HBS_CATEGORIES = [cat('negative', 'Negative', '阴性', ['neg', '-']), cat('positive', 'Positive', '阳性', ['pos', '+'])];
const PRO_CATEGORIES = [cat('neg', 'Negative', '阴性', ['-']), cat('trace', 'Trace', '±', ['±']), cat('1+', '1+', '1+'), cat('2+', '2+', '2+'), cat('3+', '3+', '3+')];

const postJson = (path: string, body: unknown) =>
  new Request(`http://localhost/api/v1/iqc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const post = (results: unknown[], actor: Actor = lab) => postResults(t.db, actor, postJson('results', { results }), NOW);
const postCsv = (text: string) => postResults(t.db, lab, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: text }), NOW);

const iso = (at: number) => new Date(at).toISOString();
const hbs = (instrument: string, level: 'NEG' | 'POS', value: unknown, at: number, extra: Record<string, unknown> = {}) => ({ analyte: HBS, level, lot: `HBS-${level}-${instrument}`, value, measuredAt: iso(at), instrument, ...extra });
const pro = (instrument: string, level: 'L1' | 'L2', value: unknown, at: number, extra: Record<string, unknown> = {}) => ({ analyte: PRO, level, lot: `PRO-${level}-${instrument}`, value, measuredAt: iso(at), instrument, ...extra });

/** NEG expects 'negative' (no signal target), POS expects 'positive' with a signal target 3.0 ± 0.3 S/CO. */
async function hbsControls(instrument: string) {
  await postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'NEG', lot: `HBS-NEG-${instrument}`, instrument, expected: 'neg', effectiveFrom: iso(D1 - DAY) }), D1 - DAY);
  await postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'POS', lot: `HBS-POS-${instrument}`, instrument, expected: 'positive', mean: 3, sd: 0.3, effectiveFrom: iso(D1 - DAY) }), D1 - DAY);
}
async function proControls(instrument: string) {
  await postLot(t.db, lab, postJson('lots', { analyte: PRO, level: 'L1', lot: `PRO-L1-${instrument}`, instrument, expected: '-' }), D1 - DAY);
  await postLot(t.db, lab, postJson('lots', { analyte: PRO, level: 'L2', lot: `PRO-L2-${instrument}`, instrument, expected: '2+' }), D1 - DAY);
}

async function runsOf(instrument: string) {
  return (await mapSeq((await t.db
    .select()
    .from(iqcRuns)
    .where(and(eq(iqcRuns.labId, lab.labId!), eq(iqcRuns.instrument, instrument)))
    .orderBy(asc(iqcRuns.measuredAt), asc(iqcRuns.id))), async (r) => ({
      start: r.measuredAt,
      status: r.status,
      violations: (await t.db
        .select({ rule: iqcViolations.rule, levels: iqcViolations.levels })
        .from(iqcViolations)
        .where(eq(iqcViolations.runId, r.id)))
        .map((v) => `${v.rule}:${v.levels.join('+')}`)
        .sort(),
      results: (await t.db
        .select({ level: iqcResults.level, category: iqcResults.category, signal: iqcResults.signal, z: iqcResults.z })
        .from(iqcResults)
        .where(and(eq(iqcResults.runId, r.id), eq(iqcResults.current, true))))
        .map((x) => `${x.level}=${x.category}${x.signal === null ? '' : `@${x.signal}`}`)
        .sort(),
      action: first(await t.db.select({ status: correctiveActions.status }).from(correctiveActions).where(eq(correctiveActions.runId, r.id)).limit(1))?.status ?? null,
    })));
}
const resultCount = async () => (await t.db.select().from(iqcResults)).length;

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  const base = { unit: '', teaSource: 'test fixture', createdAt: NOW, updatedAt: NOW };
  await t.db
    .insert(analytes)
    .values([
      { ...base, code: HBS, nameEn: 'HBsAg (test)', nameZh: '乙肝表面抗原（测试）', category: 'serology', kind: 'qualitative', categories: HBS_CATEGORIES, signalUnit: 'S/CO', signalCutoff: 1 },
      { ...base, code: PRO, nameEn: 'Urine protein (test)', nameZh: '尿蛋白（测试）', category: 'urinalysis', kind: 'ordinal', categories: PRO_CATEGORIES },
    ]);
});
afterAll(() => t.close());

describe('control lots of categorical items (POST /api/v1/iqc/lots)', () => {
  it('take the expected category (aliases read as the catalogue code) and an optional signal target; GET lists them alike', async () => {
    await hbsControls('A1');
    const lots = (await lotsForApi(t.db, lab, {}, NOW)).filter((l) => l.analyte === HBS && l.instrument === 'A1');
    expect(lots).toEqual([
      { analyte: HBS, level: 'NEG', lot: 'HBS-NEG-A1', instrument: 'A1', mean: null, sd: null, source: null, effectiveFrom: null, expiresOn: null, expected: 'negative', expectedFrom: iso(D1 - DAY) },
      { analyte: HBS, level: 'POS', lot: 'HBS-POS-A1', instrument: 'A1', mean: 3, sd: 0.3, source: 'manufacturer', effectiveFrom: iso(D1 - DAY), expiresOn: null, expected: 'positive', expectedFrom: iso(D1 - DAY) },
    ]);
  });

  it('answer 422 on the field `expected` for a code that is not a category of the item, 409 for another category on a lot that has one', async () => {
    const bad = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'NEG', lot: 'X', expected: 'maybe' }), NOW));
    expect(bad.status).toBe(422);
    expect(bad.errors).toMatchObject([{ field: 'expected', code: 'value.notCategory' }]);
    const half = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'POS', lot: 'X', expected: 'positive', mean: 3 }), NOW));
    expect(half.errors.map((e) => e.field)).toEqual(['sd']);
    const taken = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'NEG', lot: 'HBS-NEG-A1', instrument: 'A1', expected: 'positive' }), NOW));
    expect(taken.status).toBe(409);
  });
});

describe('qualitative runs (negative and weak-positive control)', () => {
  it('accepts a run whose negative control reads negative and positive control positive (signal z = (3.3 − 3)/0.3 = 1)', async () => {
    const out = await post([hbs('A1', 'NEG', 'negative', D1, { signal: 0.21 }), hbs('A1', 'POS', 'POS', D1 + 5 * MIN, { signal: 3.3 })]);
    expect(out.runs).toMatchObject([{ analyte: HBS, status: 'accepted', violations: [] }]);
    const stored = await t.db.select().from(iqcResults).where(eq(iqcResults.analyteId, first(await t.db.select().from(analytes).where(eq(analytes.code, HBS)).limit(1))!.id));
    const pos = stored.find((r) => r.level === 'POS')!;
    const neg = stored.find((r) => r.level === 'NEG')!;
    // the numeric value of a reading is its signal; z only where the lot has a signal target
    expect([pos.category, pos.signal, pos.value, pos.z]).toEqual(['positive', 3.3, 3.3, expect.closeTo(1, 9)]);
    expect([neg.category, neg.signal, neg.value, neg.z]).toEqual(['negative', 0.21, 0.21, null]);
  });

  it('rejects a run with a reactive negative control (qual-mismatch on NEG) and opens a corrective action', async () => {
    const out = await post([hbs('A1', 'NEG', 'positive', D1 + DAY, { signal: 1.8 }), hbs('A1', 'POS', 'positive', D1 + DAY + 5 * MIN, { signal: 2.9 })]);
    expect(out.rejected).toBe(1);
    expect(out.runs).toMatchObject([{ status: 'rejected', violations: [{ rule: 'qual-mismatch', levels: ['NEG'] }] }]);
    const run = (await runsOf('A1')).find((r) => r.start === D1 + DAY)!;
    expect(run).toMatchObject({ status: 'rejected', violations: ['qual-mismatch:NEG'], action: 'open' });
  });

  it('rejects a run with a non-reactive positive control, read without a signal (grade as value, no z)', async () => {
    const out = await post([hbs('A1', 'NEG', '-', D1 + 2 * DAY), hbs('A1', 'POS', 'negative', D1 + 2 * DAY + MIN)]);
    expect(out.runs).toMatchObject([{ status: 'rejected', violations: [{ rule: 'qual-mismatch', levels: ['POS'] }] }]);
    const pos = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.level, 'POS'), eq(iqcResults.measuredAt, D1 + 2 * DAY + MIN))).limit(1))!;
    expect([pos.category, pos.signal, pos.value, pos.z]).toEqual(['negative', null, 0, null]);
  });

  it('judges the signal by the Westgard rules: a positive control reading positive at 4.0 S/CO (z = 3.33) is rejected by 1-3s', async () => {
    const out = await post([hbs('A1', 'NEG', 'negative', D1 + 3 * DAY, { signal: 0.2 }), hbs('A1', 'POS', 'positive', D1 + 3 * DAY + MIN, { signal: 4.0 })]);
    expect(out.runs[0].status).toBe('rejected');
    expect(out.runs[0].violations.map((v) => v.rule)).toContain('1-3s');
    expect(out.runs[0].violations.map((v) => v.rule)).not.toContain('qual-mismatch');
  });

  it('a run rejected by its category leaves the signal history, as any rejected run: the next +2.5 SD signal is a 1-2s warning, not 2-2s', async () => {
    await hbsControls('A2');
    // z = (3.75 − 3)/0.3 = 2.5 in both runs; the first is rejected by its reactive negative control
    const rows = [hbs('A2', 'NEG', 'positive', D1), hbs('A2', 'POS', 'positive', D1 + MIN, { signal: 3.75 }), hbs('A2', 'NEG', 'negative', D1 + DAY), hbs('A2', 'POS', 'positive', D1 + DAY + MIN, { signal: 3.75 })];
    const out = await post(rows);
    expect(out.runs.map((r) => [r.status, r.violations.map((v) => `${v.rule}:${v.levels.join('+')}`)])).toEqual([
      ['rejected', ['1-2s:POS', 'qual-mismatch:NEG']],
      ['warning', ['1-2s:POS']],
    ]);
  });

  it('GET /api/v1/iqc/runs gives the category code as `value` with its signal', async () => {
    const { runs } = await getRuns(t.db, lab, new Request(`http://localhost/api/v1/iqc/runs?analyte=${HBS}&instrument=A1&from=2026-11-10&to=2026-11-11`), NOW);
    expect(runs.map((r) => [r.status, r.results.map((x) => [x.level, x.value, x.signal])])).toEqual([
      ['accepted', [['NEG', 'negative', 0.21], ['POS', 'positive', 3.3]]],
      ['rejected', [['NEG', 'positive', 1.8], ['POS', 'positive', 2.9]]],
    ]);
  });
});

describe('ordinal controls (urine protein, expected grade, no grade of tolerance)', () => {
  it('accepts L1 − and L2 2+, rejects L2 read 3+ (one grade above its expected 2+) with a corrective action', async () => {
    await proControls('U1');
    const ok = await post([pro('U1', 'L1', '-', D1), pro('U1', 'L2', '2+', D1 + MIN)]);
    expect(ok.runs).toMatchObject([{ status: 'accepted' }]);
    const out = await post([pro('U1', 'L1', 'neg', D1 + DAY), pro('U1', 'L2', '3+', D1 + DAY + MIN)]);
    expect(out.runs).toMatchObject([{ status: 'rejected', violations: [{ rule: 'qual-mismatch', levels: ['L2'] }] }]);
    expect((await runsOf('U1')).map((r) => [r.status, r.action])).toEqual([
      ['accepted', null],
      ['rejected', 'open'],
    ]);
  });

  it('rejects a negative control read trace (±)', async () => {
    const out = await post([pro('U1', 'L1', '±', D1 + 2 * DAY), pro('U1', 'L2', '2+', D1 + 2 * DAY + MIN)]);
    expect(out.runs).toMatchObject([{ status: 'rejected', violations: [{ rule: 'qual-mismatch', levels: ['L1'] }] }]);
  });
});

describe('422 per row for values of the wrong kind, nothing saved', () => {
  it('JSON: a category that is not one of the item\'s, a bare number, a signal on a quantitative item', async () => {
    const before = await resultCount();
    const e = await appErrorAsync(() =>
      post([
        hbs('A1', 'NEG', 'negative', D1 + 5 * DAY),
        hbs('A1', 'POS', 'maybe', D1 + 5 * DAY + MIN),
        pro('U1', 'L2', 2, D1 + 5 * DAY),
        { analyte: 'K', level: '1', lot: 'K1', value: 4.1, signal: 1.2, measuredAt: iso(D1 + 5 * DAY) },
        hbs('A1', 'NEG', 'negative', D1 + 6 * DAY, { signal: 'high' }),
      ]),
    );
    expect(e.status).toBe(422);
    expect(e.errors.map((x) => [x.row, x.field, x.code])).toEqual([
      [2, 'value', 'value.notCategory'],
      [3, 'value', 'value.categoryNotNumber'],
      [4, 'signal', 'iqc.signalNotCategorical'],
      [5, 'signal', 'value.notNumber'],
    ]);
    expect(e.errors[0].message).toBe('"maybe" is not a result of TQ_HBSAG: use one of negative, positive');
    expect(await resultCount()).toBe(before);
  });

  it('CSV: the category code in `value`, S/CO in `signal`; a bad category reported by line and column', async () => {
    const before = await resultCount();
    const header = 'measured_at,analyte_code,level,lot,value,instrument,signal\n';
    const e = await appErrorAsync(() => postCsv(header + `2026-11-20 08:00,${HBS},NEG,HBS-NEG-A1,negative,A1,0.2\n2026-11-20 08:01,${HBS},POS,HBS-POS-A1,reactive,A1,3.1\n`));
    expect(e.errors.map((x) => [x.row, x.field, x.code])).toEqual([[3, 'value', 'value.notCategory']]);
    expect(await resultCount()).toBe(before);
    const ok = await postCsv(header + `2026-11-20 08:00,${HBS},NEG,HBS-NEG-A1,negative,A1,0.2\n2026-11-20 08:01,${HBS},POS,HBS-POS-A1,positive,A1,3.1\n`);
    expect(ok).toMatchObject({ inserted: 2, runs: [{ status: 'accepted' }] });
  });
});

describe('daily aggregates and the both-controls coverage', () => {
  it('count categorical runs, rejections and levels; tell per day whether both the negative and the positive control were run', async () => {
    // 2026-11-21: only the negative control
    await post([hbs('A1', 'NEG', 'negative', Date.UTC(2026, 10, 21, 0, 0))]);
    const hbsId = first(await t.db.select().from(analytes).where(eq(analytes.code, HBS)).limit(1))!.id;
    const daily = (await t.db
      .select()
      .from(iqcDailySeries)
      .where(and(eq(iqcDailySeries.labId, lab.labId!), eq(iqcDailySeries.analyteId, hbsId), eq(iqcDailySeries.instrument, 'A1')))
      .orderBy(asc(iqcDailySeries.day)))
      .map((d) => [d.day, d.runs, d.rejectedRuns, d.levels]);
    expect(daily).toEqual([
      ['2026-11-10', 1, 0, 2],
      ['2026-11-11', 1, 1, 2],
      ['2026-11-12', 1, 1, 2],
      ['2026-11-13', 1, 1, 2],
      ['2026-11-20', 1, 0, 2],
      ['2026-11-21', 1, 0, 1],
    ]);
    const coverage = await qualitativeControlCoverage(t.db, { labId: lab.labId!, analyteId: hbsId, fromDay: '2026-11-01', toDay: '2026-11-30' });
    expect(coverage.map((c) => [c.day, c.negative, c.positive, c.both])).toEqual([
      ['2026-11-10', true, true, true],
      ['2026-11-11', true, true, true],
      ['2026-11-12', true, true, true],
      ['2026-11-13', true, true, true],
      ['2026-11-20', true, true, true],
      ['2026-11-21', true, false, false],
    ]);
  });
});

describe('invariant: verdicts of a categorical series depend only on the set of results', () => {
  /** Random runs 5–150 min apart; each level read negative or positive, with or without a signal
   * (a POS signal in [1.8, 4.2] S/CO: z in [−4, 4] against 3.0 ± 0.3). */
  const series = fc
    .array(
      fc.record({
        gap: fc.integer({ min: 5, max: 150 }),
        levels: fc.subarray(['NEG', 'POS'] as const, { minLength: 1 }),
        offsets: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 2, maxLength: 2 }),
        reactive: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        signals: fc.array(fc.option(fc.integer({ min: 18, max: 42 }).map((x) => x / 10)), { minLength: 2, maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 20 },
    )
    .map((runs) => {
      let start = D1 + 4 * 60 * MIN;
      const out: { level: 'NEG' | 'POS'; value: string; signal: number | null; at: number }[] = [];
      for (const r of runs) {
        start += r.gap * MIN;
        r.levels.forEach((level, j) => {
          const at = start + r.offsets[j] * MIN;
          if (out.some((o) => o.level === level && o.at === at)) return;
          // mostly in category: the negative control reactive or the positive not, one time in four
          const inCategory = r.reactive[j] || r.offsets[j] % 4 !== 0;
          const positive = level === 'POS' ? inCategory : !inCategory;
          out.push({ level, value: positive ? 'positive' : 'negative', signal: level === 'POS' ? r.signals[j] : null, at });
        });
      }
      return out;
    });

  let k = 0;
  it('random series, split into random requests in random order, give the same runs and verdicts as one batch (property test)', async () => {
    await fc.assert(
      fc.asyncProperty(
        series.chain((s) => fc.tuple(fc.constant(s), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: s.length, maxLength: s.length }), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }))),
        async ([results, request, orderKeys]) => {
          const one = `QB${k}`;
          const split = `QS${k++}`;
          await hbsControls(one);
          await hbsControls(split);
          const rowOf = (instrument: string, r: (typeof results)[number]) => hbs(instrument, r.level, r.value, r.at, r.signal === null ? {} : { signal: r.signal });
          await post(results.map((r) => rowOf(one, r)));
          const requests: unknown[][] = [[], [], [], []];
          results.forEach((r, i) => requests[request[i]].push(rowOf(split, r)));
          const order = [0, 1, 2, 3].sort((a, b) => orderKeys[a] - orderKeys[b] || a - b);
          for (const i of order) if (requests[i].length) await post(requests[i].reverse());
          const a = await runsOf(one);
          const b = await runsOf(split);
          expect(b.map(({ action: _a, ...r }) => r)).toEqual(a.map(({ action: _a, ...r }) => r));
          for (const runs of [a, b]) for (const r of runs) expect(r.action === 'open').toBe(r.status === 'rejected');
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);
});

describe('a lot without an expected category', () => {
  it('gives runs without a verdict (no_target) until its expectation is set; the expectation takes effect after its last result and leaves earlier runs as they were', async () => {
    // lots created by the results themselves: nothing to judge against
    const first = await post([hbs('A4', 'NEG', 'positive', D1), hbs('A4', 'POS', 'positive', D1 + MIN)]);
    expect(first.runs).toMatchObject([{ status: 'no_target', violations: [] }]);
    const lotNeg = await postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'NEG', lot: 'HBS-NEG-A4', instrument: 'A4', expected: 'negative' }), D1 + DAY);
    expect(lotNeg.expectedFrom).toBe(iso(D1 + DAY));
    // a date before the lot's last result is refused
    const early = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', { analyte: HBS, level: 'POS', lot: 'HBS-POS-A4', instrument: 'A4', expected: 'positive', effectiveFrom: iso(D1) }), D1 + DAY));
    expect(early.status).toBe(409);
    const later = await post([hbs('A4', 'NEG', 'positive', D1 + 2 * DAY), hbs('A4', 'POS', 'positive', D1 + 2 * DAY + MIN)]);
    expect(later.runs).toMatchObject([{ status: 'rejected', violations: [{ rule: 'qual-mismatch', levels: ['NEG'] }] }]);
    expect((await runsOf('A4')).map((r) => r.status)).toEqual(['no_target', 'rejected']);
  });
});

describe('correcting a categorical reading', () => {
  it('a negative control misread as positive, corrected to negative with a reason: the run is accepted again and its action withdrawn', async () => {
    await hbsControls('A3');
    const out = await post([hbs('A3', 'NEG', 'positive', D1 + 4 * DAY), hbs('A3', 'POS', 'positive', D1 + 4 * DAY + MIN, { signal: 3.1 })]);
    expect(out.runs[0].status).toBe('rejected');
    const neg = first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, out.runs[0].runId), eq(iqcResults.level, 'NEG'))).limit(1))!;
    const bad = await appError(async () => await correctResult(t.db, lab, { resultId: neg.id, value: 'maybe', reason: 'typo' }, NOW));
    expect([bad.status, bad.errors.map((e) => [e.field, e.code])]).toEqual([422, [['value', 'value.notCategory']]]);
    const fixed = await correctResult(t.db, lab, { resultId: neg.id, value: 'neg', reason: 'transcribed from the wrong line' }, NOW);
    expect(fixed.status).toBe('accepted');
    const now = first(await t.db.select().from(iqcResults).where(eq(iqcResults.id, fixed.id)).limit(1))!;
    expect([now.category, now.signal, now.value, now.version, now.current]).toEqual(['negative', null, 0, 2, true]);
    expect(await runsOf('A3')).toMatchObject([{ status: 'accepted', violations: [], action: 'resolved' }]);
  });
});

describe('monthly review of categorical items', () => {
  it('takes statistics of signals only: A2 POS 3.75 S/CO twice (the first run rejected) → n 1 of 2, mean 3.75; no row for readings without a signal', async () => {
    const { rows } = await monthlySummary(t.db, lab, { month: '2026-11' }, NOW);
    const a2 = rows.filter((r) => r.analyte === HBS && r.instrument === 'A2');
    expect(a2.map((r) => [r.level, r.n, r.total, r.mean])).toEqual([['POS', 1, 2, 3.75]]);
    expect(rows.filter((r) => r.analyte === PRO)).toEqual([]);
  });
});
