// Forming runs (DOMAIN.md §4): the run window, client run ids, late results placed in order, and
// the plan of a batch per series (what is new, what is a duplicate, which stored runs re-form).
// Reads only; ./write.ts writes the plan after ./judge.ts judged it.
import type { DB } from '@/db/client';
import { iqcStatements, type IqcStatements, type RegionResultRow } from '@/db/queries/iqc-ingest';
import { supersededResultsAt } from '@/db/queries/iqc';
import { fieldError, type FieldError } from '@/lib/errors';
import { lotKey, memberOrder, runOrder, sortSmall, type FormedRun, type LabContext, type Member, type PlannedValue, type SeriesPlan } from './series';

/**
 * Runs formed by the run window (DOMAIN.md §4) from results sorted by {@link memberOrder}: a run
 * starts at the first result not yet taken and takes each following result measured within
 * `windowMs` of that first one (inclusive) whose level it does not yet hold. Pure; O(n × results
 * per window).
 *
 * @example window 30 min: L1 08:00, L2 08:12, L1 08:20, L2 08:45 → [L1 08:00, L2 08:12], [L1 08:20, L2 08:45]
 */
export function formWindowRuns<T extends { level: string; measuredAt: number }>(sorted: readonly T[], windowMs: number): T[][] {
  const taken = new Uint8Array(sorted.length);
  const runs: T[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (taken[i]) continue;
    const first = sorted[i];
    const run = [first];
    taken[i] = 1;
    const end = first.measuredAt + windowMs;
    for (let j = i + 1; j < sorted.length && sorted[j].measuredAt <= end; j++) {
      if (taken[j]) continue;
      const level = sorted[j].level;
      let held = false;
      for (const m of run) if (m.level === level) held = true;
      if (held) continue;
      run.push(sorted[j]);
      taken[j] = 1;
    }
    runs.push(run);
  }
  return runs;
}

function memberOfRow(ctx: LabContext, r: RegionResultRow): Member {
  return {
    level: r.level,
    lot: ctx.lotNumbers.get(r.controlLotId) ?? '',
    lotId: r.controlLotId,
    value: r.value,
    measuredAt: r.measuredAt,
    z: r.z,
    targetId: r.targetId,
    excluded: !!r.excluded,
    clientRun: r.clientRunId,
    category: r.category,
    signal: r.signal,
    id: r.id,
    runId: r.runId,
  };
}

function storedRun(r: RegionResultRow): FormedRun {
  return {
    key: `e${r.runId}`,
    start: r.runAt,
    clientRun: r.clientRunId,
    members: [],
    existingId: r.runId,
    existingStatus: r.runStatus,
    existingRules: r.runRules,
    existingStart: r.runAt,
    existingWindowMinutes: r.runWindowMinutes,
    reformed: false,
    touched: false,
    operator: r.runOperator,
    rules: [],
    verdict: null,
  };
}

function newRun(key: string, members: Member[], clientRun: string | null): FormedRun {
  const first = members[0];
  return { key, start: first.measuredAt, clientRun, members, reformed: true, touched: false, operator: null, rules: [], verdict: null };
}

/**
 * Give each group of results a run: the stored run of its earliest result not yet claimed by an
 * earlier group (so stored runs keep their ids when their results stay together), else a new one.
 * Stored runs left without a group are returned as removed, with the run that took their earliest
 * result.
 */
function claimRuns(groups: Member[][], stored: Map<number, FormedRun>, keyPrefix: string, clientRun: (g: Member[]) => string | null) {
  const claimed = new Set<number>();
  const runs: FormedRun[] = [];
  groups.forEach((members, i) => {
    let run: FormedRun | undefined;
    for (const m of members) {
      if (m.runId !== undefined && !claimed.has(m.runId)) {
        run = stored.get(m.runId);
        if (run) {
          claimed.add(m.runId);
          break;
        }
      }
    }
    if (run) {
      const before = run.members;
      run.reformed = before.length !== members.length || members.some((m) => m.runId !== run!.existingId);
      run.members = members;
      run.start = members[0].measuredAt;
    } else run = newRun(`${keyPrefix}${i}`, members, clientRun(members));
    runs.push(run);
  });
  const removed: { id: number; successor: FormedRun }[] = [];
  for (const [id, run] of stored) {
    if (claimed.has(id)) continue;
    const earliest = run.members[0];
    const successor = runs.find((r) => r.members.includes(earliest))!;
    removed.push({ id, successor });
  }
  return { runs, removed };
}

