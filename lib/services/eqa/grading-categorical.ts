// The categorical step of an EQA evaluation (qualitative, ordinal and nominal items, DOMAIN §2):
// per sample × item, the target (the round's intended result, else the participants' consensus or
// mode, lib/stats/categorical.ts) and the verdict of every answer against it. Runs on the same
// submission columns as the quantitative steps (grading.ts); a categorical answer's value is its
// grade (0 = lowest category). Pure.
import { gradeSample } from '@/lib/stats';
import {
  RESULT_GRADED,
  sampleAnalyteKey,
  sampleName,
  type CategoryTargetRow,
  type EngineInput,
  type EngineOutput,
  type NotEvaluatedReason,
} from './engine';
import { markNotEvaluated } from './grading';

/**
 * Grade every answer to a categorical item and add each sample × item with a target to `evaluable`
 * (so that a lab that did not answer it scores "not acceptable" there, as for quantitative items).
 * Answers whose grade is not one of the item's categories are not evaluated (`unknown_category`)
 * and do not count towards the consensus. A sample × item without a target (no consensus,
 * multimodal, too few answers, nobody answered) is not evaluated for anyone. Returns one target row
 * per sample × item of the round.
 */
export function gradeCategoricalItems(input: EngineInput, results: EngineOutput['results'], evaluable: Set<number>, notes: string[]): CategoryTargetRow[] {
  const c = input.categorical;
  if (!c || !c.items.length) return [];
  const s = input.submissions;
  const items = new Map(c.items.map((i) => [i.id, i]));
  const sampleSet = new Set(input.sampleIds);
  const targets: CategoryTargetRow[] = [];
  const done = new Set<number>();
  let start = 0;
  while (start < s.n) {
    const analyteId = s.analyte[start];
    const sampleId = s.sample[start];
    let end = start;
    while (end < s.n && s.analyte[end] === analyteId && s.sample[end] === sampleId) end++;
    const item = items.get(analyteId);
    if (item && sampleSet.has(sampleId)) {
      const key = sampleAnalyteKey(sampleId, analyteId);
      done.add(key);
      const known: number[] = [];
      for (let i = start; i < end; i++) {
        const g = s.value[i];
        if (Number.isInteger(g) && g >= 0 && g < item.categories.length) known.push(i);
        else markNotEvaluated(results, i, 'unknown_category', end - start);
      }
      const intended = c.intended.get(key) ?? null;
      const graded = gradeSample(
        item.kind,
        known.map((i) => s.value[i]),
        intended,
        c.settings,
        item.negativeGrade,
      );
      const t = graded.target;
      const targetIndex = targets.length;
      targets.push({
        sampleId,
        analyteId,
        targetGrade: t.ok ? t.grade : null,
        targetCategory: t.ok ? (item.categories[t.grade] ?? null) : null,
        basis: t.ok ? t.basis : null,
        n: t.n,
        agreeing: t.agreeing,
        reason: t.ok ? null : t.reason,
      });
      if (t.ok) evaluable.add(key);
      else notes.push(`${item.code} sample ${sampleName(input, sampleId)}: not evaluated (${t.reason}, ${t.agreeing} of ${t.n} answers agree)`);
      for (let i = start; i < end; i++) results.targetIndex[i] = targetIndex;
      known.forEach((i, j) => {
        const verdict = graded.acceptable[j];
        if (verdict === null) {
          markNotEvaluated(results, i, (t.ok ? 'too_few_results' : t.reason) as NotEvaluatedReason, t.n);
          return;
        }
        results.status[i] = RESULT_GRADED;
        results.acceptable[i] = verdict ? 1 : 0;
      });
    }
    start = end;
  }
  // samples × items nobody answered: an intended result still makes them count (not submitted = not acceptable)
  for (const sampleId of input.sampleIds) {
    for (const item of c.items) {
      const key = sampleAnalyteKey(sampleId, item.id);
      if (done.has(key)) continue;
      const intended = c.intended.get(key);
      if (intended !== undefined && intended >= 0 && intended < item.categories.length) {
        evaluable.add(key);
        targets.push({ sampleId, analyteId: item.id, targetGrade: intended, targetCategory: item.categories[intended], basis: 'intended', n: 0, agreeing: 0, reason: null });
      } else {
        targets.push({ sampleId, analyteId: item.id, targetGrade: null, targetCategory: null, basis: null, n: 0, agreeing: 0, reason: 'no_answers' });
      }
    }
  }
  return targets;
}
