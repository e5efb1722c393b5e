// The categorical fields of `GET /api/v1/eqa/rounds/{code}/results` (issue 12): for a qualitative,
// ordinal or nominal item each row also carries the answered category, the target category, where the
// target came from (intended result, participants' consensus or mode), the grades between them, and
// why it was not evaluated. Quantitative rows are left exactly as they are.
import type { DB } from '@/db/client';
import { categoricalResultsOf, type CategoricalResultRow } from '@/db/queries/eqa-evaluation';
import type { Actor } from '@/lib/auth/core';
import { resolve } from './reports';

/** Why a categorical answer was not evaluated, in English (pages translate the code). */
export function categoricalReasonText(row: Pick<CategoricalResultRow, 'reason' | 'reasonN'>, scheme: { consensusPercent: number; minPeerGroupSize: number }): string | null {
  switch (row.reason) {
    case null:
      return null;
    case 'no_consensus':
      return `Not evaluated: no category was answered by ${scheme.consensusPercent} % of the ${row.reasonN ?? 0} participants, and no intended result`;
    case 'multimodal':
      return `Not evaluated: two or more grades were answered equally often by the ${row.reasonN ?? 0} participants (no single mode), and no intended result`;
    case 'too_few_results':
      return `Not evaluated: ${row.reasonN ?? 0} answer(s), fewer than the scheme's minimum group size of ${scheme.minPeerGroupSize}, and no intended result`;
    case 'unknown_category':
      return 'Not evaluated: the answer is no longer one of the item’s categories';
    default:
      return row.reason;
  }
}

type ResultsBody = { results: ({ lab?: string; sample: string; analyte: string } & Record<string, unknown>)[] };

/**
 * Add `category`, `targetCategory`, `targetBasis` ('intended' | 'consensus' | 'mode' | null),
 * `gradeDistance` (answer grade − target grade), `reasonCode` and an English `reason` to the rows of
 * categorical items of a results body built by getRoundResults for the same actor and input.
 */
export async function withCategoricalFields<T extends ResultsBody>(db: DB, actor: Actor, input: { roundCode: string; labCode?: string | null }, body: T): Promise<T> {
  const { r, evaluation, lab } = await resolve(db, actor, input.roundCode, input.labCode);
  const labId = lab ? lab.id : null;
  const rows = await categoricalResultsOf(db, evaluation.id, labId);
  if (!rows.length) return body;
  const single = lab?.code ?? null;
  const byKey = new Map(rows.map((x) => [`${x.lab}\u0000${x.sample}\u0000${x.analyte}`, x]));
  return {
    ...body,
    results: body.results.map((row) => {
      const x = byKey.get(`${row.lab ?? single}\u0000${row.sample}\u0000${row.analyte}`);
      if (!x) return row;
      return {
        ...row,
        category: x.category,
        targetCategory: x.targetCategory,
        targetBasis: x.targetBasis,
        gradeDistance: x.gradeDistance,
        reasonCode: x.reason,
        reason: categoricalReasonText(x, r.scheme),
      };
    }),
  };
}
