// The IQC ingest path's statements (one prepared set per database handle): the engine
// (lib/services/iqc/engine.ts) reads the series it re-forms and writes verdicts through these, and
// inserts runs, results and violations through the bulk writer (db/bulk.ts). It writes hundreds of
// thousands of rows per second, so these are better-sqlite3 statements, not the query builder.
// On PostgreSQL the same interface is answered by db/pg/iqc-ingest.ts (rows read per batch, writes
// queued and flushed in the transaction).
import type Database from 'better-sqlite3';
import type { DB } from '../client';
import type { RunStatus } from '../enums';
import { dialectOf } from '../dialect';
import { pgIqcStatementsOf } from '../pg/iqc-ingest';

export interface LotRow {
  id: number;
  analyteId: number;
  level: string;
  lotNumber: string;
  instrument: string;
  expectedCategory: string | null;
  expectedFrom: number | null;
  /** the last day (China) the control material may be used, or null */
  expiresOn: string | null;
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
  category: string | null;
  signal: number | null;
  measuredAt: number;
  z: number | null;
  targetId: number | null;
  excluded: number;
  runAt: number;
  clientRunId: string | null;
  /** the window the run was formed with, if the lab's window changed since (iqc_runs.window_minutes) */
  runWindowMinutes: number | null;
  runStatus: RunStatus;
  runRules: string;
  runOperator: string | null;
}
/** A current result of an in-control context run (newest run first): judged when it has a z and is
 * not excluded; the others, and the run's start and client run id, place the run among runs that
 * start at the same time (runOrder), which the run's id, given in arrival order, must not decide. */
export interface ContextValueRow {
  runId: number;
  runAt: number;
  clientRunId: string | null;
  level: string;
  z: number | null;
  excluded: number;
  measuredAt: number;
  controlLotId: number;
  value: number;
}

