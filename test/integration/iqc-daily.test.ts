// Daily IQC aggregates (iqc_daily_series, iqc_daily_lots, and the roll-ups iqc_daily_pairs,
// iqc_region_days, iqc_region_months) stay equal to a recomputation from the raw
// runs and results after any sequence of ingests (late results, day boundaries in UTC+8),
// corrections, exclusions and inclusions: property test on a real database (SQLite, or PostgreSQL in the integration-pg project). The expected
// figures are computed here in JavaScript from the raw rows, independently of the SQL under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { rawAll } from '@/db/dialect';
import { withTx } from '@/db/tx';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { dayOf } from '@/lib/calendar';
import { momentsOf } from '@/lib/stats';
import { rebuildIqcDaily } from '@/db/queries/daily-iqc-rebuild';
import { updateLabRow } from '@/db/queries/labs';
import { postResults } from '@/lib/services/iqc/api';
import { setManufacturerTargets } from '@/lib/services/iqc/targets';
import { correctResult, excludeResult, includeResult } from '@/lib/services/iqc/results';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
// 15:00 UTC: an hour before midnight in UTC+8, so runs and their results straddle day boundaries
const BASE = Date.UTC(2026, 9, 1, 15, 0);
const MEAN: Record<string, number> = { '1': 4, '2': 6, '3': 8 };

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  for (const instrument of ['A', 'B']) {
    await setManufacturerTargets(
      t.db,
      lab,
      { targets: ['1', '2', '3'].map((level) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, instrument, mean: MEAN[level], sd: 0.1, effectiveFrom: BASE - DAY })) },
      BASE - DAY,
    );
  }
});
afterAll(() => t.close());

const post = (results: unknown[]) =>
  postResults(t.db, lab, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) }), NOW);

/** Rows of a raw SQL query written for both backends, through `db` (the test database, or a
 * transaction of it). */
const rows = <T>(text: string, db: unknown = t.db) => rawAll<T>(db, sql.raw(text));

/** What the aggregates must hold, computed from the raw rows. */
async function expected() {
  const runs = await rows<{ labId: number; analyteId: number; instrument: string; measuredAt: number; status: string }>(
    'SELECT lab_id AS labId, analyte_id AS analyteId, instrument, measured_at AS measuredAt, status FROM iqc_runs',
  );
  const results = await rows<{ labId: number; analyteId: number; instrument: string; lotId: number; level: string; value: number; measuredAt: number; status: string }>(
    `SELECT r.lab_id AS labId, r.analyte_id AS analyteId, u.instrument, r.control_lot_id AS lotId, r.level, r.value, r.measured_at AS measuredAt, u.status
     FROM iqc_results r JOIN iqc_runs u ON u.id = r.run_id WHERE r.current = true AND r.excluded = false`,
  );
  const series = new Map<string, { runs: number; rejectedRuns: number; results: number; levels: Set<string> }>();
  const seriesOf = (labId: number, analyteId: number, instrument: string, at: number) => {
    const k = `${labId}|${analyteId}|${instrument}|${dayOf(at)}`;
    let s = series.get(k);
    if (!s) series.set(k, (s = { runs: 0, rejectedRuns: 0, results: 0, levels: new Set() }));
    return s;
  };
  for (const r of runs) {
    const s = seriesOf(r.labId, r.analyteId, r.instrument, r.measuredAt);
    s.runs++;
    if (r.status === 'rejected') s.rejectedRuns++;
  }
  const lots = new Map<string, { level: string; results: number; inControl: number[] }>();
  for (const r of results) {
    const s = seriesOf(r.labId, r.analyteId, r.instrument, r.measuredAt);
    s.results++;
    s.levels.add(r.level);
    const k = `${r.lotId}|${dayOf(r.measuredAt)}`;
    let l = lots.get(k);
    if (!l) lots.set(k, (l = { level: r.level, results: 0, inControl: [] }));
    l.results++;
    if (r.status !== 'rejected') l.inControl.push(r.value);
  }
  // roll-ups: levels per lab × analyte × day over all instruments, then per region (the lab's)
  const region = new Map((await rows<{ id: number; regionId: number }>('SELECT id, region_id AS regionId FROM laboratories')).map((l) => [l.id, l.regionId]));
  const pairLevels = new Map<string, Set<string>>();
  for (const r of results) {
    const k = `${r.labId}|${r.analyteId}|${dayOf(r.measuredAt)}`;
    if (!pairLevels.has(k)) pairLevels.set(k, new Set());
    pairLevels.get(k)!.add(r.level);
  }
  const regionDays = new Map<string, number>();
  const regionMonths = new Map<string, Set<string>>();
  for (const [k, levels] of pairLevels) {
    const [labId, analyteId, day] = k.split('|');
    const reg = region.get(Number(labId));
    if (levels.size >= 2) regionDays.set(`${reg}|${day}`, (regionDays.get(`${reg}|${day}`) ?? 0) + 1);
    const mk = `${reg}|${day.slice(0, 7)}`;
    if (!regionMonths.has(mk)) regionMonths.set(mk, new Set());
    regionMonths.get(mk)!.add(`${labId}|${analyteId}`);
  }
  return {
    pairs: [...pairLevels].map(([k, l]) => `${k}|${l.size}`).sort(),
    regionDays: [...regionDays].map(([k, n]) => `${k}|${n}`).sort(),
    regionMonths: [...regionMonths].map(([k, p]) => `${k}|${p.size}`).sort(),
    series: [...series].map(([k, s]) => `${k}|${s.runs}|${s.rejectedRuns}|${s.results}|${s.levels.size}`).sort(),
    lots: new Map([...lots].map(([k, l]) => [k, { level: l.level, results: l.results, ...momentsOf(l.inControl) }])),
  };
}

