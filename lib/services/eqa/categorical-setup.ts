// What the evaluation needs to grade a round's qualitative, ordinal and nominal items: the items
// with their ordered category codes and pass marks, the scheme's settings, the intended results as
// grades, and every current answer's grade read again from its category code (so a catalogue that
// gained a category since the submission grades on today's scale).
import type { DB } from '@/db/client';
import type { EqaScheme } from '@/db/schema';
import type { AnalyteKind, ItemCategory } from '@/db/enums';
import { currentCategoryAnswers } from '@/db/queries/eqa-evaluation';
import { gradeOf, isCategorical } from '@/lib/catalogue/kinds';
import type { CategoricalKind, CategoricalSettings } from '@/lib/stats';
import { sampleAnalyteKey, type EngineCategoricalItem, type SubmissionColumns } from './engine';

type SchemeSettings = Pick<
  EqaScheme,
  'consensusPercent' | 'ordinalTolerance' | 'negativeMustBeNegative' | 'passPercentQualitative' | 'passPercentOrdinal' | 'passPercentNominal' | 'minPeerGroupSize'
>;

/** The event pass mark of a categorical item kind in a scheme, in percent. */
export function passPercentOf(scheme: SchemeSettings, kind: CategoricalKind): number {
  return kind === 'nominal' ? scheme.passPercentNominal : kind === 'ordinal' ? scheme.passPercentOrdinal : scheme.passPercentQualitative;
}

/** The scheme's categorical settings; a consensus or mode needs as many answers as a peer group. */
export function categoricalSettingsOf(scheme: SchemeSettings): CategoricalSettings {
  return {
    consensusPercent: scheme.consensusPercent,
    ordinalTolerance: scheme.ordinalTolerance,
    negativeMustBeNegative: scheme.negativeMustBeNegative,
    minAnswers: scheme.minPeerGroupSize,
  };
}

/** Spellings that make the lowest category a negative one (code or alias, case-insensitive). */
const NEGATIVE_SPELLINGS = new Set(['negative', 'neg', '-', 'non-reactive', 'nonreactive', 'not_detected', 'normal', '阴性', '正常', '未检出']);

/**
 * The grade meaning negative for the "negative target must be answered negative" rule: 0 when the
 * lowest category is a negative one (negative, −, normal, not detected), else null — scales without a
 * negative (urine pH and SG, titres 1:2 … 1:2048) use the tolerance only.
 */
export function negativeGradeOf(categories: readonly ItemCategory[]): number | null {
  const lowest = categories[0];
  if (!lowest) return null;
  return [lowest.code, ...(lowest.aliases ?? [])].some((s) => NEGATIVE_SPELLINGS.has(s.trim().toLowerCase())) ? 0 : null;
}

interface AnalyteRow {
  analyteId: number;
  code: string;
  kind: AnalyteKind;
  categories: ItemCategory[] | null;
  minScore: number | null;
}

/** The categorical items among a round's analytes (the scheme's per-analyte minScore wins over the kind's pass mark). */
export function categoricalItemsOf(rows: readonly AnalyteRow[], scheme: SchemeSettings): EngineCategoricalItem[] {
  return rows
    .filter((a) => isCategorical(a.kind))
    .map((a) => {
      const kind = a.kind as CategoricalKind;
      const categories = a.categories ?? [];
      return {
        id: a.analyteId,
        code: a.code,
        kind,
        categories: categories.map((c) => c.code),
        negativeGrade: negativeGradeOf(categories),
        minScore: a.minScore ?? passPercentOf(scheme, kind),
      };
    });
}

/** Intended results of categorical items as grades, by sampleAnalyteKey (an unknown code is left out). */
export function intendedGrades(
  refs: readonly { sampleId: number; analyteId: number; value: number; category: string | null }[],
  items: readonly EngineCategoricalItem[],
): Map<number, number> {
  const byId = new Map(items.map((i) => [i.id, i]));
  const out = new Map<number, number>();
  for (const r of refs) {
    const item = byId.get(r.analyteId);
    if (!item) continue;
    const grade = r.category !== null ? item.categories.findIndex((c) => c === r.category) : r.value;
    if (Number.isInteger(grade) && grade >= 0 && grade < item.categories.length) out.set(sampleAnalyteKey(r.sampleId, r.analyteId), grade);
  }
  return out;
}

/**
 * Set the value of every current categorical answer in `cols` to the grade of its category code in
 * today's catalogue (−1 when the code is no longer one of the item's categories).
 */
export async function regradeAnswers(db: DB, roundId: number, cols: SubmissionColumns, items: readonly { id: number; code: string; categories: string[] }[]): Promise<void> {
  if (!items.length) return;
  const byId = new Map(items.map((i) => [i.id, { categories: i.categories.map((code) => ({ code, nameEn: code, nameZh: code })) }]));
  const categoryOf = new Map(await currentCategoryAnswers(db, roundId, [...byId.keys()]));
  for (let i = 0; i < cols.n; i++) {
    const item = byId.get(cols.analyte[i]);
    if (!item) continue;
    const category = categoryOf.get(cols.id[i]);
    // an answer stored without a code keeps its stored grade
    if (category != null) cols.value[i] = gradeOf(item, category);
  }
}
