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

interface CatalogueRow {
  id: number;
  code: string;
  active: number;
  teaPercent: number | null;
  kind: string;
  categories: string | null;
}

/** catalogue: the analytes' codes, TEa and categorical shapes (also read before an ingest's
 * transaction, to validate its rows). */
export async function prefetchCatalogue(db: unknown) {
  return await rawAll<CatalogueRow>(
    db,
    sql`SELECT id, code, active::int AS active, tea_percent AS teaPercent, kind, categories::text AS categories FROM analytes`,
  );
}

/** catalogue, lotsOfLab, categoricalItems, targetsOfLab, ruleConfigsOfLab, labRunWindow: the lab's
 * context, once per ingest. */
export async function prefetchLab(db: unknown, labId: number) {
  // one statement, one round trip: each part a JSON array built by PostgreSQL, with the field names
  // and types of the statement it stands for (PostgreSQL writes numbers into JSON as it writes them
  // for the driver, so they parse to the same values)
  const [row] = await rawAll<{ catalogue: CatalogueRow[]; lots: LotRow[]; targets: TargetRow[]; ruleConfigs: { analyteId: number; rules: string }[]; runWindow: { minutes: number } | null }>(
    db,
    sql`SELECT
          (SELECT coalesce(json_agg(json_build_object('id', id, 'code', code, 'active', active::int, 'teaPercent', tea_percent, 'kind', kind, 'categories', categories::text)), '[]')
             FROM analytes) AS catalogue,
          (SELECT coalesce(json_agg(json_build_object('id', id, 'analyteId', analyte_id, 'level', level, 'lotNumber', lot_number, 'instrument', instrument,
                                                      'expectedCategory', expected_category, 'expectedFrom', expected_from, 'expiresOn', expires_on)), '[]')
             FROM control_lots WHERE lab_id = ${labId}) AS lots,
          (SELECT coalesce(json_agg(json_build_object('id', t.id, 'controlLotId', t.control_lot_id, 'version', t.version, 'mean', t.mean, 'sd', t.sd,
                                                      'source', t.source, 'effectiveFrom', t.effective_from)
                                    ORDER BY t.control_lot_id, t.effective_from, t.version), '[]')
             FROM qc_targets t JOIN control_lots l ON l.id = t.control_lot_id AND l.lab_id = t.lab_id WHERE t.lab_id = ${labId}) AS targets,
          (SELECT coalesce(json_agg(json_build_object('analyteId', analyte_id, 'rules', rules::text)), '[]')
             FROM qc_rule_configs WHERE lab_id = ${labId}) AS "ruleConfigs",
          (SELECT json_build_object('minutes', run_window_minutes) FROM laboratories WHERE id = ${labId}) AS "runWindow"`,
  );
  const categoricalItems = row.catalogue
    .filter((r) => r.kind !== 'quantitative')
    .map((r) => ({ id: r.id, code: r.code, kind: r.kind as 'qualitative' | 'ordinal' | 'nominal', categories: r.categories }));
  return { catalogue: row.catalogue, lots: row.lots, categoricalItems, targets: row.targets, ruleConfigs: row.ruleConfigs, runWindow: row.runWindow ?? undefined };
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
               r.target_id AS targetId, r.excluded::int AS excluded, u.measured_at AS runAt, u.client_run_id AS clientRunId, u.window_minutes AS runWindowMinutes,
               u.status AS runStatus, u.rules::text AS runRules, u.operator AS runOperator, k.analyte_id AS analyteId, k.instrument
        FROM unnest(${arrayParam(series.map((s) => s.analyteId))}::int[], ${arrayParam(series.map((s) => s.instrument))}::text[], ${arrayParam(series.map((s) => s.from))}::bigint[]) AS k(analyte_id, instrument, since)
        CROSS JOIN LATERAL (
          SELECT id FROM control_lots WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND instrument = k.instrument OFFSET 0
        ) l
        CROSS JOIN LATERAL (
          SELECT * FROM iqc_results WHERE control_lot_id = l.id AND lab_id = ${labId} AND measured_at >= k.since AND measured_at >= ${earliest} AND current OFFSET 0
        ) r
        CROSS JOIN LATERAL (
          SELECT measured_at, client_run_id, window_minutes, status, rules, operator FROM iqc_runs WHERE id = r.run_id AND lab_id = r.lab_id AND instrument = k.instrument LIMIT 1
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

/** contextValues (and hasContext) of every series of a batch: the current results of the newest
 * `maxRuns` in-control runs before the series' `from`, newest run first (the judge pages through
 * these in memory), and per series how many runs that read (with values or not): fewer than
 * `maxRuns` means the series' whole history before `from` is there. */
export async function prefetchContextValues(db: unknown, labId: number, series: readonly SeriesKey[], maxRuns: number) {
  const values = new Map<string, ContextValueRow[]>();
  const runsRead = new Map<string, number>();
  if (!series.length) return { values, runsRead };
  // a run without a judged value still counts towards maxRuns (as SQLite's pages count it): it comes
  // as one row without a level. Each run's values are read by its key (iqc_results_run_idx in each
  // month), whatever the statistics of tables an ingest just filled say: a hash of all the lab's
  // results was planned otherwise, and a bound on the time, which would prune the months before the
  // run, let the planner combine the (lab, analyte, time) index in
  const rows = await rawAll<Omit<ContextValueRow, 'level' | 'measuredAt' | 'controlLotId' | 'value' | 'excluded'> & { level: string | null; excluded: number | null; measuredAt: number | null; controlLotId: number | null; value: number | null; analyteId: number; instrument: string }>(
    db,
    sql`SELECT u.id AS runId, u.measured_at AS runAt, u.client_run_id AS clientRunId, r.level, r.z, r.excluded::int AS excluded, r.measured_at AS measuredAt,
               r.control_lot_id AS controlLotId, r.value, k.analyte_id AS analyteId, k.instrument
        FROM unnest(${arrayParam(series.map((s) => s.analyteId))}::int[], ${arrayParam(series.map((s) => s.instrument))}::text[], ${arrayParam(series.map((s) => s.from))}::bigint[]) AS k(analyte_id, instrument, before)
        CROSS JOIN LATERAL (
          SELECT id, measured_at, client_run_id FROM iqc_runs
          WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND instrument = k.instrument AND measured_at < k.before AND status IN ('accepted', 'warning')
          ORDER BY measured_at DESC, coalesce(client_run_id, '') DESC, id DESC LIMIT ${maxRuns}) u
        LEFT JOIN LATERAL (
          SELECT level, z, excluded, measured_at, control_lot_id, value FROM iqc_results
          WHERE run_id = u.id AND lab_id = ${labId} AND current OFFSET 0) r ON true
        ORDER BY k.analyte_id, k.instrument, u.measured_at DESC, coalesce(u.client_run_id, '') DESC, u.id DESC`,
  );
  let lastRun: number | undefined;
  let lastKey: string | undefined;
  for (const r of rows) {
    const key = seriesKeyOf(r.analyteId, r.instrument);
    if (key !== lastKey || r.runId !== lastRun) runsRead.set(key, (runsRead.get(key) ?? 0) + 1);
    lastKey = key;
    lastRun = r.runId;
    if (r.level === null) continue;
    let list = values.get(key);
    if (!list) values.set(key, (list = []));
    list.push({ runId: r.runId, runAt: r.runAt, clientRunId: r.clientRunId, level: r.level, z: r.z, excluded: r.excluded!, measuredAt: r.measuredAt!, controlLotId: r.controlLotId!, value: r.value! });
  }
  return { values, runsRead };
}