/**
 * Plan a batch: per series, check the new values against what is stored (the same lot, time and
 * value as a current result is skipped; a different value for a lot at a time already measured, or
 * a level twice in one client run, is an error: it needs an edit with a reason), then form the runs
 * the new values can reach again. No writes.
 */
/**
 * Forgive the conflicts that are a corrected result's original sent again (an LIS resending a batch
 * after the lab corrected one of its values): skipped as already received, like any repeat, instead
 * of refusing the whole batch. Their errors are removed from `errors`.
 */
export async function resentOriginals(db: DB, labId: number, plans: SeriesPlan[], errors: FieldError[]): Promise<void> {
  const conflicts = plans.flatMap((p) => p.conflicts.map((c) => ({ plan: p, c })));
  if (!conflicts.length) return;
  const earlier = new Set((await supersededResultsAt(db, labId, conflicts.map(({ c }) => c))).map((r) => `${r.lotId}:${r.measuredAt}:${r.value}:${r.category ?? ''}`));
  const forgiven = new Set<number>();
  for (const { plan, c } of conflicts) {
    if (!earlier.has(`${c.lotId}:${c.measuredAt}:${c.value}:${c.category ?? ''}`)) continue;
    forgiven.add(c.row);
    plan.skipped++;
  }
  for (let i = errors.length - 1; i >= 0; i--) if (errors[i].code === 'iqc.duplicateLevel' && forgiven.has(errors[i].row!)) errors.splice(i, 1);
}

export async function planBatch(db: DB, ctx: LabContext, values: readonly PlannedValue[], errors: FieldError[], fieldOf: (f: string) => string): Promise<SeriesPlan[]> {
  const s = await iqcStatements(db);
  const bySeries = new Map<string, PlannedValue[]>();
  for (const v of values) {
    const k = `${v.analyteId}\u0001${v.instrument}`;
    let list = bySeries.get(k);
    if (!list) bySeries.set(k, (list = []));
    list.push(v);
  }
  const plans: SeriesPlan[] = [];
  for (const list of bySeries.values()) plans.push(planSeries(s, ctx, list, errors, fieldOf));
  return plans;
}

