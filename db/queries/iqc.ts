// Internal QC: control lots, targets, runs, results, violations, corrective actions.
// Every read takes the lab id in SQL (the caller has authorized that lab). The ingest path uses
// cached better-sqlite3 prepared statements: it writes hundreds of thousands of rows per second.
import type Database from 'better-sqlite3';
import { and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Conn, DB } from '../client';
import { analytes, controlLots, correctiveActions, iqcResults, iqcRuns, iqcViolations, qcRuleConfigs, qcTargets, users } from '../schema';
import type { RunStatus, IngestSource } from '../enums';

// ---------------------------------------------------------------------------------------------
// Prepared statements for the ingest path (one set per database handle)

export interface LotRow {
  id: number;
  analyteId: number;
  level: string;
  lotNumber: string;
  instrument: string;
}
export interface TargetRow {
  id: number;
  controlLotId: number;
  version: number;
  mean: number;
  sd: number;
  source: 'manufacturer' | 'lab_baseline';
  effectiveFrom: number;
}
/** A current result of a series with its run (the engine regroups and re-evaluates from these). */
export interface RegionResultRow {
  id: number;
  runId: number;
  controlLotId: number;
  level: string;
  value: number;
  measuredAt: number;
  z: number | null;
  targetId: number | null;
  excluded: number;
  runAt: number;
  clientRunId: string | null;
  runStatus: RunStatus;
  runRules: string;
  runOperator: string | null;
}
/** A judged, in-control value of a context run (newest run first). */
export interface ContextValueRow {
  runId: number;
  level: string;
  z: number;
}