async function stored(db: unknown = t.db) {
  const keys = async (q: string) => (await rows<{ k: string }>(q, db)).map((r) => r.k).sort();
  const lots = new Map(
    (
      await rows<{ k: string; level: string; results: number; n: number; mean: number | null; sumSqDev: number }>(
        "SELECT control_lot_id || '|' || day AS k, level, results, n, mean, sum_sq_dev AS sumSqDev FROM iqc_daily_lots",
        db,
      )
    ).map((r) => [r.k, r]),
  );
  return {
    series: await keys("SELECT lab_id || '|' || analyte_id || '|' || instrument || '|' || day || '|' || runs || '|' || rejected_runs || '|' || results || '|' || levels AS k FROM iqc_daily_series"),
    lots,
    pairs: await keys("SELECT lab_id || '|' || analyte_id || '|' || day || '|' || levels AS k FROM iqc_daily_pairs"),
    regionDays: await keys("SELECT region_id || '|' || day || '|' || covered_pairs AS k FROM iqc_region_days"),
    regionMonths: await keys("SELECT region_id || '|' || month || '|' || pairs AS k FROM iqc_region_months"),
  };
}

async function expectAggregatesExact() {
  const want = await expected();
  const got = await stored();
  expect(got.series).toEqual(want.series);
  expect(got.pairs).toEqual(want.pairs);
  expect(got.regionDays).toEqual(want.regionDays);
  expect(got.regionMonths).toEqual(want.regionMonths);
  expect([...got.lots.keys()].sort()).toEqual([...want.lots.keys()].sort());
  for (const [k, w] of want.lots) {
    const g = got.lots.get(k)!;
    expect({ k, level: g.level, results: g.results, n: g.n }).toEqual({ k, level: w.level, results: w.results, n: w.n });
    if (w.n) {
      expect(g.mean).toBeCloseTo(w.mean, 9);
      expect(g.sumSqDev).toBeCloseTo(w.sumSqDev, 9);
    } else expect(g.mean).toBeNull();
  }
}

const rowArb = fc.record({
  instrument: fc.constantFrom('A', 'B'),
  level: fc.constantFrom('1', '2', '3'),
  z: fc.integer({ min: -45, max: 45 }).map((x) => x / 10),
  // minutes over 6 days, on a 7-minute grid so that runs form and re-form
  minute: fc.integer({ min: 0, max: Math.floor((6 * 24 * 60) / 7) }).map((x) => x * 7),
});
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ingest' as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('correct' as const), pick: fc.nat(), z: fc.integer({ min: -45, max: 45 }).map((x) => x / 10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('exclude' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('include' as const), pick: fc.nat() }) },
);

type Op = typeof opArb extends fc.Arbitrary<infer O> ? O : never;

async function pickResult(pick: number, excluded: boolean | null) {
  const found = (await rows<{ id: number; level: string; excluded: number | boolean }>('SELECT id, level, excluded FROM iqc_results WHERE current = true ORDER BY id')).filter(
    (r) => excluded === null || !!r.excluded === excluded,
  );
  return found.length ? found[pick % found.length] : undefined;
}

