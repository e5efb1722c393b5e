// What an EQA evaluation runs with: the grading limits of each scheme analyte (scheme override,
// catalogue concentration ranges, flat TEa) and the parameters stored with each evaluation version.
import type { DB } from '@/db/client';
import { previousRoundCodes } from '@/db/queries/eqa-evaluation';
import { limitRangesOf, type LimitRangeRow } from '@/db/queries/eqa-limits';
import type { AllowableSpec, ConcentrationRange, LimitForm } from '@/lib/stats';
import { isCategorical } from '@/lib/catalogue/kinds';
import { roundAnalytes, type loadRound } from './access';
import type { EngineAnalyte, EngineLimits } from './engine';
import { categoricalItemsOf, categoricalSettingsOf } from './categorical-setup';

/** An evaluation still "running" after this long is taken to have died. */
export const STALE_RUNNING_MS = 60 * 60 * 1000;

type Num = number | null;

/** An AllowableSpec from stored columns (percent, absolute, form, threshold), or null when neither limit is set. */
export function specFrom(percent: Num, absolute: Num, form: LimitForm | null, threshold: Num): AllowableSpec | null {
  if (percent == null && absolute == null) return null;
  return {
    ...(percent != null ? { percent } : {}),
    ...(absolute != null ? { absolute } : {}),
    ...(form ? { form } : {}),
    ...(threshold != null ? { threshold } : {}),
  };
}

/**
 * The grading limits of a scheme analyte: the scheme's override (with its form) when it sets one;
 * else the catalogue's concentration ranges when the analyte has them, with its flat TEa (and form:
 * WS/T threshold or CLIA greater-of) outside them.
 */
export function limitsOf(
  a: { percent: Num; absolute: Num; limitForm: LimitForm | null; threshold: Num; teaPercent: Num; teaAbsolute: Num; teaForm: LimitForm | null; teaAbsoluteAtOrBelow: Num },
  ranges: readonly LimitRangeRow[] = [],
): EngineLimits {
  const override = specFrom(a.percent, a.absolute, a.limitForm, a.threshold);
  if (override) return { ranges: [], spec: override };
  const catalogue = specFrom(a.teaPercent, a.teaAbsolute, a.teaForm, a.teaAbsoluteAtOrBelow);
  const asRanges: ConcentrationRange[] = [];
  for (const r of ranges) {
    const spec = specFrom(r.percent, r.absolute, r.form, r.threshold);
    if (spec) asRanges.push({ from: r.fromValue, to: r.toValue, spec });
  }
  return { ranges: asRanges, spec: catalogue };
}

/** The engine's analytes and the parameters stored with the evaluation (digested with its inputs),
 * with the round's categorical items and their settings. */
export async function evaluationParameters(db: DB, r: Awaited<ReturnType<typeof loadRound>>) {
  const scheme = r.scheme;
  const all = await roundAnalytes(db, r);
  const rows = all.filter((a) => !isCategorical(a.kind));
  const ranges = await limitRangesOf(
    db,
    rows.map((a) => a.analyteId),
  );
  const analytes: EngineAnalyte[] = rows.map((a) => ({ id: a.analyteId, code: a.code, limits: limitsOf(a, ranges.get(a.analyteId)), minScore: a.minScore ?? scheme.minRoundScore }));
  const categoricalItems = categoricalItemsOf(all, scheme);
  const categoricalSettings = categoricalSettingsOf(scheme);
  const parameters = {
    sigmaPtSource: scheme.sigmaPtSource,
    peerGrouping: scheme.peerGrouping,
    minPeerGroupSize: scheme.minPeerGroupSize,
    minRoundScore: scheme.minRoundScore,
    analytes: analytes.map((a) => ({ code: a.code, limits: a.limits, minScore: a.minScore })),
    historyRounds: await previousRoundCodes(db, scheme.id, r.round),
    // only when the round has categorical items, so quantitative parameters (and digests) stay as they were
    ...(categoricalItems.length
      ? { categorical: { settings: categoricalSettings, items: categoricalItems.map((i) => ({ code: i.code, kind: i.kind, categories: i.categories, negativeGrade: i.negativeGrade, minScore: i.minScore })) } }
      : {}),
  };
  return { analytes, parameters, categoricalItems, categoricalSettings };
}
