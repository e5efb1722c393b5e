// Bulk statements of an EQA evaluation: one sorted read of every current submission, prepared
// multi-row inserts of assigned values, graded results and analyte scores. A national round has
// millions of results, so these go through better-sqlite3 prepared statements, not the query builder.
// PostgreSQL: the same reads as raw SQL (rawTuples/rawAll), no pragmas (the evaluation runs in a
// repeatable-read transaction).
import { withTx } from '@/db/tx';
import { and, asc, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Conn, DB } from '../client';
import { eqaAssignedValues, eqaCategoryTargets, eqaEvaluations, eqaRounds, eqaSubmissions } from '../schema';
import { dialectOf, first, rawAll, rawRun, rawTuples } from '@/db/dialect';
import { arrayParam } from '../pg/array-param';
import type { AssignedValueSource } from '../enums';

/** One current submission as the evaluation reads it: [id, labId, sampleId, analyteId, value, method, instrument]. */
export type SubmissionTuple = [number, number, number, number, number, string, string];

/**
 * Every current submission of a round, read whole through the partial unique index of current
 * results (round, lab, sample, analyte WHERE current = 1), i.e. in roughly the order the rows were
 * written: no temporary sort of millions of rows and no random table access. The evaluation groups
 * them by sample × analyte and peer group in memory. `.all()` is several times faster than stepping
 * through the rows one by one.
 */
export async function currentSubmissions(db: DB, roundId: number): Promise<SubmissionTuple[]> {
  if (dialectOf(db) === 'pg')
    return await rawTuples<SubmissionTuple>(db, sql`select id, lab_id, sample_id, analyte_id, value, method, instrument from eqa_submissions where round_id = ${roundId} and current`);
  return db.$client
    .prepare(
      `select id, lab_id, sample_id, analyte_id, value, method, instrument from eqa_submissions indexed by eqa_submissions_current_uq
        where round_id = ? and current = 1`,
    )
    .raw(true)
    .all(roundId) as SubmissionTuple[];
}

/** [submission id, category code] of the current answers to the given categorical items of a round. */
export async function currentCategoryAnswers(db: DB, roundId: number, analyteIds: readonly number[]): Promise<[number, string | null][]> {
  if (!analyteIds.length) return [];
  if (dialectOf(db) === 'pg')
    return await rawTuples<[number, string | null]>(
      db,
      sql`select id, category from eqa_submissions where round_id = ${roundId} and current and analyte_id = ANY(${arrayParam([...analyteIds])}::bigint[])`,
    );
  return db.$client
    .prepare(
      `select id, category from eqa_submissions indexed by eqa_submissions_current_uq
        where round_id = ? and current = 1 and analyte_id in (${analyteIds.map(() => '?').join(',')})`,
    )
    .raw(true)
    .all(roundId, ...analyteIds) as [number, string | null][];
}

/** One graded categorical answer of an evaluation, as the results API adds it to its rows. */
export interface CategoricalResultRow {
  lab: string;
  sample: string;
  analyte: string;
  category: string | null;
  targetCategory: string | null;
  targetBasis: 'intended' | 'consensus' | 'mode' | null;
  gradeDistance: number | null;
  reason: string | null;
  reasonN: number | null;
}

/** The categorical answers of an evaluation (all labs, or one), with their target and basis. */
export async function categoricalResultsOf(db: DB, evaluationId: number, labId: number | null): Promise<CategoricalResultRow[]> {
  if (dialectOf(db) === 'pg')
    return await rawAll<CategoricalResultRow>(
      db,
      sql`select l.code as lab, s.code as sample, a.code as analyte, r.category as category, r.target_category as targetCategory,
              r.target_basis as targetBasis, r.grade_distance as gradeDistance, r.reason as reason, r.reason_n as reasonN
         from eqa_result_evaluations r
         join laboratories l on l.id = r.lab_id
         join eqa_samples s on s.id = r.sample_id
         join analytes a on a.id = r.analyte_id
        where r.evaluation_id = ${evaluationId} and (${labId === null ? sql`true` : sql`r.lab_id = ${labId}`})
          and (r.category is not null or r.reason = 'unknown_category')`,
    );
  return db.$client
    .prepare(
      `select l.code as lab, s.code as sample, a.code as analyte, r.category as category, r.target_category as targetCategory,
              r.target_basis as targetBasis, r.grade_distance as gradeDistance, r.reason as reason, r.reason_n as reasonN
         from eqa_result_evaluations r
         join laboratories l on l.id = r.lab_id
         join eqa_samples s on s.id = r.sample_id
         join analytes a on a.id = r.analyte_id
        where r.evaluation_id = ? and (? is null or r.lab_id = ?)
          and (r.category is not null or r.reason = 'unknown_category')`,
    )
    .all(evaluationId, labId, labId) as CategoricalResultRow[];
}

