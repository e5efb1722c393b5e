// The IQC ingest's reads on PostgreSQL, prefetched per batch (work in progress, not wired yet).
// SQLite's engine reads through synchronous better-sqlite3 statements (db/queries/iqc-ingest.ts), some
// from inside the Westgard evaluation; PostgreSQL cannot answer synchronously, so a batch loads what
// each series needs up front with a few set-based queries (series keys as one array parameter per
// column, unnest), and the PostgreSQL statements object answers the engine from these maps.
// The statement each function stands for is named in its comment.
import { sql } from 'drizzle-orm';
import { rawAll } from '../dialect';
import type { ContextValueRow, LotRow, RegionResultRow, TargetRow } from '../queries/iqc-ingest';
import { arrayParam } from './array-param';

/** A series of a batch: lab, analyte, instrument and the earliest time the batch touches. */
export interface SeriesKey {
  analyteId: number;
  instrument: string;
  /** plan.from: region results at or after it, context runs before it */
  from: number;
}

export const seriesKeyOf = (analyteId: number, instrument: string) => `${analyteId}\u0000${instrument}`;

/** catalogue, lotsOfLab, categoricalItems, targetsOfLab, ruleConfigsOfLab, labRunWindow: the lab's
 * context, six reads once per ingest. */
export async function prefetchCatalogue(db: unknown) {
  return await rawAll<{ id: number; code: string; active: number; teaPercent: number | null; kind: string; categories: string | null }>(
    db,
    sql`SELECT id, code, active::int AS active, tea_percent AS teaPercent, kind, categories::text AS categories FROM analytes`,
  );
}

export async function prefetchLab(db: unknown, labId: number) {
  // one after the other: inside the ingest's transaction `db` is one connection, which answers one
  // query at a time (queries sent together queue in node-postgres with a deprecation warning; pg 9 refuses them)
  const catalogue = await prefetchCatalogue(db);
  const lots = await rawAll<LotRow>(
    db,
    sql`SELECT id, analyte_id AS analyteId, level, lot_number AS lotNumber, instrument, expected_category AS expectedCategory, expected_from AS expectedFrom
        FROM control_lots WHERE lab_id = ${labId}`,
  );
  const targets = await rawAll<TargetRow>(
    db,
    sql`SELECT t.id, t.control_lot_id AS controlLotId, t.version, t.mean, t.sd, t.source, t.effective_from AS effectiveFrom
        FROM qc_targets t JOIN control_lots l ON l.id = t.control_lot_id AND l.lab_id = t.lab_id
        WHERE t.lab_id = ${labId} ORDER BY t.control_lot_id, t.effective_from, t.version`,
  );
  const ruleConfigs = await rawAll<{ analyteId: number; rules: string }>(db, sql`SELECT analyte_id AS analyteId, rules::text AS rules FROM qc_rule_configs WHERE lab_id = ${labId}`);
  const window = await rawAll<{ minutes: number }>(db, sql`SELECT run_window_minutes AS minutes FROM laboratories WHERE id = ${labId}`);
  const categoricalItems = catalogue
    .filter((r) => r.kind !== 'quantitative')
    .map((r) => ({ id: r.id, code: r.code, kind: r.kind as 'qualitative' | 'ordinal' | 'nominal', categories: r.categories }));
  return { catalogue, lots, categoricalItems, targets, ruleConfigs, runWindow: window[0] };
}

/** clientRun for every client run id of a batch: (analyte, instrument, client run id) → stored run. */
export async function prefetchClientRuns(db: unknown, labId: number, keys: readonly { analyteId: number; instrument: string; clientRunId: string }[]) {
  const out = new Map<string, { id: number; measuredAt: number }>();
  if (!keys.length) return out;
  const rows = await rawAll<{ id: number; measuredAt: number; analyteId: number; instrument: string; clientRunId: string }>(
    db,
    sql`SELECT u.id, u.measured_at AS measuredAt, u.analyte_id AS analyteId, u.instrument, u.client_run_id AS clientRunId
        FROM unnest(${arrayParam(keys.map((k) => k.analyteId))}::int[], ${arrayParam(keys.map((k) => k.instrument))}::text[], ${arrayParam(keys.map((k) => k.clientRunId))}::text[]) AS k(analyte_id, instrument, client_run_id)
        JOIN iqc_runs u ON u.lab_id = ${labId} AND u.client_run_id = k.client_run_id AND u.analyte_id = k.analyte_id AND u.instrument = k.instrument`,
  );
  for (const r of rows) out.set(`${seriesKeyOf(r.analyteId, r.instrument)}\u0000${r.clientRunId}`, { id: r.id, measuredAt: r.measuredAt });
  return out;
}

