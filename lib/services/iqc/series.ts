// The vocabulary of the IQC engine (./engine.ts): a series' results and runs as the engine plans
// them, their order, the lab's context (lots, targets, rule sets, run window) and the target in force.
import type { DB } from '@/db/client';
import type { RunStatus } from '@/db/enums';
import { iqcStatements, type IqcStatements, type TargetRow } from '@/db/queries/iqc-ingest';
import { dialectOf } from '@/db/dialect';
import { pgLabStatements } from '@/db/pg/iqc-ingest';
import { isWestgardRule, type RunVerdict, type WestgardRule } from '@/lib/stats';
import { gradeOf, type ItemShape } from '@/lib/catalogue/kinds';
import { addDays, startOfDay } from '@/lib/calendar';

/** Values per level (and of the flattened sequence) the rules look back on (12x is the longest). */
export const LOOKBACK_VALUES = 12;
/** At most this many earlier in-control runs are read to find {@link LOOKBACK_VALUES} values of a
 * level that is rarely measured (bounds the read; a level absent that long starts afresh). */
export const MAX_CONTEXT_RUNS = 2048;
/** Default run window of a lab (laboratories.run_window_minutes). */
export const DEFAULT_RUN_WINDOW_MINUTES = 30;

export const levelCollator = new Intl.Collator('en', { numeric: true });

/** One validated control value, ready to be planned. */
export interface PlannedValue {
  row: number;
  analyteId: number;
  analyteCode: string;
  level: string;
  lot: string;
  instrument: string;
  value: number;
  measuredAt: number;
  operator: string;
  /** the client's run id, or null: grouped by the run window */
  run: string | null;
  /** a categorical item's reading (catalogue code; `value` is then its signal, else its grade) */
  category?: string | null;
  /** the analyser's signal (S/CO, OD) of a categorical reading, when given */
  signal?: number | null;
}

/** What the engine knows of a categorical item's control lot: the category it must read from a time on. */
export interface LotExpectation {
  category: string;
  from: number;
}

export interface LabContext {
  labId: number;
  /** analyte id → TEa % (null when the catalogue has only an absolute limit) */
  teaPercent: Map<number, number | null>;
  ruleConfigs: Map<number, WestgardRule[]>;
  lots: Map<string, number>;
  /** lot id → lot number (runs are ordered by lot number, never by id, so by data only) */
  lotNumbers: Map<number, string>;
  /** lots first seen in this batch, under provisional negative ids until {@link createNewLots} */
  newLots: Map<number, { analyteId: number; level: string; lot: string; instrument: string }>;
  targets: Map<number, TargetRow[]>;
  /** the lab's run window in ms */
  runWindowMs: number;
  /** categorical (qualitative, ordinal, nominal) items by analyte id: their runs are judged by category */
  items: Map<number, ItemShape>;
  /** lot id → the category its controls must read (lots of categorical items with one set) */
  expected: Map<number, LotExpectation>;
  /** lot id → the first instant after its expiry day (lots with an expiry date) */
  expiry: Map<number, number>;
}

/** The first instant after a lot's expiry day (China): a result measured at or after it is refused. */
export const expiryEnd = (expiresOn: string) => startOfDay(addDays(expiresOn, 1));

export const lotKey = (analyteId: number, level: string, lot: string, instrument: string) => `${analyteId}\u0001${level}\u0001${lot}\u0001${instrument}`;

export async function loadLabContext(db: DB, labId: number, teaPercent: Map<number, number | null>): Promise<LabContext> {
  // PostgreSQL: the transaction's prefetched statements, or the lab's rows read now (db/pg/iqc-ingest.ts)
  const s = dialectOf(db) === 'pg' ? ((await pgLabStatements(db, labId)) as unknown as IqcStatements) : await iqcStatements(db);
  const lots = new Map<string, number>();
  const lotNumbers = new Map<number, string>();
  const expected = new Map<number, LotExpectation>();
  const expiry = new Map<number, number>();
  for (const l of s.lotsOfLab.all(labId)) {
    lots.set(lotKey(l.analyteId, l.level, l.lotNumber, l.instrument), l.id);
    lotNumbers.set(l.id, l.lotNumber);
    if (l.expectedCategory !== null) expected.set(l.id, { category: l.expectedCategory, from: l.expectedFrom ?? -Infinity });
    if (l.expiresOn) expiry.set(l.id, expiryEnd(l.expiresOn));
  }
  const items = new Map<number, ItemShape>();
  for (const a of s.categoricalItems.all()) items.set(a.id, { code: a.code, kind: a.kind, categories: JSON.parse(a.categories ?? '[]') });
  const targets = new Map<number, TargetRow[]>();
  for (const t of s.targetsOfLab.all(labId)) {
    let list = targets.get(t.controlLotId);
    if (!list) targets.set(t.controlLotId, (list = []));
    list.push(t);
  }
  const ruleConfigs = new Map<number, WestgardRule[]>();
  for (const c of s.ruleConfigsOfLab.all(labId)) {
    const rules = (JSON.parse(c.rules) as string[]).filter(isWestgardRule);
    if (rules.length) ruleConfigs.set(c.analyteId, rules);
  }
  const minutes = s.labRunWindow.get(labId)?.minutes ?? DEFAULT_RUN_WINDOW_MINUTES;
  return { labId, teaPercent, ruleConfigs, lots, lotNumbers, newLots: new Map(), targets, runWindowMs: minutes * 60_000, items, expected, expiry };
}

/** The grade a member's lot expects at its time, or null (no expectation in force, or a code the
 * catalogue no longer has). */
