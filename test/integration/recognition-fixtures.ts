// Small evidence builders for the recognition tests: IQC runs and results, corrective actions, and
// graded EQA rounds written straight into the tables (the IQC and EQA services are other parts'
// concern; recognition only reads these tables). The daily IQC aggregates the IQC services keep in
// the same transaction are rebuilt after each raw write here (rebuildIqcDaily).
import { mapSeq } from '@/lib/async';
import { eq } from 'drizzle-orm';
import { rebuildIqcDaily } from '@/db/queries/daily-iqc-rebuild';
import type { DB } from '@/db/client';
import {
  analytes,
  controlLots,
  correctiveActions,
  eqaAnalyteScores,
  eqaEvaluations,
  eqaRounds,
  eqaSchemes,
  iqcResults,
  iqcRuns,
  laboratories,
  regions,
} from '@/db/schema';
import { addDays, dayOf, isWorkingDay, startOfDay } from '@/lib/calendar';
import { workCalendarForPath } from '@/lib/services/recognition/calendar';
import { first } from '@/db/dialect';

/** The tests' clock: Monday 2026-06-15, 12:00 in Shanghai. */
export const NOW = Date.parse('2026-06-15T04:00:00Z');
export const TODAY = '2026-06-15';
let clock = { now: NOW, today: TODAY };
/** Lay evidence out relative to another instant (the browser test uses the real clock). */
export function setEvidenceClock(now: number) {
  clock = { now, today: dayOf(now) };
}
const HOUR = 3600 * 1000;

export const labId = async (db: DB, code: string) => first(await db.select().from(laboratories).where(eq(laboratories.code, code)).limit(1))!.id;
export const analyteId = async (db: DB, code: string) => first(await db.select().from(analytes).where(eq(analytes.code, code)).limit(1))!.id;

export interface IqcOptions {
  /** share of the working days of the last 90 days with a run (1 = every one) */
  coverage?: number;
  /** control levels per run */
  levels?: number;
  /** half-range of the values around 100 and 200 (alternating ±): CV ≈ spread % at level 1 */
  spread?: number;
  /** measure on exactly these days instead (coverage is then ignored) */
  days?: string[];
}

/** The working days (national calendar of the database: 2026 holidays and make-up days seeded) of
 * the 90 days before today, oldest first. */
export async function workingDays90(db: DB): Promise<string[]> {
  const calendar = await workCalendarForPath(db, null, addDays(clock.today, -91), clock.today);
  const days: string[] = [];
  for (let i = 90; i >= 1; i--) if (isWorkingDay(addDays(clock.today, -i), calendar)) days.push(addDays(clock.today, -i));
  return days;
}

/** Runs on the working days of the 90 days before today, alternating values mean ± spread. */
export async function addIqc(db: DB, lab: number, analyte: number, o: IqcOptions = {}) {
  const coverage = o.coverage ?? 1;
  const levels = o.levels ?? 2;
  const spread = o.spread ?? 1;
  const lots = await mapSeq(Array.from({ length: levels }, (_, i) => i), async (i) =>
    (await db
      .insert(controlLots)
      .values({ labId: lab, analyteId: analyte, level: `L${i + 1}`, lotNumber: `LOT-${lab}-${analyte}-${i + 1}`, createdAt: clock.now })
      .onConflictDoNothing()
      .returning())[0],
  );
  const days = o.days ?? await workingDays90(db);
  const keep = o.days ? days.length : Math.round(days.length * coverage);
  for (const [k, day] of days.slice(days.length - keep).entries()) {
    const at = startOfDay(day) + 9 * HOUR;
    const run = (await db
      .insert(iqcRuns)
      .values({ labId: lab, analyteId: analyte, measuredAt: at, status: 'accepted', rules: [], evaluatedAt: at, source: 'seed', createdAt: at })
      .returning())[0];
    for (const [i, lot] of lots.entries()) {
      const mean = 100 * (i + 1);
      const value = mean + (k % 2 === 0 ? 1 : -1) * spread * (i + 1);
      await db.insert(iqcResults).values({ runId: run.id, labId: lab, analyteId: analyte, controlLotId: lot!.id, level: lot!.level, value, measuredAt: at, createdAt: at });
    }
  }
  await rebuildIqcDaily(db);
}

/** Control values of one instrument × lot × level, laid on consecutive working days from `firstDay`
 * (an index into workingDays90). */
export interface ControlSeries {
  instrument?: string;
  lot: string;
  level: string;
  firstDay: number;
  values: number[];
}