function planSeries(s: IqcStatements, ctx: LabContext, list: PlannedValue[], errors: FieldError[], fieldOf: (f: string) => string): SeriesPlan {
  const { analyteId, analyteCode, instrument } = list[0];
  const W = ctx.runWindowMs;
  let tMin = Infinity;
  const clientIds = new Set<string>();
  for (const v of list) {
    if (v.measuredAt < tMin) tMin = v.measuredAt;
    if (v.run) clientIds.add(v.run);
  }
  // Window runs starting before tMin − W cannot reach a new value: they and every result they took
  // stay as they are. Client runs named by the batch are formed again from wherever they start.
  const windowFrom = tMin - W;
  let from = windowFrom;
  const affectedClient = new Map<string, number>();
  for (const id of clientIds) {
    const r = s.clientRun.get(ctx.labId, id, analyteId, instrument);
    if (r) {
      affectedClient.set(id, r.id);
      if (r.measuredAt < from) from = r.measuredAt;
    }
  }
  const plan: SeriesPlan = { analyteId, analyteCode, instrument, from, runs: [], removed: [], inserted: 0, skipped: 0, conflicts: [] };
  const stored = new Map<number, FormedRun>();
  // current results by lot, then time (duplicates and conflicts)
  const current = new Map<number, Map<number, Member>>();
  const currentOf = (lotId: number) => {
    let byTime = current.get(lotId);
    if (!byTime) current.set(lotId, (byTime = new Map()));
    return byTime;
  };
  for (const r of s.regionResults.all(ctx.labId, analyteId, from, instrument)) {
    const m = memberOfRow(ctx, r);
    currentOf(m.lotId).set(m.measuredAt, m);
    // results of runs that started earlier are only checked for duplicates
    if (r.runAt < from) continue;
    let run = stored.get(r.runId);
    if (!run) stored.set(r.runId, (run = storedRun(r)));
    run.members.push(m);
  }
  for (const run of stored.values()) sortSmall(run.members, memberOrder);
  // the new values in result order: duplicates skipped, conflicts reported (against stored results
  // by lot and time; within the batch a repeat sorts next to its first)
  const candidates: Member[] = [];
  // the series' few control lots (level × lot number) as met, without a key string per value
  const seen: { level: string; lot: string; lotId: number }[] = [];
  for (const v of list) {
    let lotId: number | undefined;
    for (const l of seen) {
      if (l.level === v.level && l.lot === v.lot) {
        lotId = l.lotId;
        break;
      }
    }
    if (lotId === undefined) {
      const lk = lotKey(v.analyteId, v.level, v.lot, v.instrument);
      lotId = ctx.lots.get(lk);
      if (lotId === undefined) {
        lotId = -(ctx.newLots.size + 1);
        ctx.newLots.set(lotId, { analyteId: v.analyteId, level: v.level, lot: v.lot, instrument: v.instrument });
        ctx.lots.set(lk, lotId);
        ctx.lotNumbers.set(lotId, v.lot);
      }
      if (seen.length < 64) seen.push({ level: v.level, lot: v.lot, lotId });
    }
    candidates.push({ level: v.level, lot: v.lot, lotId, value: v.value, measuredAt: v.measuredAt, z: null, targetId: null, excluded: false, clientRun: v.run, category: v.category ?? null, signal: v.signal ?? null, pending: v });
  }
  candidates.sort(memberOrder);
  // against a stored result, or against another row of this batch (named: "stored" misled the lab
  // looking for a result it never saved)
  const conflict = (v: PlannedValue, other?: PlannedValue) =>
    errors.push(
      other
        ? fieldError('iqc.duplicateLevelInBatch', { level: v.level, analyte: v.analyteCode, lot: v.lot, other: other.row }, fieldOf('value'), v.row)
        : fieldError('iqc.duplicateLevel', { level: v.level, analyte: v.analyteCode, lot: v.lot }, fieldOf('value'), v.row),
    );
  const fresh: Member[] = [];
  let prev: Member | undefined;
  for (const m of candidates) {
    const v = m.pending!;
    const same = prev && prev.lotId === m.lotId && prev.measuredAt === m.measuredAt ? prev : current.size ? current.get(m.lotId)?.get(m.measuredAt) : undefined;
    if (same) {
      if (same.value === m.value && same.category === m.category) plan.skipped++;
      // the later row of two is the one reported
      else if (same.pending && same.pending.row > v.row) {
        conflict(same.pending, v);
        fresh[fresh.length - 1] = m;
        prev = m;
      } else {
        conflict(v, same.pending);
        if (!same.pending && m.lotId > 0) plan.conflicts.push({ row: v.row, lotId: m.lotId, measuredAt: m.measuredAt, value: m.value, category: m.category });
      }
      continue;
    }
    fresh.push(m);
    prev = m;
    plan.inserted++;
  }
  if (!plan.inserted) return plan;

  // window runs that may change: those starting at or after tMin − W, with the new window values
  const windowStored = new Map<number, FormedRun>();
  const windowMembers: Member[] = [];
  const clientStored = new Map<string, FormedRun>();
  const clientMembers = new Map<string, Member[]>();
  const unchanged: FormedRun[] = [];
  // A window run formed under another window than the lab's now keeps its grouping (README: a change
  // of the window applies to results ingested from then on): it is judged again in its place but
  // never re-formed, and a late result near it forms runs with the window in force.
  const W_MINUTES = W / 60_000;
  for (const run of stored.values()) {
    const otherWindow = run.existingWindowMinutes != null && run.existingWindowMinutes !== W_MINUTES;
    if (run.clientRun === null && run.start >= windowFrom && !otherWindow) {
      windowStored.set(run.existingId!, run);
      windowMembers.push(...run.members);
    } else if (run.clientRun !== null && clientIds.has(run.clientRun)) {
      clientStored.set(run.clientRun, run);
      clientMembers.set(run.clientRun, [...run.members]);
    } else unchanged.push(run);
  }
  for (const m of fresh) {
    if (m.clientRun === null) windowMembers.push(m);
    else {
      let ms = clientMembers.get(m.clientRun);
      if (!ms) clientMembers.set(m.clientRun, (ms = []));
      ms.push(m);
    }
  }
  // new values come sorted; stored ones in between need a sort
  if (windowStored.size) windowMembers.sort(memberOrder);
  const windowed = claimRuns(formWindowRuns(windowMembers, W), windowStored, 'w', () => null);
  plan.removed = windowed.removed;
  const runs = [...unchanged, ...windowed.runs];
  for (const [id, members] of clientMembers) {
    sortSmall(members, memberOrder);
    // a level twice in one run: the new value is refused, whether it sorts before or after the other
    const levels = new Map<string, Member>();
    for (const m of members) {
      const other = levels.get(m.level);
      const refused = other ? (m.pending ? m : other.pending ? other : undefined) : undefined;
      if (refused?.pending) errors.push(fieldError('iqc.runLevelTaken', { run: id, level: m.level }, fieldOf('level'), refused.pending.row));
      if (!other || !other.pending) levels.set(m.level, m);
    }
    const storedRun = clientStored.get(id);
    if (storedRun) {
      storedRun.reformed = members.length !== storedRun.members.length;
      storedRun.members = members;
      storedRun.start = members[0].measuredAt;
      runs.push(storedRun);
    } else runs.push(newRun(`c${id}`, members, id));
  }
  for (const run of runs) {
    for (const m of run.members) {
      if (!m.pending) continue;
      run.touched = true;
      if (run.operator === null && m.pending.operator) run.operator = m.pending.operator;
    }
  }
  // window runs come formed in order; sort only when stored or client runs are mixed in
  let sorted = true;
  for (let i = 1; i < runs.length && sorted; i++) if (runOrder(runs[i - 1], runs[i]) > 0) sorted = false;
  plan.runs = sorted ? runs : runs.sort(runOrder);
  return plan;
}

