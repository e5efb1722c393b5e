// EQA submissions of a lab in a round (current and history), their writes, counts per round, and
// the lab's IQC targets offered as a submission hint.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { analytes, controlLots, eqaSamples, eqaSubmissions, laboratories, qcTargets, regions } from '../schema';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';

export async function currentSubmissionsOfLab(db: Conn, roundId: number, labId: number) {
  return await db
    .select()
    .from(eqaSubmissions)
    .where(and(eq(eqaSubmissions.roundId, roundId), eq(eqaSubmissions.labId, labId), eq(eqaSubmissions.current, true)));
}

/** Every version a lab sent for a round (history), newest first. */
export async function submissionHistoryOfLab(db: Conn, roundId: number, labId: number) {
  return await db
    .select({
      id: eqaSubmissions.id,
      sample: eqaSamples.code,
      analyte: analytes.code,
      value: eqaSubmissions.value,
      category: eqaSubmissions.category,
      method: eqaSubmissions.method,
      instrument: eqaSubmissions.instrument,
      version: eqaSubmissions.version,
      current: eqaSubmissions.current,
      source: eqaSubmissions.source,
      submittedAt: eqaSubmissions.submittedAt,
    })
    .from(eqaSubmissions)
    .innerJoin(eqaSamples, eq(eqaSamples.id, eqaSubmissions.sampleId))
    .innerJoin(analytes, eq(analytes.id, eqaSubmissions.analyteId))
    .where(and(eq(eqaSubmissions.roundId, roundId), eq(eqaSubmissions.labId, labId)))
    .orderBy(asc(analytes.code), asc(eqaSamples.ordinal), desc(eqaSubmissions.version));
}

export async function supersedeSubmission(db: Conn, id: number) {
  await db.update(eqaSubmissions).set({ current: false }).where(eq(eqaSubmissions.id, id));
}

export async function insertSubmissions(db: Conn, rows: (typeof eqaSubmissions.$inferInsert)[]) {
  for (let i = 0; i < rows.length; i += 500) await db.insert(eqaSubmissions).values(rows.slice(i, i + 500));
}

/** How many labs within `scope` have a current result per analyte (participation while a round is
 * open; a city's regulator counts the city's labs, as its participants). */
export async function submittedLabCounts(db: Conn, roundId: number, scope: DataScope = { kind: 'all' }) {
  return await db
    .select({ analyteId: eqaSubmissions.analyteId, labs: sql<number>`count(distinct ${eqaSubmissions.labId})` })
    .from(eqaSubmissions)
    .innerJoin(laboratories, eq(laboratories.id, eqaSubmissions.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(eqaSubmissions.roundId, roundId), eq(eqaSubmissions.current, true), scopeWhere(scope, laboratories.id, regions.path)))
    .groupBy(eqaSubmissions.analyteId);
}

/**
 * The lab's current IQC targets (mean, SD) per analyte: the latest version of each of its control
 * lots' targets. For the submission sanity check.
 */
export async function labIqcTargets(db: Conn, labId: number, analyteIds: number[]) {
  if (!analyteIds.length) return [];
  return await db
    .select({ analyteId: controlLots.analyteId, level: controlLots.level, mean: qcTargets.mean, sd: qcTargets.sd })
    .from(qcTargets)
    .innerJoin(controlLots, eq(controlLots.id, qcTargets.controlLotId))
    .where(
      and(
        eq(controlLots.labId, labId),
        inArray(controlLots.analyteId, analyteIds),
        sql`${qcTargets.version} = (select max(t2.version) from qc_targets t2 where t2.control_lot_id = ${qcTargets.controlLotId})`,
      ),
    );
}