function statements(client: Database.Database) {
  return {
    /** the handle itself: the bulk writer (db/bulk.ts) writes runs, results and violations */
    $client: client,
    /** the catalogue as an ingest reads it: code → id (active items), TEa %, categorical shapes
     * (categories as JSON text, for the qualitative, ordinal and nominal items only) */
    catalogue: client.prepare<[], { id: number; code: string; active: number; teaPercent: number | null; kind: string; categories: string | null }>(
      'SELECT id, code, active, tea_percent AS teaPercent, kind, categories FROM analytes',
    ),
    lotsOfLab: client.prepare<[number], LotRow>(
      'SELECT id, analyte_id AS analyteId, level, lot_number AS lotNumber, instrument, expected_category AS expectedCategory, expected_from AS expectedFrom, expires_on AS expiresOn FROM control_lots WHERE lab_id = ?',
    ),
    /** the catalogue's qualitative, ordinal and nominal items (categories as JSON text) */
    categoricalItems: client.prepare<[], { id: number; code: string; kind: 'qualitative' | 'ordinal' | 'nominal'; categories: string | null }>(
      "SELECT id, code, kind, categories FROM analytes WHERE kind <> 'quantitative'",
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
    /** current results of a series measured at or after a time, with their runs: read by the
     * series' control lots (a lot belongs to one instrument), so the item's results on the lab's
     * other instruments are not read and dropped (a back-dated post read every later result of the
     * item on every instrument) */
    regionResults: client.prepare<[number, number, number, string], RegionResultRow>(
      `SELECT r.id, r.run_id AS runId, r.control_lot_id AS controlLotId, r.level, r.value, r.category, r.signal, r.measured_at AS measuredAt, r.z, r.target_id AS targetId,
              r.excluded, u.measured_at AS runAt, u.client_run_id AS clientRunId, u.window_minutes AS runWindowMinutes, u.status AS runStatus, u.rules AS runRules,
              u.operator AS runOperator
       FROM control_lots l INDEXED BY control_lots_lab_analyte_idx
       JOIN iqc_results r INDEXED BY iqc_results_lot_time_idx ON r.control_lot_id = l.id
       JOIN iqc_runs u ON u.id = r.run_id
       WHERE l.lab_id = ? AND l.analyte_id = ? AND r.measured_at >= ? AND l.instrument = ? AND r.current = 1 AND u.instrument = l.instrument`,
    ),
    /** current results of in-control runs of a series starting before a time, newest run first, a
     * page of runs at a time (rejected runs are left out; the judge skips excluded values) */
    contextValues: client.prepare<[number, number, string, number, number, number], ContextValueRow>(
      `SELECT u.id AS runId, u.measured_at AS runAt, u.client_run_id AS clientRunId, r.level, r.z, r.excluded, r.measured_at AS measuredAt,
              r.control_lot_id AS controlLotId, r.value FROM (
         SELECT id, measured_at, client_run_id FROM iqc_runs INDEXED BY iqc_runs_series_time_idx
         WHERE lab_id = ? AND analyte_id = ? AND instrument = ? AND measured_at < ? AND status IN ('accepted', 'warning')
         ORDER BY measured_at DESC, coalesce(client_run_id, '') DESC, id DESC LIMIT ? OFFSET ?) u
       JOIN iqc_results r ON r.run_id = u.id AND r.current = 1
       ORDER BY u.measured_at DESC, coalesce(u.client_run_id, '') DESC, u.id DESC`,
    ),
    /** whether a series has an in-control run starting before a time (else {@link contextValues} is
     * empty: a series' first results skip its sort) */
    hasContext: client
      .prepare<[number, number, string, number], number>(
        `SELECT 1 FROM iqc_runs INDEXED BY iqc_runs_series_time_idx
         WHERE lab_id = ? AND analyte_id = ? AND instrument = ? AND measured_at < ? AND status IN ('accepted', 'warning') LIMIT 1`,
      )
      .pluck(),
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
    updateRun: client.prepare<[string, string, number, number, number]>('UPDATE iqc_runs SET status = ?, rules = ?, evaluated_at = ?, measured_at = ? WHERE id = ?'),
    retireResult: client.prepare<[number]>('UPDATE iqc_results SET current = 0 WHERE id = ?'),
    deleteViolations: client.prepare<[number]>('DELETE FROM iqc_violations WHERE run_id = ?'),
    violationsOfRun: client.prepare<[number], { rule: string; levels: string }>('SELECT rule, levels FROM iqc_violations WHERE run_id = ? ORDER BY id'),
    /** the rows outside the ingest that its rows reference: [lab exists, user exists (or none
     * given), analytes of a JSON array that exist] */
    referencedRows: client
      .prepare<[number, number | null, number | null, string], [number, number, number]>(
        `SELECT EXISTS (SELECT 1 FROM laboratories WHERE id = ?), ? IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = ?),
                (SELECT count(*) FROM analytes WHERE id IN (SELECT value FROM json_each(?)))`,
      )
      .raw(),
    /** whether anything still references a run (any version of a result, a violation, a corrective action) */
    runReferenced: client
      .prepare<[number, number, number], number>(
        `SELECT EXISTS (SELECT 1 FROM iqc_results WHERE run_id = ?) OR EXISTS (SELECT 1 FROM iqc_violations WHERE run_id = ?)
           OR EXISTS (SELECT 1 FROM corrective_actions WHERE run_id = ?)`,
      )
      .pluck(),
    openAction: client.prepare<[number, number, number, number]>(
      `INSERT INTO corrective_actions (run_id, lab_id, analyte_id, status, opened_at) VALUES (?, ?, ?, 'open', ?) ON CONFLICT(run_id) DO NOTHING`,
    ),
  };
}

export type IqcStatements = ReturnType<typeof statements>;
const cache = new WeakMap<Database.Database, IqcStatements>();

/** The ingest path's prepared statements for this database handle (prepared once, then reused). */
export async function iqcStatements(db: DB): Promise<IqcStatements> {
  // PostgreSQL: the prefetched statements the ingest transaction opened (db/pg/iqc-ingest.ts)
  if (dialectOf(db) === 'pg') return pgIqcStatementsOf(db) as unknown as IqcStatements;
  let s = cache.get(db.$client);
  if (!s) {
    s = statements(db.$client);
    cache.set(db.$client, s);
  }
  return s;
}