/** The stored runs of a series from `from` on, to be judged again as they are (an edit or an
 * exclusion changed a value, not the grouping). */
export function seriesFrom(s: IqcStatements, ctx: LabContext, analyteId: number, analyteCode: string, instrument: string, from: number): SeriesPlan {
  const stored = new Map<number, FormedRun>();
  for (const r of s.regionResults.all(ctx.labId, analyteId, from, instrument)) {
    if (r.runAt < from) continue;
    let run = stored.get(r.runId);
    if (!run) stored.set(r.runId, (run = storedRun(r)));
    run.members.push(memberOfRow(ctx, r));
  }
  for (const run of stored.values()) sortSmall(run.members, memberOrder);
  return { analyteId, analyteCode, instrument, from, runs: [...stored.values()].sort(runOrder), removed: [], inserted: 0, skipped: 0, conflicts: [] };
}

/** Create the lots first seen in this batch and give the planned values their real ids. */
export function createNewLots(s: IqcStatements, ctx: LabContext, plans: readonly SeriesPlan[], now: number): number {
  if (!ctx.newLots.size) return 0;
  const ids = new Map<number, number>();
  for (const [temp, l] of ctx.newLots) {
    const id = Number(s.insertLot.run(ctx.labId, l.analyteId, l.level, l.lot, l.instrument, now).lastInsertRowid);
    ids.set(temp, id);
    ctx.lots.set(lotKey(l.analyteId, l.level, l.lot, l.instrument), id);
    ctx.lotNumbers.set(id, l.lot);
    ctx.lotNumbers.delete(temp);
  }
  for (const plan of plans) for (const run of plan.runs) for (const m of run.members) if (m.lotId < 0) m.lotId = ids.get(m.lotId)!;
  const created = ctx.newLots.size;
  ctx.newLots.clear();
  return created;
}
