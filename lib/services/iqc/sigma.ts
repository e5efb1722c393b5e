// Which Westgard rule set judges a series: the lab's configuration, else the Westgard Sigma Rules
// for the series' sigma metric, else the default multirule for the number of levels.
import type { DB } from '@/db/client';
import type { IqcStatements } from '@/db/queries/iqc';
import { DEFAULT_WESTGARD_RULES, describe, recommendRules, sigmaMetric, type WestgardRule } from '@/lib/stats';
import type { LabContext } from './engine';

/** The window before a batch in which the lab's bias and CV give the sigma metric for the rule set. */
export const SIGMA_WINDOW_MS = 90 * 24 * 3600 * 1000;
/** Values per level needed in that window before the sigma is considered known (CLSI C24's 20). */
export const SIGMA_MIN_POINTS = 20;

/**
 * The rule set of a series: the lab's configuration for the analyte; else the Westgard Sigma Rules
 * for the sigma of the 90 days before `before` (when every level has ≥ 20 in-control judged
 * values and the analyte has a TEa %); else the default set for the number of levels.
 * Sigma per level = (TEa − |bias|)/CV with bias and CV of value/target-mean ratios (so a lot
 * change inside the window does not inflate the CV); the worst level decides.
 */
export function ruleSetFor(s: IqcStatements, ctx: LabContext, analyteId: number, instrument: string, levels: number, before: number): WestgardRule[] {
  const configured = ctx.ruleConfigs.get(analyteId);
  if (configured) return configured;
  const perRun = levels >= 3 ? 3 : 2;
  const sigma = seriesSigma(s, ctx, analyteId, instrument, before);
  if (sigma !== null) {
    const rules = recommendRules(sigma, perRun);
    return perRun === 2 && !rules.includes('1-2s') ? ['1-2s', ...rules] : rules;
  }
  return [...DEFAULT_WESTGARD_RULES[perRun]];
}

export function seriesSigma(s: IqcStatements, ctx: LabContext, analyteId: number, instrument: string, before: number): number | null {
  const tea = ctx.teaPercent.get(analyteId);
  if (tea == null) return null;
  const rows = s.recentJudged.all(ctx.labId, analyteId, instrument, before - SIGMA_WINDOW_MS, before);
  if (!rows.length) return null;
  const ratios = new Map<string, number[]>();
  for (const r of rows) {
    if (!r.mean) continue;
    let list = ratios.get(r.level);
    if (!list) ratios.set(r.level, (list = []));
    list.push(r.value / r.mean);
  }
  let worst: number | null = null;
  for (const list of ratios.values()) {
    if (list.length < SIGMA_MIN_POINTS) return null;
    const d = describe(list);
    if (!(d.cv > 0)) continue;
    const sigma = sigmaMetric(tea, (d.mean - 1) * 100, d.cv);
    if (worst === null || sigma < worst) worst = sigma;
  }
  return worst;
}


/** Why a run is judged with the rules it has (shown beside the verdict and in the review). */
export interface RuleChoice {
  rules: WestgardRule[];
  /** `configured`: the lab's rule set version in force; `sigma`: Westgard Sigma Rules; `default`: the classic multirule */
  source: 'configured' | 'sigma' | 'default';
  sigma: number | null;
  /** bias % used for the sigma and where it came from (e.g. EQA rounds), when known */
  bias: { percent: number; source: string } | null;
  /** human-readable reason, e.g. "no published EQA bias: default multirule" */
  reason: string;
}

/** One level of a run as the selector sees it: the frozen target in force for that value. */
export interface RunLevelTarget {
  level: string;
  controlLotId: number;
  mean: number;
  sd: number;
}

/**
 * Chooses the rule set of each run from data only (never from arrival order): the lab's rule set
 * version in force at `measuredAt`, else the Westgard Sigma Rules, else the default multirule.
 * Built once per ingest or re-evaluation (it may preload what it needs) and asked once per run.
 */
export interface RuleSelector {
  at(analyteId: number, instrument: string, levelCount: number, targets: readonly RunLevelTarget[], measuredAt: number): RuleChoice;
}

/** The selector for one lab. (Interim: configured set, else default; sigma from EQA bias to come.) */
export function ruleSelector(_db: DB, ctx: LabContext): RuleSelector {
  return {
    at(analyteId, _instrument, levelCount) {
      const configured = ctx.ruleConfigs.get(analyteId);
      if (configured) return { rules: configured, source: 'configured', sigma: null, bias: null, reason: 'rule set configured by the lab' };
      const perRun = levelCount >= 3 ? 3 : 2;
      return { rules: [...DEFAULT_WESTGARD_RULES[perRun]], source: 'default', sigma: null, bias: null, reason: 'no sigma known: default multirule' };
    },
  };
}