function statements(client: Database.Database) {
  return {
    lotsOfLab: client.prepare<[number], LotRow>(
      'SELECT id, analyte_id AS analyteId, level, lot_number AS lotNumber, instrument FROM control_lots WHERE lab_id = ?',
    ),
    insertLot: client.prepare<[number, number, string, string, string, number]>(
      'INSERT INTO control_lots (lab_id, analyte_id, level, lot_number, instrument, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    targetsOfLab: client.prepare<[number], TargetRow>(
      `SELECT t.id, t.control_lot_id AS controlLotId, t.version, t.mean, t.sd, t.source, t.effective_from AS effectiveFrom
       FROM qc_targets t JOIN control_lots l ON l.id = t.control_lot_id WHERE l.lab_id = ? ORDER BY t.control_lot_id, t.effective_from, t.version`,
    ),
    ruleConfigsOfLab: client.prepare<[number], { analyteId: number; rules: string }>(
      'SELECT analyte_id AS analyteId, rules FROM qc_rule_configs WHERE lab_id = ?',
    ),
    labRunWindow: client.prepare<[number], { minutes: number }>('SELECT run_window_minutes AS minutes FROM laboratories WHERE id = ?'),
    /** the stored run of a client run id in a series */
    clientRun: client.prepare<[number, string, number, string], { id: number; measuredAt: number }>(
      'SELECT id, measured_at AS measuredAt FROM iqc_runs INDEXED BY iqc_runs_client_idx WHERE lab_id = ? AND client_run_id = ? AND analyte_id = ? AND instrument = ?',
    ),
    /** current results of a series measured at or after a time, with their runs */
    regionResults: client.prepare<[number, number, number, string], RegionResultRow>(
      `SELECT r.id, r.run_id AS runId, r.control_lot_id AS controlLotId, r.level, r.value, r.measured_at AS measuredAt, r.z, r.target_id AS targetId,
              r.excluded, u.measured_at AS runAt, u.client_run_id AS clientRunId, u.status AS runStatus, u.rules AS runRules, u.operator AS runOperator
       FROM iqc_results r JOIN iqc_runs u ON u.id = r.run_id
       WHERE r.lab_id = ? AND r.analyte_id = ? AND r.measured_at >= ? AND r.current = 1 AND u.instrument = ?`,
    ),
    /** judged values of in-control runs of a series starting before a time, newest run first, a
     * page of runs at a time (rejected runs and excluded values are left out) */
    contextValues: client.prepare<[number, number, string, number, number, number], ContextValueRow>(
      `SELECT u.id AS runId, r.level, r.z FROM (
         SELECT id, measured_at, client_run_id FROM iqc_runs INDEXED BY iqc_runs_lab_analyte_time_idx
         WHERE lab_id = ? AND analyte_id = ? AND instrument = ? AND measured_at < ? AND status IN ('accepted', 'warning')
         ORDER BY measured_at DESC, coalesce(client_run_id, '') DESC, id DESC LIMIT ? OFFSET ?) u
       JOIN iqc_results r ON r.run_id = u.id AND r.current = 1 AND r.excluded = 0 AND r.z IS NOT NULL
       ORDER BY u.measured_at DESC, coalesce(u.client_run_id, '') DESC, u.id DESC`,
    ),
    moveResult: client.prepare<[number, number]>('UPDATE iqc_results SET run_id = ? WHERE id = ?'),
    deleteRun: client.prepare<[number]>('DELETE FROM iqc_runs WHERE id = ?'),
    actionOfRun: client.prepare<[number], { id: number; status: string; cause: string | null; action: string | null; outcome: string | null }>(
      'SELECT id, status, cause, action, outcome FROM corrective_actions WHERE run_id = ?',
    ),
    moveAction: client.prepare<[number, number]>('UPDATE corrective_actions SET run_id = ? WHERE id = ?'),
    deleteAction: client.prepare<[number]>('DELETE FROM corrective_actions WHERE id = ?'),
    /** close an open corrective action the system withdrew (the run is no longer rejected) */
    withdrawAction: client.prepare<[string, string, string, number, number, number]>(
      `UPDATE corrective_actions SET status = 'resolved', cause = ?, action = ?, outcome = ?, resolved_by = ?, resolved_at = ? WHERE run_id = ? AND status = 'open'`,
    ),
    /** a rejected run's action the system had withdrawn is open again */
    reopenWithdrawn: client.prepare<[number, string]>(
      `UPDATE corrective_actions SET status = 'open', cause = NULL, action = NULL, outcome = NULL, resolved_by = NULL, resolved_at = NULL
       WHERE run_id = ? AND status = 'resolved' AND cause = ?`,
    ),
    setExcluded: client.prepare<[number, string | null, number]>('UPDATE iqc_results SET excluded = ?, excluded_reason = ? WHERE id = ?'),
    /** in-control judged values of a series in a window, with their target mean (for the sigma metric) */
    recentJudged: client.prepare<[number, number, string, number, number], { level: string; value: number; mean: number }>(
      `SELECT r.level, r.value, t.mean FROM iqc_results r
       JOIN iqc_runs u ON u.id = r.run_id JOIN qc_targets t ON t.id = r.target_id
       WHERE r.lab_id = ? AND r.analyte_id = ? AND u.instrument = ? AND r.measured_at >= ? AND r.measured_at < ?
         AND r.current = 1 AND r.excluded = 0 AND u.status <> 'rejected'`,
    ),
    insertRun: client.prepare<[number, number, string, number, string, string, number, string, string | null, string | null, number, number]>(
      `INSERT INTO iqc_runs (lab_id, analyte_id, instrument, measured_at, status, rules, evaluated_at, source, operator, client_run_id, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertRunBatch: client.prepare<unknown[]>(
      `INSERT INTO iqc_runs (lab_id, analyte_id, instrument, measured_at, status, rules, evaluated_at, source, operator, client_run_id, created_by, created_at)
       VALUES ${Array.from({ length: RUN_BATCH }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    ),
    updateRun: client.prepare<[string, string, number, number, number]>('UPDATE iqc_runs SET status = ?, rules = ?, evaluated_at = ?, measured_at = ? WHERE id = ?'),
    insertResult: client.prepare<
      [number, number, number, number, string, number, number, number | null, number | null, number, number | null, string | null, number, number]
    >(
      `INSERT INTO iqc_results (run_id, lab_id, analyte_id, control_lot_id, level, value, measured_at, target_id, z, version, supersedes_id, reason, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertResultBatch: client.prepare<unknown[]>(
      `INSERT INTO iqc_results (run_id, lab_id, analyte_id, control_lot_id, level, value, measured_at, target_id, z, version, supersedes_id, reason, created_by, created_at)
       VALUES ${Array.from({ length: RESULT_BATCH }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    ),
    retireResult: client.prepare<[number]>('UPDATE iqc_results SET current = 0 WHERE id = ?'),
    insertViolation: client.prepare<[number, number, number, string, string, number]>(
      'INSERT INTO iqc_violations (run_id, lab_id, analyte_id, rule, levels, measured_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deleteViolations: client.prepare<[number]>('DELETE FROM iqc_violations WHERE run_id = ?'),
    violationsOfRun: client.prepare<[number], { rule: string; levels: string }>('SELECT rule, levels FROM iqc_violations WHERE run_id = ? ORDER BY id'),
    openAction: client.prepare<[number, number, number, number]>(
      `INSERT INTO corrective_actions (run_id, lab_id, analyte_id, status, opened_at) VALUES (?, ?, ?, 'open', ?) ON CONFLICT(run_id) DO NOTHING`,
    ),
  };
}

/** Rows per multi-row INSERT of results (one statement step instead of 64 saves most of the
 * per-statement cost of a bulk import). */
export const RESULT_BATCH = 64;
const RESULT_COLUMNS = 14;

/** Buffers new result rows and writes them 64 at a time (call flush() before reading them back). */
export class ResultWriter {
  private readonly params: unknown[] = [];
  private count = 0;
  constructor(private readonly s: IqcStatements) {}

  add(runId: number, labId: number, analyteId: number, controlLotId: number, level: string, value: number, measuredAt: number, targetId: number | null, z: number | null, createdBy: number, createdAt: number) {
    this.params.push(runId, labId, analyteId, controlLotId, level, value, measuredAt, targetId, z, 1, null, null, createdBy, createdAt);
    if (++this.count === RESULT_BATCH) this.flush();
  }

  flush() {
    if (this.count === RESULT_BATCH) this.s.insertResultBatch.run(...this.params);
    else {
      for (let i = 0; i < this.count; i++) {
        const p = this.params.slice(i * RESULT_COLUMNS, (i + 1) * RESULT_COLUMNS) as Parameters<IqcStatements['insertResult']['run']>;
        this.s.insertResult.run(...p);
      }
    }
    this.params.length = 0;
    this.count = 0;
  }
}

export type IqcStatements = ReturnType<typeof statements>;
const cache = new WeakMap<Database.Database, IqcStatements>();

/** The ingest path's prepared statements for this database handle (prepared once, then reused). */
export function iqcStatements(db: DB): IqcStatements {
  let s = cache.get(db.$client);
  if (!s) {
    s = statements(db.$client);
    cache.set(db.$client, s);
  }
  return s;
}

const RUN_BATCH = 64;

export interface NewRunRow {
  labId: number;
  analyteId: number;
  instrument: string;
  measuredAt: number;
  status: RunStatus;
  rulesJson: string;
  evaluatedAt: number;
  source: IngestSource;
  operator: string | null;
  clientRunId: string | null;
  createdBy: number;
}

/**
 * Insert runs, 64 per statement, and return their ids in order. The ids of one multi-row INSERT
 * are consecutive: iqc_runs.id is INTEGER PRIMARY KEY AUTOINCREMENT, so each row gets one more than
 * the largest id so far, and the caller holds the write transaction (checked: changes = rows).
 */
export function insertRunRows(s: IqcStatements, rows: readonly NewRunRow[]): number[] {
  const ids: number[] = [];
  let i = 0;
  for (; i + RUN_BATCH <= rows.length; i += RUN_BATCH) {
    const params: unknown[] = [];
    for (let j = i; j < i + RUN_BATCH; j++) {
      const r = rows[j];
      params.push(r.labId, r.analyteId, r.instrument, r.measuredAt, r.status, r.rulesJson, r.evaluatedAt, r.source, r.operator, r.clientRunId, r.createdBy, r.evaluatedAt);
    }
    const res = s.insertRunBatch.run(...params);
    if (res.changes !== RUN_BATCH) throw new Error(`expected ${RUN_BATCH} runs inserted, got ${res.changes}`);
    const last = Number(res.lastInsertRowid);
    for (let k = RUN_BATCH - 1; k >= 0; k--) ids.push(last - k);
  }
  for (; i < rows.length; i++) {
    const r = rows[i];
    ids.push(Number(s.insertRun.run(r.labId, r.analyteId, r.instrument, r.measuredAt, r.status, r.rulesJson, r.evaluatedAt, r.source, r.operator, r.clientRunId, r.createdBy, r.evaluatedAt).lastInsertRowid));
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Reads for pages and the API (drizzle)

export function findControlLot(db: Conn, labId: number, analyteId: number, level: string, lotNumber: string, instrument: string) {
  return db
    .select()
    .from(controlLots)
    .where(
      and(
        eq(controlLots.labId, labId),
        eq(controlLots.analyteId, analyteId),
        eq(controlLots.level, level),
        eq(controlLots.lotNumber, lotNumber),
        eq(controlLots.instrument, instrument),
      ),
    )
    .get();
}

export function findControlLotById(db: Conn, id: number) {
  return db.select().from(controlLots).where(eq(controlLots.id, id)).get();
}

export function insertControlLot(db: Conn, v: { labId: number; analyteId: number; level: string; lotNumber: string; instrument: string; createdAt: number }) {
  return db.insert(controlLots).values(v).returning().get();
}

export function targetVersions(db: Conn, controlLotId: number) {
  return db.select().from(qcTargets).where(eq(qcTargets.controlLotId, controlLotId)).orderBy(asc(qcTargets.version)).all();
}

export function insertTarget(db: Conn, v: typeof qcTargets.$inferInsert) {
  return db.insert(qcTargets).values(v).returning().get();
}

/** The newest time of a current result of a lot (targets may only take effect after it). */
export function lastResultTimeOfLot(db: Conn, controlLotId: number): number | null {
  const r = db
    .select({ t: sql<number | null>`max(${iqcResults.measuredAt})` })
    .from(iqcResults)
    .where(and(eq(iqcResults.controlLotId, controlLotId), eq(iqcResults.current, true)))
    .get();
  return r?.t ?? null;
}

/** Baseline candidates of a lot: current, not excluded values of runs that were not rejected. */
export function baselineValues(db: Conn, controlLotId: number) {
  return db
    .select({ value: iqcResults.value, measuredAt: iqcResults.measuredAt })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .where(and(eq(iqcResults.controlLotId, controlLotId), eq(iqcResults.current, true), eq(iqcResults.excluded, false), sql`${iqcRuns.status} <> 'rejected'`))
    .orderBy(asc(iqcResults.measuredAt))
    .all();
}

/** Control lots of a lab with the target in force at `at` (null when none yet), and result counts. */
export function listLotsWithTargets(db: Conn, labId: number, at: number) {
  return db
    .select({
      id: controlLots.id,
      analyteId: controlLots.analyteId,
      analyte: analytes.code,
      analyteNameEn: analytes.nameEn,
      analyteNameZh: analytes.nameZh,
      unit: analytes.unit,
      level: controlLots.level,
      lot: controlLots.lotNumber,
      instrument: controlLots.instrument,
      targetId: qcTargets.id,
      version: qcTargets.version,
      mean: qcTargets.mean,
      sd: qcTargets.sd,
      source: qcTargets.source,
      effectiveFrom: qcTargets.effectiveFrom,
      results: sql<number>`(SELECT count(*) FROM iqc_results r WHERE r.control_lot_id = ${controlLots.id} AND r.current = 1)`,
      lastAt: sql<number | null>`(SELECT max(r.measured_at) FROM iqc_results r WHERE r.control_lot_id = ${controlLots.id} AND r.current = 1)`,
    })
    .from(controlLots)
    .innerJoin(analytes, eq(analytes.id, controlLots.analyteId))
    .leftJoin(
      qcTargets,
      sql`${qcTargets.id} = (SELECT t.id FROM qc_targets t WHERE t.control_lot_id = ${controlLots.id} AND t.effective_from <= ${at}
            ORDER BY t.effective_from DESC, t.version DESC LIMIT 1)`,
    )
    .where(eq(controlLots.labId, labId))
    .orderBy(asc(analytes.code), asc(controlLots.instrument), asc(controlLots.level), desc(controlLots.createdAt))
    .all();
}

export function findRuleConfig(db: Conn, labId: number, analyteId: number) {
  return db.select().from(qcRuleConfigs).where(and(eq(qcRuleConfigs.labId, labId), eq(qcRuleConfigs.analyteId, analyteId))).get();
}

export function upsertRuleConfig(db: Conn, v: { labId: number; analyteId: number; rules: string[]; updatedBy: number; updatedAt: number }) {
  db.insert(qcRuleConfigs)
    .values(v)
    .onConflictDoUpdate({ target: [qcRuleConfigs.labId, qcRuleConfigs.analyteId], set: { rules: v.rules, updatedBy: v.updatedBy, updatedAt: v.updatedAt } })
    .run();
}

export function deleteRuleConfig(db: Conn, labId: number, analyteId: number) {
  db.delete(qcRuleConfigs).where(and(eq(qcRuleConfigs.labId, labId), eq(qcRuleConfigs.analyteId, analyteId))).run();
}

export function listRuleConfigs(db: Conn, labId: number) {
  return db
    .select({ analyte: analytes.code, rules: qcRuleConfigs.rules, updatedAt: qcRuleConfigs.updatedAt })
    .from(qcRuleConfigs)
    .innerJoin(analytes, eq(analytes.id, qcRuleConfigs.analyteId))
    .where(eq(qcRuleConfigs.labId, labId))
    .all();
}

export function findResult(db: Conn, id: number) {
  return db.select().from(iqcResults).where(eq(iqcResults.id, id)).get();
}

export function findRun(db: Conn, id: number) {
  return db.select().from(iqcRuns).where(eq(iqcRuns.id, id)).get();
}

/** Chart data of one analyte: every current result in [from, to) with its run, target and operator. */
export function chartPoints(db: Conn, labId: number, analyteId: number, from: number, to: number, instrument?: string) {
  return db
    .select({
      id: iqcResults.id,
      runId: iqcResults.runId,
      level: iqcResults.level,
      value: iqcResults.value,
      z: iqcResults.z,
      measuredAt: iqcResults.measuredAt,
      version: iqcResults.version,
      excluded: iqcResults.excluded,
      excludedReason: iqcResults.excludedReason,
      lot: controlLots.lotNumber,
      instrument: iqcRuns.instrument,
      status: iqcRuns.status,
      operator: iqcRuns.operator,
      mean: qcTargets.mean,
      sd: qcTargets.sd,
      targetVersion: qcTargets.version,
    })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
    .leftJoin(qcTargets, eq(qcTargets.id, iqcResults.targetId))
    .where(
      and(
        eq(iqcResults.labId, labId),
        eq(iqcResults.analyteId, analyteId),
        gte(iqcResults.measuredAt, from),
        lt(iqcResults.measuredAt, to),
        eq(iqcResults.current, true),
        instrument !== undefined ? eq(iqcRuns.instrument, instrument) : undefined,
      ),
    )
    .orderBy(asc(iqcResults.measuredAt), asc(iqcResults.level))
    .all();
}

export function violationsInRange(db: Conn, labId: number, from: number, to: number, analyteId?: number) {
  return db
    .select({ runId: iqcViolations.runId, analyteId: iqcViolations.analyteId, rule: iqcViolations.rule, levels: iqcViolations.levels, measuredAt: iqcViolations.measuredAt })
    .from(iqcViolations)
    .where(
      and(
        eq(iqcViolations.labId, labId),
        gte(iqcViolations.measuredAt, from),
        lt(iqcViolations.measuredAt, to),
        analyteId !== undefined ? eq(iqcViolations.analyteId, analyteId) : undefined,
      ),
    )
    .orderBy(asc(iqcViolations.measuredAt), asc(iqcViolations.id))
    .all();
}

export function violationsOfRuns(db: Conn, runIds: number[]) {
  if (!runIds.length) return [];
  const out: { runId: number; rule: string; levels: string[] }[] = [];
  for (let i = 0; i < runIds.length; i += 500) {
    out.push(
      ...db
        .select({ runId: iqcViolations.runId, rule: iqcViolations.rule, levels: iqcViolations.levels })
        .from(iqcViolations)
        .where(inArray(iqcViolations.runId, runIds.slice(i, i + 500)))
        .orderBy(asc(iqcViolations.id))
        .all(),
    );
  }
  return out;
}

export function actionsInRange(db: Conn, labId: number, analyteId: number, from: number, to: number) {
  return db
    .select({ id: correctiveActions.id, runId: correctiveActions.runId, status: correctiveActions.status, cause: correctiveActions.cause, action: correctiveActions.action })
    .from(correctiveActions)
    .innerJoin(iqcRuns, eq(iqcRuns.id, correctiveActions.runId))
    .where(and(eq(correctiveActions.labId, labId), eq(correctiveActions.analyteId, analyteId), gte(iqcRuns.measuredAt, from), lt(iqcRuns.measuredAt, to)))
    .all();
}

/** Corrective actions of a lab (open ones first, newest first). */
export function listCorrectiveActions(db: Conn, labId: number, opts: { status?: 'open' | 'resolved'; limit?: number } = {}) {
  return db
    .select({
      id: correctiveActions.id,
      runId: correctiveActions.runId,
      status: correctiveActions.status,
      openedAt: correctiveActions.openedAt,
      cause: correctiveActions.cause,
      action: correctiveActions.action,
      outcome: correctiveActions.outcome,
      resolvedAt: correctiveActions.resolvedAt,
      resolvedBy: users.name,
      analyte: analytes.code,
      analyteNameEn: analytes.nameEn,
      analyteNameZh: analytes.nameZh,
      measuredAt: iqcRuns.measuredAt,
      instrument: iqcRuns.instrument,
    })
    .from(correctiveActions)
    .innerJoin(iqcRuns, eq(iqcRuns.id, correctiveActions.runId))
    .innerJoin(analytes, eq(analytes.id, correctiveActions.analyteId))
    .leftJoin(users, eq(users.id, correctiveActions.resolvedBy))
    .where(and(eq(correctiveActions.labId, labId), opts.status ? eq(correctiveActions.status, opts.status) : undefined))
    .orderBy(desc(sql`${correctiveActions.status} = 'open'`), desc(correctiveActions.openedAt), desc(correctiveActions.id))
    .limit(opts.limit ?? 200)
    .all();
}

export function findCorrectiveAction(db: Conn, id: number) {
  return db.select().from(correctiveActions).where(eq(correctiveActions.id, id)).get();
}

export function resolveCorrectiveActionRow(db: Conn, id: number, v: { cause: string; action: string; outcome: string; resolvedBy: number; resolvedAt: number }) {
  return db
    .update(correctiveActions)
    .set({ ...v, status: 'resolved' })
    .where(and(eq(correctiveActions.id, id), eq(correctiveActions.status, 'open')))
    .run().changes;
}

/** The latest run per analyte × instrument of a lab with open corrective actions (dashboard). */
export function dashboardRows(db: Conn, labId: number) {
  const latest = db.all<{ analyteId: number; instrument: string; status: RunStatus; measuredAt: number; runs: number }>(sql`
    SELECT analyte_id AS analyteId, instrument, status, MAX(measured_at) AS measuredAt, count(*) AS runs
    FROM iqc_runs WHERE lab_id = ${labId} GROUP BY analyte_id, instrument`);
  const open = db.all<{ analyteId: number; n: number }>(sql`
    SELECT analyte_id AS analyteId, count(*) AS n FROM corrective_actions WHERE lab_id = ${labId} AND status = 'open' GROUP BY analyte_id`);
  return { latest, open };
}

/** Current results of a lab in [from, to) with run status and target mean (monthly summary). */
export function summaryValues(db: Conn, labId: number, from: number, to: number) {
  return db
    .select({
      runId: iqcResults.runId,
      analyteId: iqcResults.analyteId,
      level: iqcResults.level,
      lot: controlLots.lotNumber,
      instrument: controlLots.instrument,
      value: iqcResults.value,
      status: iqcRuns.status,
      excluded: iqcResults.excluded,
      mean: qcTargets.mean,
      sd: qcTargets.sd,
      measuredAt: iqcResults.measuredAt,
    })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
    .leftJoin(qcTargets, eq(qcTargets.id, iqcResults.targetId))
    .where(and(eq(iqcResults.labId, labId), gte(iqcResults.measuredAt, from), lt(iqcResults.measuredAt, to), eq(iqcResults.current, true)))
    .orderBy(asc(iqcResults.measuredAt))
    .all();
}

/** Results for the API: current results of a lab (optionally one analyte) in [from, to). */
export function resultsForApi(db: Conn, labId: number, from: number, to: number, analyteId?: number, limit = 50_000) {
  return db
    .select({
      id: iqcResults.id,
      runId: iqcResults.runId,
      analyte: analytes.code,
      level: iqcResults.level,
      lot: controlLots.lotNumber,
      instrument: controlLots.instrument,
      value: iqcResults.value,
      z: iqcResults.z,
      measuredAt: iqcResults.measuredAt,
      version: iqcResults.version,
      status: iqcRuns.status,
    })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
    .innerJoin(analytes, eq(analytes.id, iqcResults.analyteId))
    .where(
      and(
        eq(iqcResults.labId, labId),
        gte(iqcResults.measuredAt, from),
        lt(iqcResults.measuredAt, to),
        eq(iqcResults.current, true),
        analyteId !== undefined ? eq(iqcResults.analyteId, analyteId) : undefined,
      ),
    )
    .orderBy(asc(iqcResults.measuredAt), asc(analytes.code), asc(iqcResults.level))
    .limit(limit)
    .all();
}

/** Runs of a lab in [from, to) in time order (optionally one analyte, one instrument), after a
 * keyset cursor (measuredAt, id), at most `limit`. */
export function runsForApi(db: Conn, labId: number, q: { from: number; to: number; analyteId?: number; instrument?: string; after?: { measuredAt: number; id: number }; limit: number }) {
  return db
    .select({ id: iqcRuns.id, analyte: analytes.code, instrument: iqcRuns.instrument, measuredAt: iqcRuns.measuredAt, status: iqcRuns.status })
    .from(iqcRuns)
    .innerJoin(analytes, eq(analytes.id, iqcRuns.analyteId))
    .where(
      and(
        eq(iqcRuns.labId, labId),
        gte(iqcRuns.measuredAt, q.from),
        lt(iqcRuns.measuredAt, q.to),
        q.analyteId !== undefined ? eq(iqcRuns.analyteId, q.analyteId) : undefined,
        q.instrument !== undefined ? eq(iqcRuns.instrument, q.instrument) : undefined,
        q.after ? sql`(${iqcRuns.measuredAt} > ${q.after.measuredAt} OR (${iqcRuns.measuredAt} = ${q.after.measuredAt} AND ${iqcRuns.id} > ${q.after.id}))` : undefined,
      ),
    )
    .orderBy(asc(iqcRuns.measuredAt), asc(iqcRuns.id))
    .limit(q.limit)
    .all();
}

/** Current results of the given runs with their lot numbers (500 runs per query). */
export function resultsOfRuns(db: Conn, runIds: number[]) {
  const out: { runId: number; level: string; lot: string; value: number; z: number | null; measuredAt: number }[] = [];
  for (let i = 0; i < runIds.length; i += 500) {
    out.push(
      ...db
        .select({ runId: iqcResults.runId, level: iqcResults.level, lot: controlLots.lotNumber, value: iqcResults.value, z: iqcResults.z, measuredAt: iqcResults.measuredAt })
        .from(iqcResults)
        .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
        .where(and(inArray(iqcResults.runId, runIds.slice(i, i + 500)), eq(iqcResults.current, true)))
        .all(),
    );
  }
  return out;
}

/** Analytes with IQC data at a lab (for pickers). */
export function analytesWithIqc(db: Conn, labId: number) {
  return db.all<{ id: number; code: string; nameEn: string; nameZh: string; unit: string }>(sql`
    SELECT a.id, a.code, a.name_en AS nameEn, a.name_zh AS nameZh, a.unit FROM analytes a
    WHERE a.id IN (SELECT DISTINCT analyte_id FROM control_lots WHERE lab_id = ${labId}) ORDER BY a.code`);
}

/** Result versions of one result chain (newest first), for the history shown after an edit. */
export function resultHistory(db: Conn, runId: number) {
  return db.select().from(iqcResults).where(eq(iqcResults.runId, runId)).orderBy(asc(iqcResults.level), desc(iqcResults.version)).all();
}
