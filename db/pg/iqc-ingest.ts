// The IQC ingest's statements on PostgreSQL (the same synchronous interface as SQLite's
// better-sqlite3 set in db/queries/iqc-ingest.ts, so the engine and SQLite's hot path stay as they
// are). PostgreSQL cannot answer synchronously, so an ingest transaction loads what each series
// needs per batch, up front (db/pg/iqc-ingest-prefetch.ts: lab context, client runs, region results,
// context values, the corrective actions of the stored runs), and the statements answer from these;
// writes (lots and runs with ids taken ahead from their sequences, results, violations, updates,
// deletes) are queued in order and run by flush() on the transaction's connection, rows through the
// bulk writer (db/pg/bulk-writer.ts: unnest, or COPY from 5,000 rows). New rows of one table go into
// one queued insert across the series of a batch while no other write to that table is queued after
// it (see insertRows), so an import writes its runs, results and violations in a few large
// statements rather than a few per series. The daily aggregates of the touched series and days are refreshed by the last
// queued write (db/pg/daily-iqc-refresh.ts).
// The foreign keys of results, violations and corrective actions to their run and of results to
// their control lot are not declared on PostgreSQL (FOREIGN_KEYS_CHECKED_BY_WRITER in
// db/pg/differences.ts): flush() checks the parents its queued rows name once, set-wise, after
// writing them, and a merged-away run is deleted only when nothing references it.
import { getTableName, sql, type SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { rawAll, rawRun } from '../dialect';
import type { BulkOptions, BulkWriter } from '../bulk';
import { PG_BULK_BATCH, pgBulkWriter, takeIdsSql } from './bulk-writer';
import type { ContextValueRow, LotRow, RegionResultRow, TargetRow } from '../queries/iqc-ingest';
import { prefetchClientRuns, prefetchContextValues, prefetchLab, prefetchRegionResults, seriesKeyOf, type SeriesKey } from './iqc-ingest-prefetch';
import { lockLabIqcWriters } from './iqc-lock';
import { checkIqcParents, IQC_PARENT_COLUMNS, noIqcParentIds, noteIqcParents, type IqcParentIds } from './iqc-parents';
import { arrayParam } from './array-param';

type Op = () => Promise<void>;

/** The in-control runs of history first read per series: the judge's first two pages (16 and 64
 * runs; lib/services/iqc/judge.ts, readContextRuns), enough for a series whose runs carry every
 * level. A small post after years of history reads these, not MAX_CONTEXT_RUNS. */
const CONTEXT_FIRST_RUNS = 80;
interface ActionRow {
  id: number;
  status: string;
  cause: string | null;
  action: string | null;
  outcome: string | null;
}
const NONE = { changes: 0 };
const ONE = { changes: 1 };

/** The prefetched statements of one ingest transaction on PostgreSQL. */
export class PgIqcStatements {
  /** what the engine asks of SQLite's handle: PostgreSQL always checks its foreign keys (write.ts
   * checks a merged-away run by hand only when SQLite's checks are off) */
  readonly $client = { pragma: (_name: string, _opts?: unknown) => 1 };
  /** the parents the queued rows name (checked by flush: db/pg/iqc-parents.ts) */
  private parents = noIqcParentIds();
  private ops: Op[] = [];
  private lab!: Awaited<ReturnType<typeof prefetchLab>>;
  private clientRuns = new Map<string, { id: number; measuredAt: number }>();
  private region = new Map<string, { from: number; rows: RegionResultRow[] }>();
  private context = new Map<string, { before: number; rows: ContextValueRow[]; runs: number[]; runsRead: number }>();
  private actions = new Map<number, ActionRow>();
  private actionIds = new Map<number, number>();
  /** ids taken ahead per table, and how many of them are used (shift() on thousands is quadratic) */
  private ids = new Map<string, { list: number[]; used: number }>();
  /** run verdicts, violation deletes and opened corrective actions queued since the last other
   * write: one statement each (they commute: different tables, one update per run); written before
   * the next other write */
  private runUpdates: { id: number; status: string; rules: string; evaluatedAt: number; measuredAt: number }[] = [];
  private updatedRuns = new Set<number>();
  private violationDeletes: number[] = [];
  /** corrective actions opened since the last other write: one statement (ON CONFLICT DO NOTHING, as one by one) */
  private openedActions: { runId: number; analyteId: number; at: number }[] = [];

  constructor(
    readonly tx: unknown,
    readonly labId: number,
  ) {}

  /** the lab's context (loadLabContext reads it through the statements) */
  async loadLab(): Promise<void> {
    this.lab = await prefetchLab(this.tx, this.labId);
  }

  /** what planBatch reads: the stored client runs the batch names, each series' current results
   * from the earliest time its values can reach (its run window before them, or an earlier client run) */
  async loadPlanning(values: readonly { analyteId: number; instrument: string; measuredAt: number; run: string | null }[], windowMs: number): Promise<void> {
    const keys: { analyteId: number; instrument: string; clientRunId: string }[] = [];
    const seen = new Set<string>();
    const from = new Map<string, SeriesKey>();
    for (const v of values) {
      const k = seriesKeyOf(v.analyteId, v.instrument);
      const s = from.get(k);
      if (!s) from.set(k, { analyteId: v.analyteId, instrument: v.instrument, from: v.measuredAt - windowMs });
      else if (v.measuredAt - windowMs < s.from) s.from = v.measuredAt - windowMs;
      if (v.run && !seen.has(`${k}\u0000${v.run}`)) {
        seen.add(`${k}\u0000${v.run}`);
        keys.push({ analyteId: v.analyteId, instrument: v.instrument, clientRunId: v.run });
      }
    }
    this.clientRuns = await prefetchClientRuns(this.tx, this.labId, keys);
    for (const r of keys) {
      const c = this.clientRuns.get(`${seriesKeyOf(r.analyteId, r.instrument)}\u0000${r.clientRunId}`);
      const s = from.get(seriesKeyOf(r.analyteId, r.instrument))!;
      if (c && c.measuredAt < s.from) s.from = c.measuredAt;
    }
    const series = [...from.values()];
    const rows = await prefetchRegionResults(this.tx, this.labId, series);
    for (const s of series) this.region.set(seriesKeyOf(s.analyteId, s.instrument), { from: s.from, rows: rows.get(seriesKeyOf(s.analyteId, s.instrument)) ?? [] });
  }

  /** what re-judging a series from `from` on reads (a correction, an exclusion): its current
   * results from `from` (seriesFrom); then {@link loadWriting} with its plan */
  async loadSeries(analyteId: number, instrument: string, from: number): Promise<void> {
    const series = [{ analyteId, instrument, from }];
    const rows = await prefetchRegionResults(this.tx, this.labId, series);
    const key = seriesKeyOf(analyteId, instrument);
    this.region.set(key, { from, rows: rows.get(key) ?? [] });
  }

  /** what evaluation and writing read: each plan's context history, the corrective actions of its
   * stored runs; ids for the new lots and runs. The history is read up to CONTEXT_FIRST_RUNS runs per
   * series, and up to `maxContextRuns` for a series where `readsContext` (the judge's reading of the
   * history, run on what was loaded) asks for a page past a history that was cut short. */
  async loadWriting<P extends { analyteId: number; instrument: string; from: number; runs: readonly { existingId?: number }[]; removed?: readonly unknown[] }>(
    plans: readonly P[],
    newLots: number,
    maxContextRuns: number,
    readsContext: (plan: P, read: (limit: number, offset: number) => readonly ContextValueRow[]) => unknown,
  ): Promise<void> {
    const first = Math.min(CONTEXT_FIRST_RUNS, maxContextRuns);
    await this.loadContext(plans, first);
    const more = plans.filter((p) => {
      const key = seriesKeyOf(p.analyteId, p.instrument);
      const c = this.context.get(key)!;
      if (c.runsRead < first) return false;
      let past = false;
      readsContext(p, (limit, offset) => {
        if (offset + limit > c.runs.length) past = true;
        return this.contextValues.all(this.labId, p.analyteId, p.instrument, p.from, limit, offset);
      });
      return past;
    });
    if (more.length) await this.loadContext(more, maxContextRuns);
    // the runs a plan can touch: its stored runs (region results of the series)
    const runIds = new Set<number>();
    for (const r of this.region.values()) for (const x of r.rows) runIds.add(x.runId);
    if (runIds.size) {
      const rows = await rawAll<ActionRow & { runId: number }>(
        this.tx,
        sql`SELECT id, run_id AS runId, status, cause, action, outcome FROM corrective_actions WHERE lab_id = ${this.labId} AND run_id = ANY(${arrayParam([...runIds])}::bigint[])`,
      );
      for (const r of rows) {
        this.actions.set(r.runId, { id: r.id, status: r.status, cause: r.cause, action: r.action, outcome: r.outcome });
        this.actionIds.set(r.id, r.runId);
      }
    }
    // ids for the runs formed anew (stored runs keep theirs)
    let runs = 0;
    for (const p of plans) for (const r of p.runs) if (r.existingId === undefined) runs++;
    await this.takeIds('control_lots', newLots);
    await this.takeIds('iqc_runs', runs);
  }

  private async takeIds(table: string, n: number): Promise<void> {
    if (n <= 0) return;
    const got = await rawAll<{ id: number }>(this.tx, takeIdsSql(table, n));
    const taken = this.ids.get(table);
    const fresh = got.map((r) => Number(r.id));
    this.ids.set(table, taken ? { list: [...taken.list.slice(taken.used), ...fresh], used: 0 } : { list: fresh, used: 0 });
  }

  private nextId(table: string): number {
    const taken = this.ids.get(table);
    const id = taken && taken.used < taken.list.length ? taken.list[taken.used++] : undefined;
    if (id === undefined) throw new Error(`PostgreSQL ingest: no id taken ahead for ${table}`);
    return id;
  }

  /** queue one statement (it may write any of the ingest's tables: later rows start new inserts) */
  private run(q: SQL): void {
    this.push(async () => {
      await rawRun(this.tx, q);
    });
    this.inserts.clear();
  }

  /** the queued insert of each table that later rows of the same columns still join (see insertRows) */
  private inserts = new Map<string, { key: string; rows: unknown[][]; ids: number[] | undefined }>();

  /**
   * Queue new rows of a table (ids, when given, taken ahead from its sequence): they join the insert
   * of that table already queued when nothing queued since writes that table, else start a new one.
   * Joining moves the rows before the writes queued since, which touch other tables only: the
   * rows are new (nothing queued before them names their ids), and the keys PostgreSQL checks for
   * them (a result's target and author, a run's lab, analyte and author) name rows the ingest never
   * writes; the keys to the runs and lots are checked by flush after every write
   * (FOREIGN_KEYS_CHECKED_BY_WRITER). Any single statement (run) ends every open insert, and the
   * batched run updates and violation deletes end the inserts of their tables.
   */
  private insertRows(table: SQLiteTable, name: string, columns: readonly string[] | undefined, rows: unknown[][], ids: number[] | undefined): void {
    this.writeRunBatch();
    const key = `${(columns ?? []).join()}|${ids ? 'ids' : ''}`;
    const open = this.inserts.get(name);
    if (open && open.key === key) {
      for (const r of rows) open.rows.push(r);
      if (ids) for (const id of ids) open.ids!.push(id);
      return;
    }
    const group = { key, rows, ids };
    this.inserts.set(name, group);
    this.ops.push(async () => {
      // in statements of equal size up to the writer's batch (14,400 rows as 2 × 7,200, both by COPY,
      // rather than 10,000 by COPY and 4,400 by unnest)
      const all = group.rows;
      const parts = Math.ceil(all.length / PG_BULK_BATCH);
      const size = Math.ceil(all.length / parts);
      for (let from = 0; from < all.length; from += size) {
        const w = pgBulkWriter(this.tx, table, { columns: columns as BulkOptions<never>['columns'], givenIds: group.ids?.slice(from, from + size) });
        for (let r = from; r < Math.min(all.length, from + size); r++) w.addValues(all[r]);
        await w.flush();
      }
    });
  }

  /** queue a write after the run verdicts and violation deletes queued before it */
  private push(op: Op): void {
    this.writeRunBatch();
    this.ops.push(op);
  }

  private writeRunBatch(): void {
    const updates = this.runUpdates;
    const deletes = this.violationDeletes;
    const opened = this.openedActions;
    if (updates.length) {
      this.runUpdates = [];
      this.updatedRuns = new Set();
      this.inserts.delete('iqc_runs');
      this.ops.push(async () => {
        await rawRun(
          this.tx,
          sql`UPDATE iqc_runs u SET status = k.status, rules = k.rules::jsonb, evaluated_at = k.evaluated_at, measured_at = k.measured_at
              FROM unnest(${arrayParam(updates.map((x) => x.id))}::bigint[], ${arrayParam(updates.map((x) => x.status))}::text[], ${arrayParam(updates.map((x) => x.rules))}::text[],
                          ${arrayParam(updates.map((x) => x.evaluatedAt))}::bigint[], ${arrayParam(updates.map((x) => x.measuredAt))}::bigint[]) AS k(id, status, rules, evaluated_at, measured_at)
              WHERE u.id = k.id AND u.lab_id = ${this.labId}`,
        );
      });
    }
    if (deletes.length) {
      this.violationDeletes = [];
      this.inserts.delete('iqc_violations');
      this.ops.push(async () => {
        await rawRun(this.tx, sql`DELETE FROM iqc_violations WHERE lab_id = ${this.labId} AND run_id = ANY(${arrayParam(deletes)}::bigint[])`);
      });
    }
    if (opened.length) {
      this.openedActions = [];
      this.inserts.delete('corrective_actions');
      this.ops.push(async () => {
        await rawRun(
          this.tx,
          sql`INSERT INTO corrective_actions (run_id, lab_id, analyte_id, status, opened_at)
              SELECT k.run_id, ${this.labId}::bigint, k.analyte_id, 'open', k.opened_at
              FROM unnest(${arrayParam(opened.map((x) => x.runId))}::bigint[], ${arrayParam(opened.map((x) => x.analyteId))}::bigint[], ${arrayParam(opened.map((x) => x.at))}::bigint[]) AS k(run_id, analyte_id, opened_at)
              ON CONFLICT (run_id, lab_id) DO NOTHING`,
        );
      });
    }
  }

  /** queue a write that is not one statement (the daily aggregates' refresh, db/pg/daily-iqc-refresh.ts) */
  queue(op: Op): void {
    this.push(op);
    this.inserts.clear();
  }

  /** run the queued writes in order (before anything reads them back) */
  async flush(): Promise<void> {
    this.writeRunBatch();
    const ops = this.ops;
    this.ops = [];
    this.inserts.clear();
    try {
      for (const op of ops) await op();
      await this.checkParents();
    } catch (e) {
      // as SQLite words it (a lab, user or analyte the rows reference does not exist)
      const pgError = ((e as { cause?: unknown }).cause ?? e) as { code?: string; detail?: string };
      if (pgError.code === '23503') throw new Error(`FOREIGN KEY constraint failed: ${pgError.detail ?? ''}`, { cause: e });
      throw e;
    }
  }

  /** The parents the rows written since the last check name exist (db/pg/iqc-parents.ts). */
  private async checkParents(): Promise<void> {
    const p = this.parents;
    this.parents = noIqcParentIds();
    await checkIqcParents(this.tx, this.labId, p);
  }

  /** a bulk writer whose rows are queued (ids from the sequence taken ahead) */
  deferredWriter<T extends SQLiteTable>(table: T, opts: BulkOptions<T['$inferInsert']>): BulkWriter<T['$inferInsert']> {
    const tableName = getTableName(table);
    const rows: unknown[][] = [];
    const objects: T['$inferInsert'][] = [];
    const ids: number[] = [];
    const columns = (opts.columns ?? []) as readonly string[];
    const self = this;
    // the parents the rows name (checked by flush): a result's run, lot, target and author, a
    // violation's run, a run's laboratory, item and author (a column left out names none)
    const parentColumns = (IQC_PARENT_COLUMNS[tableName] ?? []).map(([key, set]) => ({ key, at: columns.indexOf(key), set }));
    const note = (v: unknown, set: keyof IqcParentIds) => {
      if (v !== null && v !== undefined) self.parents[set].add(Number(v));
    };
    return {
      columns,
      ids,
      add(row) {
        objects.push(row);
        noteIqcParents(self.parents, tableName, row as Record<string, unknown>);
        if (opts.returnIds) ids.push(self.nextId(tableName));
      },
      addValues(values) {
        rows.push([...values]);
        for (const c of parentColumns) if (c.at >= 0) note(values[c.at], c.set);
        if (opts.returnIds) ids.push(self.nextId(tableName));
      },
      flush() {
        const batch = rows.splice(0);
        const objs = objects.splice(0);
        // the ids of these rows (rows added by values and as objects are not mixed in one writer)
        const given = opts.returnIds ? ids.slice(ids.length - batch.length - objs.length) : undefined;
        if (objs.length) {
          self.push(async () => {
            const w = pgBulkWriter(self.tx, table, { columns: opts.columns, givenIds: given });
            for (const o of objs) w.add(o);
            await w.flush();
          });
          self.inserts.clear();
        } else if (batch.length) self.insertRows(table, tableName, opts.columns as readonly string[] | undefined, batch, given);
        return Promise.resolve();
      },
    } as BulkWriter<T['$inferInsert']>;
  }

  private regionOf(analyteId: number, instrument: string, from: number): RegionResultRow[] {
    const r = this.region.get(seriesKeyOf(analyteId, instrument));
    if (!r || from < r.from) throw new Error(`PostgreSQL ingest: results of series ${analyteId}/${instrument} from ${from} not loaded`);
    return r.rows.filter((x) => x.measuredAt >= from);
  }

  /** the series' in-control history before their `from`: up to `maxRuns` runs each */
  private async loadContext(plans: readonly { analyteId: number; instrument: string; from: number }[], maxRuns: number): Promise<void> {
    const series = plans.map((p) => ({ analyteId: p.analyteId, instrument: p.instrument, from: p.from }));
    const { values, runsRead } = await prefetchContextValues(this.tx, this.labId, series, maxRuns);
    for (const s of series) {
      const key = seriesKeyOf(s.analyteId, s.instrument);
      const rows = values.get(key) ?? [];
      const runs: number[] = [];
      for (let i = 0; i < rows.length; i++) if (i === 0 || rows[i - 1].runId !== rows[i].runId) runs.push(i);
      this.context.set(key, { before: s.from, rows, runs, runsRead: runsRead.get(key) ?? 0 });
    }
  }

  private contextOf(analyteId: number, instrument: string, before: number) {
    const c = this.context.get(seriesKeyOf(analyteId, instrument));
    if (!c || c.before !== before) throw new Error(`PostgreSQL ingest: context of series ${analyteId}/${instrument} before ${before} not loaded`);
    return c;
  }

  // the statements (the engine's calls, answered from the loaded rows or queued)
  catalogue = { all: () => this.lab.catalogue };
  lotsOfLab = { all: (_labId: number): LotRow[] => this.lab.lots };
  categoricalItems = { all: () => this.lab.categoricalItems };
  targetsOfLab = { all: (_labId: number): TargetRow[] => this.lab.targets };
  ruleConfigsOfLab = { all: (_labId: number) => this.lab.ruleConfigs };
  labRunWindow = { get: (_labId: number) => this.lab.runWindow };
  insertLot = {
    run: (labId: number, analyteId: number, level: string, lot: string, instrument: string, now: number) => {
      const id = this.nextId('control_lots');
      this.run(sql`INSERT INTO control_lots (id, lab_id, analyte_id, level, lot_number, instrument, created_at) VALUES (${id}, ${labId}, ${analyteId}, ${level}, ${lot}, ${instrument}, ${now})`);
      return { changes: 1, lastInsertRowid: id };
    },
  };
  clientRun = { get: (_labId: number, clientRunId: string, analyteId: number, instrument: string) => this.clientRuns.get(`${seriesKeyOf(analyteId, instrument)}\u0000${clientRunId}`) };
  regionResults = { all: (_labId: number, analyteId: number, from: number, instrument: string) => this.regionOf(analyteId, instrument, from) };
  contextValues = {
    all: (_labId: number, analyteId: number, instrument: string, before: number, limit: number, offset: number): ContextValueRow[] => {
      const c = this.contextOf(analyteId, instrument, before);
      if (offset >= c.runs.length) return [];
      const end = offset + limit < c.runs.length ? c.runs[offset + limit] : c.rows.length;
      return c.rows.slice(c.runs[offset], end);
    },
  };
  hasContext = { get: (_labId: number, analyteId: number, instrument: string, before: number) => (this.contextOf(analyteId, instrument, before).rows.length ? 1 : undefined) };
  moveResult = { run: (runId: number, id: number) => (this.parents.runs.add(runId), this.run(sql`UPDATE iqc_results SET run_id = ${runId} WHERE id = ${id}`), ONE) };
  /** a run merged away, deleted only when no result, violation or corrective action references it
   * any more (the keys PostgreSQL does not declare, see checkParents); refused as SQLite refuses it */
  deleteRun = {
    run: (id: number) => {
      this.push(async () => {
        const [r] = await rawAll<{ referenced: boolean }>(
          this.tx,
          sql`WITH ref AS (
                SELECT EXISTS (SELECT 1 FROM iqc_results WHERE lab_id = ${this.labId} AND run_id = ${id})
                    OR EXISTS (SELECT 1 FROM iqc_violations WHERE lab_id = ${this.labId} AND run_id = ${id})
                    OR EXISTS (SELECT 1 FROM corrective_actions WHERE lab_id = ${this.labId} AND run_id = ${id}) AS referenced),
              gone AS (DELETE FROM iqc_runs WHERE id = ${id} AND lab_id = ${this.labId} AND NOT (SELECT referenced FROM ref) RETURNING id)
              SELECT referenced FROM ref`,
        );
        if (r?.referenced) throw Object.assign(new Error(`run ${id} is still referenced`), { code: '23503', detail: `Key (lab_id, id)=(${this.labId}, ${id}) is still referenced.` });
      });
      this.inserts.clear();
      return ONE;
    },
  };
  actionOfRun = { get: (runId: number) => this.actions.get(runId) };
  moveAction = {
    run: (runId: number, id: number) => {
      const from = this.actionIds.get(id);
      const a = from !== undefined ? this.actions.get(from) : undefined;
      if (from !== undefined) this.actions.delete(from);
      if (a) this.actions.set(runId, a);
      this.actionIds.set(id, runId);
      this.parents.runs.add(runId);
      this.run(sql`UPDATE corrective_actions SET run_id = ${runId} WHERE id = ${id}`);
      return ONE;
    },
  };
  deleteAction = {
    run: (id: number) => {
      const runId = this.actionIds.get(id);
      if (runId !== undefined) this.actions.delete(runId);
      this.actionIds.delete(id);
      this.run(sql`DELETE FROM corrective_actions WHERE id = ${id}`);
      return ONE;
    },
  };
  withdrawAction = {
    run: (cause: string, action: string, outcome: string, by: number, at: number, runId: number) => {
      const a = this.actions.get(runId);
      if (!a || a.status !== 'open') return NONE;
      Object.assign(a, { status: 'resolved', cause, action, outcome });
      this.run(sql`UPDATE corrective_actions SET status = 'resolved', cause = ${cause}, action = ${action}, outcome = ${outcome}, resolved_by = ${by}, resolved_at = ${at} WHERE run_id = ${runId} AND status = 'open'`);
      return ONE;
    },
  };
  reopenWithdrawn = {
    run: (runId: number, cause: string) => {
      const a = this.actions.get(runId);
      if (!a || a.status !== 'resolved' || a.cause !== cause) return NONE;
      Object.assign(a, { status: 'open', cause: null, action: null, outcome: null });
      this.run(sql`UPDATE corrective_actions SET status = 'open', cause = NULL, action = NULL, outcome = NULL, resolved_by = NULL, resolved_at = NULL
                   WHERE run_id = ${runId} AND status = 'resolved' AND cause = ${cause}`);
      return ONE;
    },
  };
  setExcluded = { run: (excluded: number, reason: string | null, id: number) => (this.run(sql`UPDATE iqc_results SET excluded = ${excluded === 1}, excluded_reason = ${reason} WHERE id = ${id}`), ONE) };
  updateRun = {
    run: (status: string, rules: string, evaluatedAt: number, measuredAt: number, id: number) => {
      // a run updated twice: the first update is written before the second is queued
      if (this.updatedRuns.has(id)) this.writeRunBatch();
      this.updatedRuns.add(id);
      this.runUpdates.push({ id, status, rules, evaluatedAt, measuredAt });
      return ONE;
    },
  };
  retireResult = { run: (id: number) => (this.run(sql`UPDATE iqc_results SET current = false WHERE id = ${id}`), ONE) };
  deleteViolations = { run: (runId: number) => (this.violationDeletes.push(runId), ONE) };
  /** PostgreSQL checks its foreign keys: nothing to check by hand */
  referencedRows = { get: (): [number, number, number] | undefined => undefined };
  runReferenced = { get: () => 0 };
  openAction = {
    run: (runId: number, labId: number, analyteId: number, at: number) => {
      if (this.actions.has(runId)) return NONE;
      this.actions.set(runId, { id: -1, status: 'open', cause: null, action: null, outcome: null });
      this.parents.runs.add(runId);
      if (labId !== this.labId) throw new Error(`PostgreSQL ingest: a corrective action of lab ${labId} in a writer of lab ${this.labId}`);
      this.openedActions.push({ runId, analyteId, at });
      return ONE;
    },
  };
}

const byTx = new WeakMap<object, PgIqcStatements>();

/** The statements of an ingest transaction on PostgreSQL (the lab's context loaded). */
export async function pgIqcStatements(tx: object, labId: number): Promise<PgIqcStatements> {
  await lockLabIqcWriters(tx, labId);
  const s = new PgIqcStatements(tx, labId);
  await s.loadLab();
  byTx.set(tx, s);
  return s;
}

/** The statements a transaction opened with {@link pgIqcStatements} (an ingest, a correction, an
 * exclusion). */
export function pgIqcStatementsOf(tx: object): PgIqcStatements {
  const s = byTx.get(tx);
  if (!s) throw new Error('IQC statements on PostgreSQL: open them in the transaction first (pgIqcStatements(tx, labId))');
  return s;
}

/** The lab's context as loadLabContext reads it: the transaction's statements when it opened them,
 * else the lab's rows read now (a read outside an ingest: the rules page, tests). */
export async function pgLabStatements(db: object, labId: number): Promise<PgIqcStatements> {
  const s = byTx.get(db);
  if (s && s.labId === labId) return s;
  const fresh = new PgIqcStatements(db, labId);
  await fresh.loadLab();
  return fresh;
}
