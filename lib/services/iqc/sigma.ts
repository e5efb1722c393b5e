// Which Westgard rule set judges a run: the lab's rule set version in force when it was measured,
// else the Westgard Sigma Rules for its sigma metric (TEa, the lab's published EQA bias, the CV of
// its own targets), else the default multirule for the number of levels, with the reason.
import type { DB } from '@/db/client';
import type { TargetRow } from '@/db/queries/iqc-ingest';
import { eqaBiasEventsOfLab, ruleSetVersionsOfLab, type EqaBiasEventRow, type RuleSetVersionRow } from '@/db/queries/iqc-sigma';
import {
  coefficientOfVariationPercent,
  DEFAULT_WESTGARD_RULES,
  eqaBiasPercent,
  isWestgardRule,
  recommendRules,
  SIGMA_BIAS_EVENTS,
  sigmaMetric,
  type WestgardRule,
} from '@/lib/stats';

/** Why a run is judged with the rules it has (shown beside the verdict, on the rules page and in
 * the review). `reasonCode` is what the UI translates; `reason` is the same in English. */
export interface RuleChoice {
  rules: WestgardRule[];
  /** `configured`: the lab's rule set version in force; `sigma`: Westgard Sigma Rules; `default`: the classic multirule */
  source: 'configured' | 'sigma' | 'default';
  sigma: number | null;
  /** bias % used for the sigma and where it came from (the EQA round codes), when known */
  bias: EqaBias | null;
  /** human-readable reason, e.g. "no published EQA bias: default multirule" */
  reason: string;
  reasonCode: RuleChoiceReason;
  /** TEa % of the analyte (catalogue), when known */
  tea: number | null;
  /** CV % of the level that decides (the worst), from the lab's own frozen target in force */
  cv: { percent: number; level: string } | null;
  /** the lab's rule set version in force (source `configured`, or an automatic version) */
  version: number | null;
}

export type RuleChoiceReason = 'configured' | 'sigma' | 'no_tea' | 'no_cv' | 'no_bias';

/** One level of a run as the selector sees it: the frozen target in force for that value.
 * `targetId` (optional) lets the selector tell the target's source without guessing. */
export interface RunLevelTarget {
  level: string;
  controlLotId: number;
  mean: number;
  sd: number;
  targetId?: number;
  /** the target's source, when the caller has it (else looked up in the lab context) */
  source?: string;
}

/**
 * Chooses the rule set of each run from data only (never from arrival order): the lab's rule set
 * version in force at `measuredAt`, else the Westgard Sigma Rules, else the default multirule.
 * Built once per ingest or re-evaluation (it may preload what it needs) and asked once per run.
 */
export interface RuleSelector {
  at(analyteId: number, instrument: string, levelCount: number, targets: readonly RunLevelTarget[], measuredAt: number): RuleChoice;
  /** The rules of {@link RuleSelector.at} alone, without building the explanation (the ingest asks
   * once per run; the default multirule comes as the shared, frozen array). */
  rulesAt(analyteId: number, instrument: string, levelCount: number, targets: readonly RunLevelTarget[], measuredAt: number): readonly WestgardRule[];
}

/** Target sources whose SD is the lab's own imprecision (its ≥ 20-point baseline, or a new lot's
 * provisional target that carries the previous lot's baseline SD over). */
export const OWN_IMPRECISION_SOURCES: ReadonlySet<string> = new Set(['lab_baseline', 'new_lot']);

interface SelectorContext {
  labId: number;
  teaPercent: Map<number, number | null>;
  targets: Map<number, readonly TargetRow[]>;
}

/** A lab's EQA bias for the sigma metric: one query, then per analyte and time the mean percent
 * deviation of the {@link SIGMA_BIAS_EVENTS} latest events published before that time (null when
 * none), with the round codes it rests on. */
export async function eqaBiasOfLab(db: DB, labId: number): Promise<(analyteId: number, at: number) => EqaBias | null> {
  const events = new Map<number, EqaBiasEventRow[]>();
  for (const e of await eqaBiasEventsOfLab(db, labId)) {
    let list = events.get(e.analyteId);
    if (!list) events.set(e.analyteId, (list = []));
    list.push(e);
  }
  return (analyteId, at) => {
    const recent: EqaBiasEventRow[] = [];
    for (const e of events.get(analyteId) ?? []) {
      if (e.publishedAt >= at) continue;
      recent.push(e);
      if (recent.length === SIGMA_BIAS_EVENTS) break;
    }
    const percent = eqaBiasPercent(recent);
    if (percent === null) return null;
    const rounds = recent.map((e) => e.roundCode);
    return { percent, source: `EQA ${rounds.join(', ')}`, rounds };
  };
}

export interface EqaBias {
  percent: number;
  source: string;
  rounds: string[];
}

/** The latest of a list ordered by effectiveFrom whose effectiveFrom ≤ t. */
function inForce<T extends { effectiveFrom: number }>(list: readonly T[] | undefined, t: number): T | undefined {
  let found: T | undefined;
  if (list) for (const x of list) if (x.effectiveFrom <= t) found = x;
  return found;
}

