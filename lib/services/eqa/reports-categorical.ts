// Reading graded qualitative, ordinal and nominal EQA items (DOMAIN §2): per sample the distribution
// of answers across the item's categories with the lab's answer and the target (the lab's report),
// and per item the concordance rate of a round (the regulator's summary). Counts only: no lab sees
// another lab's answer.
import type { Conn } from '@/db/client';
import type { AnalyteKind, ItemCategory } from '@/db/enums';
import { roundSamples } from '@/db/queries/eqa';
import { categoricalConcordance, evaluationCategoryTargets, evaluationResults, sampleCategoryCounts } from '@/db/queries/eqa-reports';
import { isCategorical } from '@/lib/catalogue/kinds';
import type { Actor, DataScope } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { concordancePercent, gradeCategorical, type CategoricalKind } from '@/lib/stats';
import { categoricalSettingsOf, negativeGradeOf } from './categorical-setup';
import { roundAnalytes, type LoadedRound } from './access';
import { resolve } from './reports';

/** The kind and categories of the round's items, by analyte code (quantitative items included). */
export async function itemShapesOfRound(db: Conn, r: LoadedRound) {
  return new Map((await roundAnalytes(db, r)).map((a) => [a.code, { analyteId: a.analyteId, kind: a.kind, categories: a.categories }]));
}

type TargetRow = Awaited<ReturnType<typeof evaluationCategoryTargets>>[number];
type ResultRow = Pick<Awaited<ReturnType<typeof evaluationResults>>[number], 'category' | 'targetCategory' | 'targetBasis' | 'gradeDistance'>;

/** A categorical sample's answer, target (also when the lab gave no answer), accepted categories and grade distance for the lab's report. */
export function categoricalSample(
  x: ResultRow | undefined,
  t: TargetRow | undefined,
  shape: { kind: AnalyteKind; categories: ItemCategory[] | null } | undefined,
  scheme: Parameters<typeof categoricalSettingsOf>[0],
) {
  const target = x?.targetCategory ?? t?.targetCategory ?? null;
  return {
    accepted: shape && isCategorical(shape.kind) ? acceptedCategories(shape.kind as CategoricalKind, shape.categories ?? [], target, scheme) : [],
    category: x?.category ?? null,
    targetCategory: target,
    targetBasis: x?.targetBasis ?? t?.basis ?? null,
    gradeDistance: x?.gradeDistance ?? null,
    /** answers behind a consensus or mode, and how many named the target */
    answers: t?.n ?? null,
    agreeing: t?.agreeing ?? null,
    /** why the sample had no target (no consensus, multimodal, too few answers) */
    targetReason: t?.reason ?? null,
  };
}

/**
 * The categories an answer may name to be acceptable against `target` under the scheme's settings
 * (the target alone for qualitative and nominal items; target ± tolerance for ordinal ones, only the
 * negative category when a negative target must be answered negative). Empty without a target.
 */
export function acceptedCategories(
  kind: CategoricalKind,
  categories: readonly ItemCategory[],
  target: string | null,
  scheme: Parameters<typeof categoricalSettingsOf>[0],
): string[] {
  const t = target === null ? -1 : categories.findIndex((c) => c.code === target);
  if (t < 0) return [];
  const settings = categoricalSettingsOf(scheme);
  const negative = negativeGradeOf(categories);
  return categories.filter((_, g) => gradeCategorical(kind, g, t, settings, negative)).map((c) => c.code);
}

/**
 * One sample × categorical item of a round as the lab's report shows it: every category (catalogue
 * order) with the number of participants who answered it, the lab's answer, the target and its basis
 * (intended result, consensus with `agreeing` of `n`, or mode), the accepted categories, and the
 * verdict with its reason when the sample was not evaluated.
 */
export async function sampleCategoryDistribution(db: Conn, actor: Actor, input: { roundCode: string; labCode?: string | null; sample: string; analyte: string }) {
  const { r, evaluation, lab } = await resolve(db, actor, input.roundCode, input.labCode);
  const sample = (await roundSamples(db, r.round.id)).find((s) => s.code === input.sample);
  const item = (await itemShapesOfRound(db, r)).get(input.analyte);
  if (!sample || !item) throw new AppError('eqa.sampleNotFound');
  if (!isCategorical(item.kind)) return null;
  const categories = item.categories ?? [];
  const counts = new Map((await sampleCategoryCounts(db, evaluation.id, sample.id, item.analyteId)).map((c) => [c.category, c.n]));
  const target = (await evaluationCategoryTargets(db, evaluation.id)).find((t) => t.sampleId === sample.id && t.analyteId === item.analyteId);
  const own = lab ? (await evaluationResults(db, evaluation.id, { kind: 'lab', labId: lab.id })).find((x) => x.sample === sample.code && x.analyte === input.analyte) : undefined;
  const targetCategory = target?.targetCategory ?? null;
  return {
    sample: sample.code,
    analyte: input.analyte,
    kind: item.kind as CategoricalKind,
    bars: categories.map((c) => ({ code: c.code, nameEn: c.nameEn, nameZh: c.nameZh, count: counts.get(c.code) ?? 0 })),
    answers: [...counts.values()].reduce((a, b) => a + b, 0),
    labAnswer: own?.category ?? null,
    target: targetCategory,
    basis: target?.basis ?? null,
    n: target?.n ?? 0,
    agreeing: target?.agreeing ?? 0,
    accepted: acceptedCategories(item.kind as CategoricalKind, categories, targetCategory, r.scheme),
    acceptable: own ? own.acceptable : null,
    reason: own?.reason ?? target?.reason ?? null,
  };
}

/**
 * Concordance per categorical item of an evaluation within the reader's scope: answers, answers
 * evaluated, acceptable ones and the rate (acceptable / evaluated, lib/stats concordancePercent),
 * with the samples that were not evaluated and why (no consensus, multimodal, too few answers).
 */
export async function roundConcordance(db: Conn, r: LoadedRound, evaluationId: number, scope: DataScope) {
  const shapes = await itemShapesOfRound(db, r);
  // a round of quantitative items only: nothing to count (the count reads every graded result)
  if (![...shapes.values()].some((s) => isCategorical(s.kind))) return [];
  const rates = new Map((await categoricalConcordance(db, evaluationId, scope)).map((c) => [c.analyte, c]));
  const targets = await evaluationCategoryTargets(db, evaluationId);
  return [...shapes.entries()]
    .filter(([, s]) => isCategorical(s.kind))
    .map(([code, s]) => {
      const c = rates.get(code);
      const evaluated = c?.evaluated ?? 0;
      const acceptable = c?.acceptable ?? 0;
      return {
        analyte: code,
        kind: s.kind as CategoricalKind,
        labs: c?.labs ?? 0,
        answers: c?.answers ?? 0,
        evaluated,
        acceptable,
        rate: concordancePercent(acceptable, evaluated),
        notEvaluated: targets
          .filter((t) => t.analyteId === s.analyteId && t.targetCategory === null)
          .map((t) => ({ sample: t.sample, reason: t.reason, n: t.n, agreeing: t.agreeing })),
      };
    });
}