/** The region read of {@link prefetchRegionResults}: series → its control lots (a lot belongs to one
 * instrument) → each lot's current results from the series' `from` (index lot, time) → each result's
 * run by key, in that order whatever the statistics say (OFFSET 0 / LIMIT 1 keep the lateral
 * subqueries from being flattened: a lab the statistics do not know yet, at its first ingest, otherwise
 * got a plan that scanned the lab's runs once per result). Reading by lot leaves out the item's results
 * on the lab's other instruments, which a back-dated post read and dropped (every later result of
 * the item on every instrument). */
export function regionResultsSql(labId: number, series: readonly SeriesKey[]) {
  // the earliest `from` as a plain value too: the planner leaves out the months before it (k.since
  // alone prunes them only when the plan runs, after planning every month: 10 ms a post with three
  // years of months, the execution 1 ms)
  let earliest = Infinity;
  for (const s of series) if (s.from < earliest) earliest = s.from;
  return sql`SELECT r.id, r.run_id AS runId, r.control_lot_id AS controlLotId, r.level, r.value, r.category, r.signal, r.measured_at AS measuredAt, r.z,
               r.target_id AS targetId, r.excluded::int AS excluded, u.measured_at AS runAt, u.client_run_id AS clientRunId, u.status AS runStatus,
               u.rules::text AS runRules, u.operator AS runOperator, k.analyte_id AS analyteId, k.instrument
        FROM unnest(${arrayParam(series.map((s) => s.analyteId))}::int[], ${arrayParam(series.map((s) => s.instrument))}::text[], ${arrayParam(series.map((s) => s.from))}::bigint[]) AS k(analyte_id, instrument, since)
        CROSS JOIN LATERAL (
          SELECT id FROM control_lots WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND instrument = k.instrument OFFSET 0
        ) l
        CROSS JOIN LATERAL (
          SELECT * FROM iqc_results WHERE control_lot_id = l.id AND lab_id = ${labId} AND measured_at >= k.since AND measured_at >= ${earliest} AND current OFFSET 0
        ) r
        CROSS JOIN LATERAL (
          SELECT measured_at, client_run_id, status, rules, operator FROM iqc_runs WHERE id = r.run_id AND lab_id = r.lab_id AND instrument = k.instrument LIMIT 1
        ) u`;
}

/** regionResults of every series of a batch: current results at or after the series' `from`. */
export async function prefetchRegionResults(db: unknown, labId: number, series: readonly SeriesKey[]) {
  const out = new Map<string, RegionResultRow[]>();
  if (!series.length) return out;
  const rows = await rawAll<RegionResultRow & { analyteId: number; instrument: string }>(
    db,
    regionResultsSql(labId, series),
  );
  for (const r of rows) {
    const key = seriesKeyOf(r.analyteId, r.instrument);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(r);
  }
  return out;
}

/** contextValues (and hasContext) of every series of a batch: the judged values of the newest
 * `maxRuns` in-control runs before the series' `from`, newest run first (the judge pages through
 * these in memory; it reads at most MAX_CONTEXT_RUNS runs). */
export async function prefetchContextValues(db: unknown, labId: number, series: readonly SeriesKey[], maxRuns: number) {
  const out = new Map<string, ContextValueRow[]>();
  if (!series.length) return out;
  const rows = await rawAll<ContextValueRow & { analyteId: number; instrument: string }>(
    db,
    sql`SELECT u.id AS runId, r.level, r.z, k.analyte_id AS analyteId, k.instrument
        FROM unnest(${arrayParam(series.map((s) => s.analyteId))}::int[], ${arrayParam(series.map((s) => s.instrument))}::text[], ${arrayParam(series.map((s) => s.from))}::bigint[]) AS k(analyte_id, instrument, before)
        CROSS JOIN LATERAL (
          SELECT id, measured_at, client_run_id FROM iqc_runs
          WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND instrument = k.instrument AND measured_at < k.before AND status IN ('accepted', 'warning')
          ORDER BY measured_at DESC, coalesce(client_run_id, '') DESC, id DESC LIMIT ${maxRuns}) u
        JOIN iqc_results r ON r.run_id = u.id AND r.lab_id = ${labId} AND r.current AND NOT r.excluded AND r.z IS NOT NULL
        ORDER BY k.analyte_id, k.instrument, u.measured_at DESC, coalesce(u.client_run_id, '') DESC, u.id DESC`,
  );
  for (const r of rows) {
    const key = seriesKeyOf(r.analyteId, r.instrument);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push({ runId: r.runId, level: r.level, z: r.z });
  }
  return out;
}