/** The default multirule for `perRun` levels, with the reason it is not a configured or sigma choice. */
function defaultChoice(perRun: 2 | 3, version: RuleSetVersionRow | undefined, reasonCode: RuleChoiceReason, reason: string, tea: number | null = null, cv: RuleChoice['cv'] = null): RuleChoice {
  return {
    rules: [...DEFAULT_WESTGARD_RULES[perRun]],
    source: 'default',
    sigma: null,
    bias: null,
    reason: `${reason}: default multirule`,
    reasonCode,
    tea,
    cv,
    version: version?.version ?? null,
  };
}

/**
 * The selector for one lab: preloads the lab's rule set versions and its published EQA events
 * (one query each), then answers per run without further reads. Sigma (DOMAIN.md §4, issue 9):
 * (TEa% − |bias%|)/CV% with bias = mean percent deviation of the lab's {@link SIGMA_BIAS_EVENTS}
 * latest EQA events of the analyte published before the run, and CV = sd/mean of the frozen
 * target in force for each level when that target is the lab's own (baseline or new-lot carried
 * SD); the worst level decides. Without a TEa %, an own-target CV for every level, or a published
 * EQA bias: the default multirule, with the reason.
 */
export async function ruleSelector(db: DB, ctx: SelectorContext): Promise<RuleSelector> {
  const versions = new Map<number, RuleSetVersionRow[]>();
  for (const v of await ruleSetVersionsOfLab(db, ctx.labId)) {
    let list = versions.get(v.analyteId);
    if (!list) versions.set(v.analyteId, (list = []));
    list.push(v);
  }
  const biasAt = await eqaBiasOfLab(db, ctx.labId);
  const sourceOf = (t: RunLevelTarget, measuredAt: number): string | undefined => {
    if (t.source !== undefined) return t.source;
    const list = ctx.targets.get(t.controlLotId);
    if (!list) return undefined;
    if (t.targetId !== undefined) return list.find((x) => x.id === t.targetId)?.source;
    // the version with this mean and SD, the latest in force at measuredAt if several match
    const same = list.filter((x) => x.mean === t.mean && x.sd === t.sd);
    return (inForce(same, measuredAt) ?? same[0])?.source;
  };
  /** The choice for a run; `explain` false: its rules alone (no reason text, no copies). */
  function choose(analyteId: number, levelCount: number, targets: readonly RunLevelTarget[], measuredAt: number, explain: true): RuleChoice;
  function choose(analyteId: number, levelCount: number, targets: readonly RunLevelTarget[], measuredAt: number, explain: false): readonly WestgardRule[];
  function choose(analyteId: number, levelCount: number, targets: readonly RunLevelTarget[], measuredAt: number, explain: boolean): RuleChoice | readonly WestgardRule[] {
    const perRun = levelCount >= 3 ? 3 : 2;
    const version = inForce(versions.get(analyteId), measuredAt);
    if (version) {
      const rules = version.rules.filter(isWestgardRule);
      if (rules.length) {
        if (!explain) return rules;
        return { rules, source: 'configured', sigma: null, bias: null, reason: `rule set version ${version.version} configured by the lab`, reasonCode: 'configured', tea: null, cv: null, version: version.version };
      }
    }
    const tea = ctx.teaPercent.get(analyteId) ?? null;
    if (tea === null) return explain ? defaultChoice(perRun, version, 'no_tea', 'no TEa % for the analyte') : DEFAULT_WESTGARD_RULES[perRun];
    let cv: RuleChoice['cv'] = null;
    for (const t of targets) {
      const own = OWN_IMPRECISION_SOURCES.has(sourceOf(t, measuredAt) ?? '');
      const percent = coefficientOfVariationPercent(t.sd, t.mean);
      if (!own || !(percent > 0) || !Number.isFinite(percent)) {
        return explain ? defaultChoice(perRun, version, 'no_cv', `no CV from the lab's own targets for level ${t.level}`, tea) : DEFAULT_WESTGARD_RULES[perRun];
      }
      if (cv === null || percent > cv.percent) cv = { percent, level: t.level };
    }
    if (cv === null) return explain ? defaultChoice(perRun, version, 'no_cv', 'no targets in force', tea) : DEFAULT_WESTGARD_RULES[perRun];
    const bias = biasAt(analyteId, measuredAt);
    if (bias === null) return explain ? defaultChoice(perRun, version, 'no_bias', 'no published EQA result before the run', tea, cv) : DEFAULT_WESTGARD_RULES[perRun];
    const biasPercent = bias.percent;
    const sigma = sigmaMetric(tea, biasPercent, cv.percent);
    if (!explain) return recommendRules(sigma, perRun);
    return {
      rules: recommendRules(sigma, perRun),
      source: 'sigma',
      sigma,
      bias,
      reason: `sigma ${sigma.toFixed(2)} = (TEa ${tea} % − |bias ${biasPercent.toFixed(2)} %| from ${bias.source}) / CV ${cv.percent.toFixed(2)} % (level ${cv.level}): Westgard Sigma Rules`,
      reasonCode: 'sigma',
      tea,
      cv,
      version: version?.version ?? null,
    };
  }
  return {
    at: (analyteId, _instrument, levelCount, targets, measuredAt) => choose(analyteId, levelCount, targets, measuredAt, true),
    rulesAt: (analyteId, _instrument, levelCount, targets, measuredAt) => choose(analyteId, levelCount, targets, measuredAt, false),
  };
}