/** One accepted run per working day and instrument holding that day's value of every series. */
export async function addControlSeries(db: DB, lab: number, analyte: number, series: ControlSeries[]) {
  const days = await workingDays90(db);
  const runs = new Map<string, number>();
  for (const s of series) {
    const instrument = s.instrument ?? '';
    const lot = (await db
      .insert(controlLots)
      .values({ labId: lab, analyteId: analyte, level: s.level, lotNumber: s.lot, instrument, createdAt: clock.now })
      .returning())[0];
    for (const [i, value] of s.values.entries()) {
      const day = days[s.firstDay + i];
      if (!day) throw new Error(`series ${s.lot} runs past yesterday`);
      const at = startOfDay(day) + 9 * HOUR;
      let runId = runs.get(`${day}|${instrument}`);
      if (runId === undefined) {
        runId = (await db.insert(iqcRuns).values({ labId: lab, analyteId: analyte, instrument, measuredAt: at, status: 'accepted', rules: [], evaluatedAt: at, source: 'seed', createdAt: at }).returning())[0].id;
        runs.set(`${day}|${instrument}`, runId);
      }
      await db.insert(iqcResults).values({ runId, labId: lab, analyteId: analyte, controlLotId: lot.id, level: s.level, value, measuredAt: at, createdAt: at });
    }
  }
  await rebuildIqcDaily(db);
}

/** n values alternating mean − h, mean + h. */
export const alternating = (mean: number, h: number, n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? mean - h : mean + h));

/** A rejected run `daysAgo` days ago, with its corrective action in the given state (or none). */
/** A rejected run measured `daysAgo`, stored `importedDaysAgo` (later for QC imported late), with its corrective action. */
export async function addRejectedRun(db: DB, lab: number, analyte: number, daysAgo: number, action: 'none' | 'open' | 'resolved', importedDaysAgo = daysAgo) {
  const at = clock.now - daysAgo * 24 * HOUR;
  const run = (await db
    .insert(iqcRuns)
    .values({ labId: lab, analyteId: analyte, measuredAt: at, status: 'rejected', rules: ['1-3s'], evaluatedAt: at, source: 'seed', createdAt: clock.now - importedDaysAgo * 24 * HOUR })
    .returning())[0];
  if (action !== 'none')
    await db.insert(correctiveActions)
      .values({ runId: run.id, labId: lab, analyteId: analyte, status: action, openedAt: at, resolvedAt: action === 'resolved' ? at + HOUR : null });
  await rebuildIqcDaily(db);
  return run.id;
}

let roundSeq = 0;

/** One scheme per test database, in Guangdong. */
async function scheme(db: DB) {
  const existing = first(await db.select().from(eqaSchemes).where(eq(eqaSchemes.code, 'T-CHEM')).limit(1));
  if (existing) return existing.id;
  const gd = first(await db.select().from(regions).where(eq(regions.code, '440000')).limit(1))!;
  return (await db.insert(eqaSchemes).values({ code: 'T-CHEM', name: '测试化学', regionId: gd.id, createdAt: clock.now }).returning())[0].id;
}

export type Grade = 'S' | 'U' | 'X'; // satisfactory, unsatisfactory, unsatisfactory and unsuccessful

/**
 * Graded, published rounds for one pair, oldest first, one month apart and ending `endDaysAgo` days
 * ago. Returns the round ids.
 */
export async function addEqa(db: DB, lab: number, analyte: number, grades: Grade[], o: { status?: 'published' | 'evaluated'; endDaysAgo?: number } = {}) {
  const schemeId = await scheme(db);
  const ids: number[] = [];
  for (const [i, g] of grades.entries()) {
    const closesAt = clock.now - ((o.endDaysAgo ?? 20) + 30 * (grades.length - 1 - i)) * 24 * HOUR;
    const round = (await db
      .insert(eqaRounds)
      .values({ schemeId, code: `T-${++roundSeq}`, opensAt: closesAt - 14 * 24 * HOUR, closesAt, status: o.status ?? 'published', publishedAt: closesAt + HOUR, createdAt: closesAt - 15 * 24 * HOUR })
      .returning())[0];
    const evaluation = (await db
      .insert(eqaEvaluations)
      .values({ roundId: round.id, version: 1, status: o.status === 'evaluated' ? 'complete' : 'published', algorithmVersion: 'test', parameters: {}, startedAt: closesAt, finishedAt: closesAt })
      .returning())[0];
    const score = g === 'S' ? 100 : 60;
    await db.insert(eqaAnalyteScores)
      .values({ evaluationId: evaluation.id, roundId: round.id, labId: lab, analyteId: analyte, samples: 5, acceptableCount: score / 20, score, verdict: g === 'S' ? 'satisfactory' : 'unsatisfactory', notSubmitted: false, unsuccessful: g === 'X' });
    ids.push(round.id);
  }
  return ids;
}

/** Everything a pair needs to be eligible under the default policy. */
export async function addGoodEvidence(db: DB, lab: number, analyte: number) {
  await addIqc(db, lab, analyte);
  await addEqa(db, lab, analyte, ['S', 'S', 'S']);
}
