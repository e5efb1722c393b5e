// What recognition does when an EQA round is published: recompute the verdicts of the round's
// participants at once, and flag the active certifications of pairs that became unsuccessful: in
// this round, or in a later published round whose pattern this one completed (published late).
// publishRound (lib/services/eqa/evaluation.ts) calls it after its transaction has committed; the
// only `onEqaPublished` in LabQC.
import type { DB } from '@/db/client';
import { roundScores, scoresByIds } from '@/db/queries/recognition';
import { computeEligibility } from './eligibility';
import { flagCertifications } from './decisions';

export async function onEqaPublished(db: DB, roundId: number, opts: { now?: number; newlyUnsuccessful?: readonly number[] } = {}): Promise<{ flagged: number; pairs: number }> {
  const now = opts.now ?? Date.now();
  const scores = await roundScores(db, roundId);
  // other published rounds' scores this publication made unsuccessful (it came before them)
  const others = (await scoresByIds(db, opts.newlyUnsuccessful ?? [])).filter((s) => s.roundId !== roundId);
  if (!scores.length && !others.length) return { flagged: 0, pairs: 0 };
  const labIds = [...new Set([...scores, ...others].map((s) => s.labId))];
  const { pairs } = await computeEligibility(db, { labIds, now });
  const flagged = await flagCertifications(
    db,
    [...scores, ...others].filter((s) => s.unsuccessful).map((s) => ({ labId: s.labId, analyteId: s.analyteId, reason: `EQA ${s.roundCode}: unsuccessful` })),
    { now },
  );
  return { flagged, pairs };
}