/** Run `fn` with a page cache of 256 MB (restored afterwards): bulk reads and writes of an evaluation. */
export async function withLargeCache<T>(db: DB, fn: () => T | Promise<T>): Promise<T> {
  // a SQLite page cache; PostgreSQL's shared buffers are the server's
  if (dialectOf(db) === 'pg') return await fn();
  const c = db.$client;
  const cache = c.pragma('cache_size', { simple: true }) as number;
  c.pragma('cache_size = -262144');
  try {
    return await fn();
  } finally {
    c.pragma(`cache_size = ${cache}`);
  }
}

/**
 * Run `fn` as one write transaction without foreign-key lookups: the evaluation inserts millions of
 * rows whose parents it has just read or written itself in the same transaction. Restored afterwards
 * (the pragma cannot change inside a transaction, so it wraps it).
 */
export async function withBulkWriteSettings<T>(db: DB, fn: (tx: DB) => T | Promise<T>): Promise<T> {
  // PostgreSQL: a repeatable-read transaction (fn writes through its handle), foreign keys checked as always
  if (dialectOf(db) === 'pg') return await withTx(db, fn, { isolation: 'repeatable read' });
  const c = db.$client;
  const fk = c.pragma('foreign_keys', { simple: true }) as number;
  c.pragma('foreign_keys = OFF');
  try {
    return await withLargeCache(db, () => withTx(db, fn, { isolation: 'repeatable read' }));
  } finally {
    c.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
  }
}

/**
 * PostgreSQL: one turn of the event loop, so that the batches the bulk writer has queued stream to
 * the server (COPY) while the caller goes on building rows, instead of all after its last row.
 * SQLite: nothing (its writes run within add(); a turn of the event loop inside a transaction would
 * let other requests' statements join it, db/tx.ts).
 */
