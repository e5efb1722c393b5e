// The regulator's CSV export of a round: every graded result of the jurisdiction with its assigned
// value, score and verdict (for categorical items the answer, target and its basis), and every
// analyte a lab did not submit.
import type { Conn } from '@/db/client';
import { evaluationLabIds, evaluationResults, evaluationScores } from '@/db/queries/eqa-reports';
import { can, type Actor } from '@/lib/auth/core';
import { csvLines } from '@/lib/csv';
import { roundForDecision } from '@/lib/stats';
import { AppError } from '@/lib/errors';
import { reasonText, resolve, zSignal } from './reports';
import { categoricalReasonText } from './categorical-results';

export const ROUND_CSV_COLUMNS = [
  'round',
  'lab',
  'lab_name',
  'analyte',
  'sample',
  'value',
  'method',
  'instrument',
  'peer_group',
  'assigned_value_source',
  'n',
  'assigned_value',
  'robust_sd',
  'sigma_pt',
  'u_assigned',
  'score_type',
  'z',
  'z_signal',
  'deviation',
  'percent_deviation',
  'allowed',
  'acceptable',
  'not_evaluated_reason',
  'analyte_score',
  'analyte_verdict',
  'unsuccessful',
  // qualitative, ordinal and nominal items (`value` is then the answer's grade, 0 = lowest category)
  'category',
  'target_category',
  'target_basis',
  'grade_distance',
] as const;

/** Labs read together: ~LABS_PER_PART × analytes × samples rows in memory at a time (a national
 * round is 2,000,000 rows, more than one string may hold). */
const LABS_PER_PART = 50;

/**
 * The whole round (every graded result in the jurisdiction, then every analyte not submitted) as CSV
 * lines handed to `write` a part at a time: the header, then the results of LABS_PER_PART labs (by
 * code), so memory stays flat however large the round.
 */
export async function writeRoundCsv(
  db: Conn,
  actor: Actor,
  input: { roundCode: string },
  write: (lines: string) => void | Promise<void>,
  opts: { labsPerPart?: number } = {},
): Promise<void> {
  const perPart = opts.labsPerPart ?? LABS_PER_PART;
  if (!can(actor, 'eqaRound.report')) throw new AppError('auth.forbidden');
  const { r, evaluation, filter } = await resolve(db, actor, input.roundCode, null);
  const labIds = await evaluationLabIds(db, evaluation.id, filter);
  const parts = Array.from({ length: Math.ceil(labIds.length / perPart) }, (_, k) => labIds.slice(k * perPart, (k + 1) * perPart));
  await write(csvLines([ROUND_CSV_COLUMNS]));
  // the analytes not submitted come after every result: their lines (one per such score, short) are
  // kept from each part's one read of its scores until then
  const missing: string[] = [];
  for (const part of parts) {
    const partScores = await evaluationScores(db, evaluation.id, filter, part);
    missing.push(csvLines(partScores.filter((s) => s.notSubmitted).map((s) => [r.round.code, s.lab, s.labName, s.analyte, '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', 'no', '', 0, 'not_submitted', s.unsuccessful ? 'yes' : 'no', '', '', '', ''])));
    const scores = new Map(partScores.map((s) => [`${s.lab}:${s.analyte}`, s]));
    const rows = (await evaluationResults(db, evaluation.id, filter, part)).map((x) => {
      const s = scores.get(`${x.lab}:${x.analyte}`);
      return [
        r.round.code,
        x.lab,
        x.labName,
        x.analyte,
        x.sample,
        x.value,
        x.method,
        x.instrument,
        x.peerGroup,
        x.source,
        x.n,
        x.assignedValue,
        x.robustSd,
        x.sigmaPt,
        x.uAssigned,
        x.scoreType,
        decided(x.z),
        zSignal(x.classification),
        decided(x.deviation),
        decided(x.percentDeviation),
        decided(x.allowed),
        x.acceptable === null ? 'not evaluated' : x.acceptable ? 'yes' : 'no',
        (x.category !== null || x.targetBasis !== null || x.reason === 'unknown_category' ? categoricalReasonText(x, r.scheme) : reasonText(x.reason, x.reasonN, r.scheme.minPeerGroupSize)) ?? '',
        s?.score,
        s?.verdict,
        s?.unsuccessful ? 'yes' : 'no',
        x.category,
        x.targetCategory,
        x.targetBasis,
        x.gradeDistance,
      ];
    });
    await write(csvLines(rows));
  }
  for (const lines of missing) await write(lines);
}

/** The whole round as one CSV text (writeRoundCsv's lines put together: for tests and small rounds). */
export async function roundCsv(db: Conn, actor: Actor, input: { roundCode: string }): Promise<string> {
  const lines: string[] = [];
  await writeRoundCsv(db, actor, input, (l) => void lines.push(l));
  return lines.join('');
}

/** A figure the verdict was decided on, as it was decided (rounded to 1e-9): 0.8000000000000007 beside
 * an allowed 0.8 and "acceptable: yes" read as a contradiction in a spreadsheet. */
function decided(x: number | null | undefined): number | null | undefined {
  return typeof x === 'number' ? roundForDecision(x) : x;
}
