// The evidence the eligibility engine reads per batch of labs, besides the daily IQC aggregates
// (./daily-iqc.ts): graded EQA rounds, overdue rejected runs without a resolved corrective action,
// and the pairs that already have a stored verdict. One query per kind of evidence and chunk of labs.
import { inArray, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { eligibilityResults } from '../schema';
import { rawAll } from '@/db/dialect';

const CHUNK = 400;
function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}
/** push without spreading (a spread of 100k rows overflows the call stack) */
function pushAll<T>(out: T[], rows: T[]) {
  for (const r of rows) out.push(r);
}
const idList = (ids: readonly number[]) => sql.join(ids.map((i) => sql`${i}`), sql`, `);

// ---------------------------------------------------------------------------------------------
// Evidence (tables written by the IQC and EQA parts; read-only here)

export interface EqaScoreRow {
  labId: number;
  analyteId: number;
  roundId: number;
  roundCode: string;
  closesAt: number;
  publishedAt: number | null;
  score: number;
  verdict: 'satisfactory' | 'unsatisfactory';
  notSubmitted: number;
  unsuccessful: number;
}

/**
 * Graded EQA results of these labs, newest round first per lab × analyte. Only **published** rounds
 * count, and of each round only its latest non-superseded evaluation (the published one first):
 * an evaluated but unpublished round can still be re-evaluated and its participants have not seen
 * it, so recognition never rests on it.
 */
export async function eqaScoresForLabs(db: Conn, labIds: readonly number[]): Promise<EqaScoreRow[]> {
  const out: EqaScoreRow[] = [];
  for (const ids of chunks(labIds)) {
    pushAll(out, 
      await rawAll<EqaScoreRow>(db, sql`
        SELECT s.lab_id AS labId, s.analyte_id AS analyteId, s.round_id AS roundId, r.code AS roundCode,
               r.closes_at AS closesAt, r.published_at AS publishedAt, s.score AS score, s.verdict AS verdict,
               s.not_submitted AS notSubmitted, s.unsuccessful AS unsuccessful
        FROM eqa_analyte_scores s
        JOIN eqa_rounds r ON r.id = s.round_id AND r.status = 'published'
        WHERE s.lab_id IN (${idList(ids)})
          AND s.evaluation_id = (
            SELECT e.id FROM eqa_evaluations e
            WHERE e.round_id = s.round_id AND e.status IN ('published', 'complete')
            ORDER BY (e.status = 'published') DESC, e.version DESC LIMIT 1)
        ORDER BY s.lab_id, s.analyte_id, r.closes_at DESC, r.id DESC`),
    );
  }
  return out;
}

// IQC level-days and CV moments per control lot: db/queries/daily-iqc.ts (daily aggregates).

/** Rejected runs measured before `beforeMs` whose corrective action is missing or still open. */
export async function overdueRejectedRuns(db: Conn, labIds: readonly number[], beforeMs: number) {
  const out: { labId: number; analyteId: number; runId: number; measuredAt: number; actionId: number | null; storedAt: number }[] = [];
  for (const ids of chunks(labIds)) {
    pushAll(out, 
      await rawAll<{ labId: number; analyteId: number; runId: number; measuredAt: number; actionId: number | null; storedAt: number }>(db, sql`
        SELECT r.lab_id AS labId, r.analyte_id AS analyteId, r.id AS runId, r.measured_at AS measuredAt, ca.id AS actionId, r.created_at AS storedAt
        FROM iqc_runs r LEFT JOIN corrective_actions ca ON ca.run_id = r.id
        WHERE r.lab_id IN (${idList(ids)}) AND r.status = 'rejected' AND r.measured_at < ${beforeMs}
          AND (ca.id IS NULL OR ca.status != 'resolved')
        ORDER BY r.measured_at`),
    );
  }
  return out;
}

/** The lab × analyte pairs that already have a stored verdict (recomputed so none goes stale). */
export async function eligibilityPairsForLabs(db: Conn, labIds: readonly number[]) {
  const out: { labId: number; analyteId: number }[] = [];
  for (const ids of chunks(labIds)) {
    pushAll(out, await db.select({ labId: eligibilityResults.labId, analyteId: eligibilityResults.analyteId }).from(eligibilityResults).where(inArray(eligibilityResults.labId, ids)));
  }
  return out;
}
