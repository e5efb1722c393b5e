// The parents of the IQC writer's rows on PostgreSQL, checked set-wise instead of row by row
// (FOREIGN_KEYS_CHECKED_BY_WRITER in db/pg/differences.ts): a result's run, control lot, target and
// author; a violation's or corrective action's run; a run's laboratory, item and author. One
// statement per flush checks every id the flushed rows name, after they are written in the same
// transaction. The shared parents (laboratory, item, author, target) are locked FOR KEY SHARE, as a
// declared key's row check locks them, so a delete of one waits for this transaction and then finds
// its rows (the parents' tables refuse to delete a row IQC rows name: PostgreSQL migration 0011).
// Runs and lots are not locked: only IQC writers of the lab, which hold the lab's writer lock
// (db/pg/iqc-lock.ts) as this transaction does, delete runs, and lots are never deleted.
import { sql } from 'drizzle-orm';
import { rawAll } from '../dialect';
import { arrayParam } from './array-param';

/** The parent ids rows name, per parent table. */
export interface IqcParentIds {
  runs: Set<number>;
  lots: Set<number>;
  targets: Set<number>;
  users: Set<number>;
  labs: Set<number>;
  analytes: Set<number>;
}

export const noIqcParentIds = (): IqcParentIds => ({ runs: new Set(), lots: new Set(), targets: new Set(), users: new Set(), labs: new Set(), analytes: new Set() });

/** The parent columns of each table the IQC writer fills (row keys as drizzle names them). */
export const IQC_PARENT_COLUMNS: Record<string, readonly (readonly [string, keyof IqcParentIds])[]> = {
  iqc_results: [['runId', 'runs'], ['controlLotId', 'lots'], ['targetId', 'targets'], ['createdBy', 'users']],
  iqc_violations: [['runId', 'runs']],
  iqc_runs: [['labId', 'labs'], ['analyteId', 'analytes'], ['createdBy', 'users']],
};

/** Note the parents one row of `table` names (a row keyed as drizzle names the columns). */
export function noteIqcParents(into: IqcParentIds, table: string, row: Record<string, unknown>): void {
  for (const [key, set] of IQC_PARENT_COLUMNS[table] ?? []) {
    const v = row[key];
    if (v !== null && v !== undefined) into[set].add(Number(v));
  }
}

const isEmpty = (p: IqcParentIds) => Object.values(p).every((s: Set<number>) => s.size === 0);

/** The error a declared key gives (code 23503, PostgreSQL's detail), for a missing parent. */
function missingParent(what: string, detail: string): Error {
  return Object.assign(new Error(`${what} does not exist`), { code: '23503', detail });
}

/**
 * Refuse (23503) when a parent the rows of lab `labId` name does not exist. Call after writing the
 * rows, in their transaction. A null id (no target, no author) names no parent.
 */
export async function checkIqcParents(tx: unknown, labId: number, p: IqcParentIds): Promise<void> {
  if (isEmpty(p)) return;
  const ids = (s: Set<number>) => arrayParam([...s]);
  const [m] = await rawAll<{ run: number | null; lot: number | null; target: number | null; usr: number | null; lab: number | null; analyte: number | null }>(
    tx,
    sql`WITH l AS (SELECT id FROM laboratories WHERE id = ANY(${ids(p.labs)}::bigint[]) FOR KEY SHARE),
             a AS (SELECT id FROM analytes WHERE id = ANY(${ids(p.analytes)}::bigint[]) FOR KEY SHARE),
             u AS (SELECT id FROM users WHERE id = ANY(${ids(p.users)}::bigint[]) FOR KEY SHARE),
             t AS (SELECT id FROM qc_targets WHERE lab_id = ${labId} AND id = ANY(${ids(p.targets)}::bigint[]) FOR KEY SHARE)
        SELECT (SELECT min(k.id) FROM unnest(${ids(p.runs)}::bigint[]) AS k(id) WHERE NOT EXISTS (SELECT 1 FROM iqc_runs r WHERE r.lab_id = ${labId} AND r.id = k.id)) AS run,
               (SELECT min(k.id) FROM unnest(${ids(p.lots)}::bigint[]) AS k(id) WHERE NOT EXISTS (SELECT 1 FROM control_lots c WHERE c.lab_id = ${labId} AND c.id = k.id)) AS lot,
               (SELECT min(k.id) FROM unnest(${ids(p.targets)}::bigint[]) AS k(id) WHERE k.id NOT IN (SELECT id FROM t)) AS target,
               (SELECT min(k.id) FROM unnest(${ids(p.users)}::bigint[]) AS k(id) WHERE k.id NOT IN (SELECT id FROM u)) AS usr,
               (SELECT min(k.id) FROM unnest(${ids(p.labs)}::bigint[]) AS k(id) WHERE k.id NOT IN (SELECT id FROM l)) AS lab,
               (SELECT min(k.id) FROM unnest(${ids(p.analytes)}::bigint[]) AS k(id) WHERE k.id NOT IN (SELECT id FROM a)) AS analyte`,
  );
  if (m?.run != null) throw missingParent(`run ${m.run} of lab ${labId}`, `Key (lab_id, run_id)=(${labId}, ${m.run}) is not present in table "iqc_runs".`);
  if (m?.lot != null) throw missingParent(`control lot ${m.lot} of lab ${labId}`, `Key (lab_id, control_lot_id)=(${labId}, ${m.lot}) is not present in table "control_lots".`);
  if (m?.target != null) throw missingParent(`QC target ${m.target} of lab ${labId}`, `Key (lab_id, target_id)=(${labId}, ${m.target}) is not present in table "qc_targets".`);
  if (m?.usr != null) throw missingParent(`user ${m.usr}`, `Key (created_by)=(${m.usr}) is not present in table "users".`);
  if (m?.lab != null) throw missingParent(`laboratory ${m.lab}`, `Key (lab_id)=(${m.lab}) is not present in table "laboratories".`);
  if (m?.analyte != null) throw missingParent(`item ${m.analyte}`, `Key (analyte_id)=(${m.analyte}) is not present in table "analytes".`);
}