export async function letBulkWritesRun(db: DB): Promise<void> {
  if (dialectOf(db) === 'pg') await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * PostgreSQL: the evaluation's row locked FOR KEY SHARE, as a foreign-key check of its graded
 * results and scores would lock it, once before they are written (PostgreSQL does not check those
 * keys row by row: db/pg/differences.ts FOREIGN_KEYS_CHECKED_BY_WRITER). SQLite declares the keys.
 */
export async function lockEvaluationRow(tx: DB, evaluationId: number): Promise<void> {
  if (dialectOf(tx) !== 'pg') return;
  const rows = await rawTuples<[number]>(tx, sql`select id from eqa_evaluations where id = ${evaluationId} for key share`);
  if (!rows.length) throw new Error(`evaluation ${evaluationId}: its row is gone, its results cannot be written`);
}

/**
 * PostgreSQL: the parents of an evaluation's graded results, checked for the whole set in its write
 * transaction once they are written, instead of row by row (db/pg/differences.ts
 * FOREIGN_KEYS_CHECKED_BY_WRITER): every graded row's submission is a submission of the round with
 * the row's lab, and every assigned value it names is one of the evaluation's. One statement: the
 * evaluation's rows joined to the round's submissions and to its assigned values by hash (nested
 * loops are off for it: the planner has no statistics of rows this transaction wrote, and would
 * probe the submissions' key once per row); a missing parent fails the evaluation (the transaction
 * rolls back). Submissions are never deleted nor re-keyed, so what the transaction's snapshot shows
 * holds at its commit. Before 2026-12-01 the ids went to the server as two array literals of every
 * submission read: building and parsing them took longer than the join. SQLite declares the keys
 * and writes these rows with its foreign-key checks off (withBulkWriteSettings).
 */
export async function checkGradedParents(tx: DB, roundId: number, evaluationId: number): Promise<void> {
  if (dialectOf(tx) !== 'pg') return;
  const [[missing, missingAssigned]] = await withoutNestedLoops(tx, () => rawTuples<[number, number]>(tx, gradedParentsSql(roundId, evaluationId)));
  if (missing || missingAssigned) throw new Error(`round ${roundId}: ${missing} graded submissions not in the round, ${missingAssigned} assigned values missing`);
}

/** PostgreSQL: the plan of {@link checkGradedParents}' statement, as it runs (tests). */
export async function explainGradedParents(tx: DB, roundId: number, evaluationId: number): Promise<string> {
  const rows = await withoutNestedLoops(tx, () => rawTuples<[string]>(tx, sql`explain ${gradedParentsSql(roundId, evaluationId)}`));
  return rows.map(([line]) => line).join('\n');
}

function gradedParentsSql(roundId: number, evaluationId: number) {
  return sql`select count(*) filter (where r.submission_id is not null and s.id is null)::int,
                    count(*) filter (where r.assigned_value_id is not null and v.id is null)::int
               from eqa_result_evaluations r
               left join eqa_submissions s on s.round_id = ${roundId} and s.lab_id = r.lab_id and s.id = r.submission_id
               left join eqa_assigned_values v on v.evaluation_id = ${evaluationId} and v.id = r.assigned_value_id
              where r.evaluation_id = ${evaluationId}`;
}

/** `fn` with the planner's nested loops off in the transaction, the setting before restored after
 * (a failure rolls the transaction back, which undoes it too). */
async function withoutNestedLoops<T>(tx: DB, fn: () => Promise<T>): Promise<T> {
  const [[before]] = await rawTuples<[string]>(tx, sql`select current_setting('enable_nestloop')`);
  await rawRun(tx, sql`select set_config('enable_nestloop', 'off', true)`);
  const out = await fn();
  await rawRun(tx, sql`select set_config('enable_nestloop', ${before}, true)`);
  return out;
}

export async function nextEvaluationVersion(db: Conn, roundId: number): Promise<number> {
  const r = first(await db.select({ v: sql<number>`coalesce(max(${eqaEvaluations.version}), 0)` }).from(eqaEvaluations).where(eq(eqaEvaluations.roundId, roundId)).limit(1));
  return (r?.v ?? 0) + 1;
}

export async function runningEvaluation(db: Conn, roundId: number, since: number) {
  return first(await db
    .select({ id: eqaEvaluations.id })
    .from(eqaEvaluations)
    .where(and(eq(eqaEvaluations.roundId, roundId), eq(eqaEvaluations.status, 'running'), sql`${eqaEvaluations.startedAt} > ${since}`)).limit(1));
}

export async function insertEvaluation(db: Conn, values: typeof eqaEvaluations.$inferInsert) {
  return (await db.insert(eqaEvaluations).values(values).returning())[0];
}

/** Progress (0–1) of a running evaluation; written outside the result transaction so others see it. */
export async function setEvaluationProgress(db: Conn, id: number, progress: number) {
  // execute(): on SQLite the row is written at the call, also from inside a synchronous computation
  await db.update(eqaEvaluations).set({ progress }).where(eq(eqaEvaluations.id, id)).execute();
}

export async function finishEvaluation(db: Conn, id: number, values: { inputDigest: string; diff: unknown; finishedAt: number }) {
  await db.update(eqaEvaluations)
    .set({ status: 'complete', progress: 1, inputDigest: values.inputDigest, diff: values.diff as never, finishedAt: values.finishedAt })
    .where(eq(eqaEvaluations.id, id));
}

export async function failEvaluation(db: Conn, id: number, reason: string, at: number) {
  await db.update(eqaEvaluations)
    .set({ status: 'failed', finishedAt: at, diff: { error: reason } as never })
    .where(eq(eqaEvaluations.id, id));
}

export interface AssignedValueRow {
  sampleId: number;
  analyteId: number;
  peerGroup: string;
  source: AssignedValueSource;
  n: number;
  assignedValue: number;
  robustSd: number | null;
  sigmaPt: number;
  uAssigned: number | null;
  uNegligible: boolean;
  iterations: number | null;
}

/**
 * Verdicts of earlier **published** rounds of a scheme (before `before` in the order of closing time,
 * then id, the order recomputeUnsuccessful counts rounds in), from each
 * round's published evaluation, oldest round first: [labId, analyteId, verdict] per row, for the
 * performance history. A lab has a row only for rounds it took part in and in which the analyte
 * could be evaluated, so other rounds are skipped (DOMAIN.md §2).
 */
export async function iteratePreviousVerdicts(db: DB, schemeId: number, before: { closesAt: number; id: number }): Promise<Iterable<[number, number, 'satisfactory' | 'unsatisfactory']>> {
  if (dialectOf(db) === 'pg')
    return await rawTuples<[number, number, 'satisfactory' | 'unsatisfactory']>(
      db,
      sql`select s.lab_id, s.analyte_id, s.verdict from eqa_analyte_scores s
         join eqa_rounds r on r.id = s.round_id
         join eqa_evaluations e on e.id = s.evaluation_id and e.status = 'published'
        where r.scheme_id = ${schemeId} and (r.closes_at < ${before.closesAt} or (r.closes_at = ${before.closesAt} and r.id < ${before.id})) and r.status = 'published'
        order by r.closes_at, r.id`,
    );
  return db.$client
    .prepare(
      `select s.lab_id, s.analyte_id, s.verdict from eqa_analyte_scores s
         join eqa_rounds r on r.id = s.round_id
         join eqa_evaluations e on e.id = s.evaluation_id and e.status = 'published'
        where r.scheme_id = ? and (r.closes_at < ? or (r.closes_at = ? and r.id < ?)) and r.status = 'published'
        order by r.closes_at, r.id`,
    )
    .raw(true)
    .iterate(schemeId, before.closesAt, before.closesAt, before.id) as IterableIterator<[number, number, 'satisfactory' | 'unsatisfactory']>;
}

/** Previous (published) rounds counted in the history (for the parameters record). */
export async function previousRoundCodes(db: Conn, schemeId: number, before: { closesAt: number; id: number }): Promise<string[]> {
  return (await db
    .select({ code: eqaRounds.code })
    .from(eqaRounds)
    .where(and(eq(eqaRounds.schemeId, schemeId), or(lt(eqaRounds.closesAt, before.closesAt), and(eq(eqaRounds.closesAt, before.closesAt), lt(eqaRounds.id, before.id))), eq(eqaRounds.status, 'published')))
    .orderBy(asc(eqaRounds.closesAt), asc(eqaRounds.id)))
    .map((r) => r.code);
}

/** The categorical targets of an evaluation (one per sample × categorical item), for the re-evaluation diff. */
export async function categoryTargetsOf(db: Conn, evaluationId: number) {
  return await db.select().from(eqaCategoryTargets).where(eq(eqaCategoryTargets.evaluationId, evaluationId));
}

export async function assignedValuesOf(db: Conn, evaluationId: number) {
  return await db.select().from(eqaAssignedValues).where(eq(eqaAssignedValues.evaluationId, evaluationId));
}

/** [labId, analyteId, verdict, score] of an evaluation, for the re-evaluation diff. */
export async function iterateScoresOf(db: DB, evaluationId: number): Promise<Iterable<[number, number, string, number]>> {
  if (dialectOf(db) === 'pg')
    return await rawTuples<[number, number, string, number]>(db, sql`select lab_id, analyte_id, verdict, score from eqa_analyte_scores where evaluation_id = ${evaluationId}`);
  return db.$client
    .prepare('select lab_id, analyte_id, verdict, score from eqa_analyte_scores where evaluation_id = ?')
    .raw(true)
    .iterate(evaluationId) as IterableIterator<[number, number, string, number]>;
}

/**
 * The round's status and the evaluation's as an evaluation's final write finds them, read inside that
 * write: a publication or an abandonment may have committed while the evaluation ran. On PostgreSQL
 * the round's row is locked (a publication updating it waits for the write, or was committed first
 * and is seen here).
 */
export async function statusesForFinish(tx: Conn, roundId: number, evaluationId: number): Promise<{ round: string | undefined; evaluation: string | undefined }> {
  const lock = dialectOf(tx) === 'pg' ? sql` FOR UPDATE` : sql``;
  const [round] = await rawTuples<[string]>(tx, sql`SELECT status FROM eqa_rounds WHERE id = ${roundId}${lock}`);
  const [evaluation] = await rawTuples<[string]>(tx, sql`SELECT status FROM eqa_evaluations WHERE id = ${evaluationId}`);
  return { round: round?.[0], evaluation: evaluation?.[0] };
}

export async function latestCompleteEvaluation(db: Conn, roundId: number) {
  return first(await db
    .select()
    .from(eqaEvaluations)
    .where(and(eq(eqaEvaluations.roundId, roundId), inArray(eqaEvaluations.status, ['complete', 'published'])))
    .orderBy(desc(eqaEvaluations.version)).limit(1));
}


export async function countCurrentSubmissions(db: Conn, roundId: number): Promise<number> {
  return first(await db
    .select({ n: sql<number>`count(*)` })
    .from(eqaSubmissions)
    .where(and(eq(eqaSubmissions.roundId, roundId), eq(eqaSubmissions.current, true))).limit(1))!.n;
}

export async function findEvaluation(db: Conn, id: number) {
  return first(await db.select().from(eqaEvaluations).where(eq(eqaEvaluations.id, id)).limit(1));
}