async function apply(op: Op) {
  try {
    if (op.kind === 'ingest') {
      await post(
        op.rows.map((r) => ({
          analyte: 'K',
          level: r.level,
          lot: `K${r.level}-${r.instrument}`,
          instrument: r.instrument,
          value: +(MEAN[r.level] + 0.1 * r.z).toFixed(4),
          measuredAt: new Date(BASE + r.minute * MIN).toISOString(),
        })),
      );
    } else if (op.kind === 'correct') {
      const r = await pickResult(op.pick, null);
      if (r) await correctResult(t.db, lab, { resultId: r.id, value: +(MEAN[r.level] + 0.1 * op.z + 0.00001).toFixed(5), reason: 'transcription error' }, NOW);
    } else if (op.kind === 'exclude') {
      const r = await pickResult(op.pick, false);
      if (r) await excludeResult(t.db, lab, { resultId: r.id, reason: 'clot' }, NOW);
    } else {
      const r = await pickResult(op.pick, true);
      if (r) await includeResult(t.db, lab, { resultId: r.id }, NOW);
    }
  } catch (e) {
    // refusals (a conflicting value for a lot and time, an unchanged correction) write nothing
    if (!(e instanceof AppError)) throw e;
  }
}

describe('daily IQC aggregates', () => {
  it('equal a recomputation from raw results after random ingests, corrections, exclusions and inclusions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const op of ops) {
          await apply(op);
          await expectAggregatesExact();
        }
      }),
      { numRuns: 25, seed: 11 },
    );
    // the generated data did reach both tables with rejections and more than one level a day
    const [counts] = await rows<{ rejected: number; multi: number }>('SELECT sum(rejected_runs) AS rejected, sum(CASE WHEN levels > 1 THEN 1 ELSE 0 END) AS multi FROM iqc_daily_series');
    expect(counts.rejected).toBeGreaterThan(0);
    expect(counts.multi).toBeGreaterThan(0);
  });

  it('equal a rebuild from scratch after every step: appends of new days, late results into old ones, corrections, exclusions', async () => {
    // another lab and analyte, two instruments sharing days: each ingest mixes days the series never
    // had (summed from the write plan, nothing read back) with days it had (read back), and days the
    // other instrument holds (the pair's levels read again). After every step the stored aggregates
    // equal rebuildIqcDaily's (the migration backfill's SQL), computed in a savepoint rolled back.
    const other = t.labManagers.get('GZ-002')!;
    const NA: Record<string, number> = { '1': 132, '2': 155 };
    await setManufacturerTargets(
      t.db,
      other,
      { targets: ['X', 'Y'].flatMap((instrument) => ['1', '2'].map((level) => ({ analyte: 'NA', level, lot: `NA${level}-${instrument}`, instrument, mean: NA[level], sd: 1.5, effectiveFrom: BASE - DAY }))) },
      BASE - DAY,
    );
    const postOther = (results: unknown[]) =>
      postResults(t.db, other, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) }), NOW);
    const pickOf = async (pick: number, excluded: boolean | null) => {
      const found = (
        await rows<{ id: number; level: string; excluded: number | boolean }>(
          `SELECT r.id, r.level, r.excluded FROM iqc_results r JOIN analytes a ON a.id = r.analyte_id WHERE r.current = true AND a.code = 'NA' AND r.lab_id = ${other.labId!} ORDER BY r.id`,
        )
      ).filter((r) => excluded === null || !!r.excluded === excluded);
      return found.length ? found[pick % found.length] : undefined;
    };
    // the rebuild runs in a transaction rolled back after the comparison
    const rolledBack = new Error('rolled back');
    const equalsRebuild = async () => {
      const incremental = await stored();
      try {
        await withTx(t.db, async (tx) => {
          await rebuildIqcDaily(tx);
          const rebuilt = await stored(tx);
          expect(incremental.series).toEqual(rebuilt.series);
          expect({ pairs: incremental.pairs, regionDays: incremental.regionDays, regionMonths: incremental.regionMonths }).toEqual({ pairs: rebuilt.pairs, regionDays: rebuilt.regionDays, regionMonths: rebuilt.regionMonths });
          expect([...incremental.lots.keys()].sort()).toEqual([...rebuilt.lots.keys()].sort());
          for (const [k, r] of rebuilt.lots) {
            const g = incremental.lots.get(k)!;
            expect({ k, level: g.level, results: g.results, n: g.n }).toEqual({ k, level: r.level, results: r.results, n: r.n });
            if (r.mean === null) expect(g.mean).toBeNull();
            else expect(g.mean).toBeCloseTo(r.mean, 9);
            expect(g.sumSqDev).toBeCloseTo(r.sumSqDev, 9);
          }
          throw rolledBack;
        });
      } catch (e) {
        if (e !== rolledBack) throw e;
      }
    };
    const row = fc.record({
      instrument: fc.constantFrom('X', 'Y'),
      level: fc.constantFrom('1', '2'),
      z: fc.integer({ min: -40, max: 40 }).map((x) => x / 10),
      // an hour over 20 days: late results land on days already stored, early ones on new days
      hour: fc.integer({ min: 0, max: 20 * 24 - 1 }),
      minute: fc.integer({ min: 0, max: 59 }),
    });
    const step = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('ingest' as const), rows: fc.array(row, { minLength: 1, maxLength: 60 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('correct' as const), pick: fc.nat(), z: fc.integer({ min: -40, max: 40 }).map((x) => x / 10) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('exclude' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('include' as const), pick: fc.nat() }) },
    );
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (ops) => {
        for (const op of ops) {
          try {
            if (op.kind === 'ingest') {
              await postOther(
                op.rows.map((r) => ({
                  analyte: 'NA',
                  level: r.level,
                  lot: `NA${r.level}-${r.instrument}`,
                  instrument: r.instrument,
                  value: +(NA[r.level] + 1.5 * r.z).toFixed(3),
                  measuredAt: new Date(BASE + r.hour * 3_600_000 + r.minute * MIN).toISOString(),
                })),
              );
            } else if (op.kind === 'correct') {
              const r = await pickOf(op.pick, null);
              if (r) await correctResult(t.db, other, { resultId: r.id, value: +(NA[r.level] + 1.5 * op.z + 0.0001).toFixed(4), reason: 'transcription error' }, NOW);
            } else {
              const r = await pickOf(op.pick, op.kind === 'include');
              if (r) (op.kind === 'exclude' ? await excludeResult(t.db, other, { resultId: r.id, reason: 'clot' }, NOW) : await includeResult(t.db, other, { resultId: r.id }, NOW));
            }
          } catch (e) {
            if (!(e instanceof AppError)) throw e;
          }
          await equalsRebuild();
          steps++;
        }
      }),
      { numRuns: 20, seed: 29 },
    );
    expect(steps).toBeGreaterThan(20);
    // the data reached both instruments on shared days, with rejections and covered days
    const [shared] = await rows<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT day FROM iqc_daily_series s JOIN analytes a ON a.id = s.analyte_id WHERE s.lab_id = ${other.labId!} AND a.code = 'NA' GROUP BY day HAVING count(DISTINCT instrument) = 2) AS x`,
    );
    expect(shared.n).toBeGreaterThan(0);
    expect((await rows<{ n: number }>(`SELECT sum(rejected_runs) AS n FROM iqc_daily_series WHERE lab_id = ${other.labId!}`))[0].n).toBeGreaterThan(0);
    await expectAggregatesExact();
  });

  it('a rebuild from scratch (the migration backfill) gives the same rows', async () => {
    const before = await stored();
    await rebuildIqcDaily(t.db);
    const after = await stored();
    expect(after.series).toEqual(before.series);
    expect({ pairs: after.pairs, regionDays: after.regionDays, regionMonths: after.regionMonths }).toEqual({ pairs: before.pairs, regionDays: before.regionDays, regionMonths: before.regionMonths });
    expect([...after.lots.keys()].sort()).toEqual([...before.lots.keys()].sort());
    for (const [k, b] of before.lots) {
      const a = after.lots.get(k)!;
      expect({ level: a.level, results: a.results, n: a.n }).toEqual({ level: b.level, results: b.results, n: b.n });
      // SQL sums (compensated) and JavaScript sums may differ in the last bits
      if (b.mean === null) expect(a.mean).toBeNull();
      else expect(a.mean).toBeCloseTo(b.mean, 12);
      expect(a.sumSqDev).toBeCloseTo(b.sumSqDev, 12);
    }
  });

  it('a lab moved to another region takes its coverage roll-ups with it', async () => {
    const [lab] = await rows<{ id: number; regionId: number }>("SELECT id, region_id AS regionId FROM laboratories WHERE code = 'GZ-001'");
    const [other] = await rows<{ id: number }>(`SELECT id FROM regions WHERE id <> ${lab.regionId} ORDER BY id DESC LIMIT 1`);
    expect((await stored()).regionDays.length).toBeGreaterThan(0);
    await updateLabRow(t.db, lab.id, { regionId: other.id }, NOW);
    await expectAggregatesExact();
    await updateLabRow(t.db, lab.id, { regionId: lab.regionId }, NOW);
    await expectAggregatesExact();
  });

  it("a pair's only result of a month excluded takes the pair out of the region's month, and back when included", async () => {
    // 2026-05-10 10:00 UTC+8: a month no other step reaches (no target yet: a no_target run)
    const at = Date.UTC(2026, 4, 10, 2, 0);
    const [region] = await rows<{ regionId: number }>("SELECT region_id AS regionId FROM laboratories WHERE code = 'GZ-001'");
    const month = async () => (await stored()).regionMonths.filter((k) => k.startsWith(`${region.regionId}|2026-05|`));
    expect(await month()).toEqual([]);
    await post([{ analyte: 'K', level: '1', lot: 'K1-A', instrument: 'A', value: 4.05, measuredAt: new Date(at).toISOString() }]);
    expect(await month()).toEqual([`${region.regionId}|2026-05|1`]);
    const [r] = await rows<{ id: number }>(`SELECT id FROM iqc_results WHERE measured_at = ${at} AND current = true`);
    await excludeResult(t.db, lab, { resultId: r.id, reason: 'clot' }, NOW);
    expect(await month()).toEqual([]);
    await expectAggregatesExact();
    await includeResult(t.db, lab, { resultId: r.id }, NOW);
    expect(await month()).toEqual([`${region.regionId}|2026-05|1`]);
    await expectAggregatesExact();
  });

  it('two ingests of one lab at once (two instruments, the same days) leave the roll-ups exact', async () => {
    // on PostgreSQL both transactions run concurrently on the pool: each moves the lab × analyte day
    // levels and the region's figures by delta, so the second must see the first's committed rows
    const at = (d: number, h: number) => new Date(Date.UTC(2026, 6, 1 + d, h, 0)).toISOString();
    const rowsOf = (instrument: string, level: string) =>
      Array.from({ length: 12 }, (_, d) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, instrument, value: MEAN[level], measuredAt: at(d, 2 + Number(level)) }));
    await Promise.all([post(rowsOf('A', '1')), post(rowsOf('B', '2')), post(rowsOf('A', '3'))]);
    const [region] = await rows<{ regionId: number }>("SELECT region_id AS regionId FROM laboratories WHERE code = 'GZ-001'");
    // every one of the 12 days has levels 1 and 3 on A and 2 on B: the pair has 3 levels, covered
    expect((await stored()).regionDays.filter((k) => k.startsWith(`${region.regionId}|2026-07-`))).toHaveLength(12);
    await expectAggregatesExact();
  });

  it('a hand-computed day: two in-control level-1 values and a rejected run', async () => {
    // fresh series on instrument C: 4.1 and 4.3 at 08:00 and 09:00 (UTC+8) → n 2, mean 4.2,
    // Σ(x − mean)² = 0.01 + 0.01 = 0.02; a 4.5 (z = +5) run rejected by 1_3s at 10:00 stays out of n.
    const day = Date.UTC(2026, 10, 20, 0, 0); // 08:00 UTC+8
    await setManufacturerTargets(t.db, lab, { targets: [{ analyte: 'K', level: '1', lot: 'K1-C', instrument: 'C', mean: 4, sd: 0.1, effectiveFrom: day - DAY }] }, day - DAY);
    return post([
      { analyte: 'K', level: '1', lot: 'K1-C', instrument: 'C', value: 4.1, measuredAt: new Date(day).toISOString() },
      { analyte: 'K', level: '1', lot: 'K1-C', instrument: 'C', value: 4.3, measuredAt: new Date(day + 60 * MIN).toISOString() },
      { analyte: 'K', level: '1', lot: 'K1-C', instrument: 'C', value: 4.5, measuredAt: new Date(day + 120 * MIN).toISOString() },
    ]).then(async () => {
      const s = await rows("SELECT runs, rejected_runs AS rejected, results, levels FROM iqc_daily_series WHERE instrument = 'C'");
      expect(s).toEqual([{ runs: 3, rejected: 1, results: 3, levels: 1 }]);
      const l = await rows<{ day: string; results: number; n: number; mean: number; ss: number }>(
        "SELECT d.day, d.results, d.n, d.mean, d.sum_sq_dev AS ss FROM iqc_daily_lots d JOIN control_lots c ON c.id = d.control_lot_id WHERE c.instrument = 'C'",
      );
      expect(l).toHaveLength(1);
      expect(l[0]).toMatchObject({ day: '2026-11-20', results: 3, n: 2 });
      expect(l[0].mean).toBeCloseTo(4.2, 12);
      expect(l[0].ss).toBeCloseTo(0.02, 12);
    });
  });
});