export function expectedGradeOf(ctx: Pick<LabContext, 'items' | 'expected'>, item: ItemShape, m: Pick<Member, 'lotId' | 'measuredAt'>): number | null {
  const e = ctx.expected.get(m.lotId);
  if (!e || e.from > m.measuredAt) return null;
  const g = gradeOf(item, e.category);
  return g < 0 ? null : g;
}

/** The target version in force at `t`: the latest effectiveFrom ≤ t (then the highest version). */
export function targetAt(list: readonly TargetRow[] | undefined, t: number): TargetRow | undefined {
  if (!list) return undefined;
  let found: TargetRow | undefined;
  for (const target of list) {
    if (target.effectiveFrom <= t) found = target;
    else break;
  }
  return found;
}

/** A result on a series' timeline: stored (id, runId) or new (pending). */
export interface Member {
  level: string;
  lot: string;
  lotId: number;
  value: number;
  measuredAt: number;
  z: number | null;
  targetId: number | null;
  excluded: boolean;
  clientRun: string | null;
  /** a categorical item's reading and signal (null for quantitative items) */
  category: string | null;
  signal: number | null;
  id?: number;
  /** the stored run the result belongs to now */
  runId?: number;
  pending?: PlannedValue;
}

/** A run of the evaluation region: stored (existingId) or formed now. */
export interface FormedRun {
  key: string;
  start: number;
  clientRun: string | null;
  members: Member[];
  existingId?: number;
  existingStatus?: RunStatus;
  existingRules?: string;
  existingStart?: number;
  /** a stored window run formed under another run window than the lab's now (iqc_runs.window_minutes) */
  existingWindowMinutes?: number | null;
  /** new, or its results changed: its rule set is chosen anew */
  reformed: boolean;
  /** holds results of this batch */
  touched: boolean;
  operator: string | null;
  rules: WestgardRule[];
  verdict: IqcRunVerdict | null;
}

/** A run's verdict: the Westgard verdict of its z values, and for a categorical item its readings
 * against their expected categories (rule `qual-mismatch`). */
export interface IqcRunVerdict extends Pick<RunVerdict, 'runId' | 'status'> {
  violations: { rule: string; levels: string[] }[];
}

export interface SeriesPlan {
  analyteId: number;
  analyteCode: string;
  instrument: string;
  /** runs starting at or after this time are (re)judged; earlier in-control runs are the context */
  from: number;
  /** the runs from `from` on, in evaluation order */
  runs: FormedRun[];
  /** stored runs whose results now belong to other runs (late results regrouped them) */
  removed: { id: number; successor: FormedRun }[];
  inserted: number;
  skipped: number;
  /** rows refused for another value than the stored result at their lot × time: each may be the
   * original of a result corrected since, sent again (then skipped: resentOriginals) */
  conflicts: { row: number; lotId: number; measuredAt: number; value: number; category: string | null }[];
}

export interface RunOutcome {
  runId: number;
  analyte: string;
  instrument: string;
  measuredAt: number;
  status: RunStatus;
  violations: { rule: string; levels: string[] }[];
}

/** Digits only, without a leading zero (then length, then text, is numeric order). */
function plainNumber(s: string): boolean {
  if (!s.length || s.charCodeAt(0) === 48) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Levels in natural order ('2' before '10', as the collator orders them); equal levels and plain
 * numbers without asking the collator (it is the slowest step of sorting a large batch). Levels the
 * collator calls equal ('1' and '01', 'L1' and 'L01') by their code units: the order must be total,
 * or a stable sort would keep them in the order they arrived (a batch: time; a history read back:
 * storage) and the across-run rules would see a different sequence. */
export function compareLevels(a: string, b: string): number {
  if (a === b) return 0;
  if (plainNumber(a) && plainNumber(b)) return a.length - b.length || (a < b ? -1 : 1);
  return levelCollator.compare(a, b) || (a < b ? -1 : 1);
}

/** What orders a result: its time, level, lot number and value. */
export type MemberKey = Pick<Member, 'measuredAt' | 'level' | 'lot' | 'value'>;

/** Time, then level, lot number and value: the order of results whatever order they arrived in. */
export function memberOrder(a: MemberKey, b: MemberKey): number {
  return a.measuredAt - b.measuredAt || compareLevels(a.level, b.level) || (a.lot < b.lot ? -1 : a.lot > b.lot ? 1 : 0) || a.value - b.value;
}

/** Sort in place, stably, as `list.sort(compare)` does; a handful of items (a run's levels, its
 * violations' levels) by insertion, without the scratch arrays every Array#sort call allocates. */
export function sortSmall<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  if (list.length > 16) return list.sort(compare);
  for (let i = 1; i < list.length; i++) {
    const x = list[i];
    let j = i - 1;
    while (j >= 0 && compare(list[j], x) > 0) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = x;
  }
  return list;
}

/** Distinct levels of a run's results (a handful: no Set). */
export function levelCount(members: readonly Member[]): number {
  let n = 0;
  for (let i = 0; i < members.length; i++) {
    let seen = false;
    for (let j = 0; j < i; j++) if (members[j].level === members[i].level) seen = true;
    if (!seen) n++;
  }
  return n;
}

/** What orders a run: its start, client run id and results (sorted by {@link memberOrder}). */
export interface RunKey {
  start: number;
  clientRun: string | null;
  members: readonly MemberKey[];
}

/**
 * Evaluation order of runs: start, then client run id (window runs first), then first result. A total
 * order on the data alone (two runs of a series with one start and no client run id have different
 * first results, else one would be a duplicate): the stored history is replayed in it too (judge.ts).
 */
export function runOrder(a: RunKey, b: RunKey): number {
  const ca = a.clientRun ?? '';
  const cb = b.clientRun ?? '';
  return a.start - b.start || (ca < cb ? -1 : ca > cb ? 1 : 0) || memberOrder(a.members[0], b.members[0]);
}
