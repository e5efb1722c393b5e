// What recognition does when an EQA round is published: recompute the verdicts of the round's
// participants at once, and flag the active certifications of pairs that became unsuccessful.
// publishRound (lib/services/eqa/evaluation.ts) calls it after its transaction has committed; the
// only `onEqaPublished` in LabQC.
import type { DB } from '@/db/client';
import { roundScores } from '@/db/queries/recognition';
import { computeEligibility } from './eligibility';
import { flagCertifications } from './decisions';

export async function onEqaPublished(db: DB, roundId: number, opts: { now?: number } = {}): Promise<{ flagged: number; pairs: number }> {
  const now = opts.now ?? Date.now();
  const scores = await roundScores(db, roundId);
  if (!scores.length) return { flagged: 0, pairs: 0 };
  const labIds = [...new Set(scores.map((s) => s.labId))];
  const { pairs } = await computeEligibility(db, { labIds, now });
  const flagged = await flagCertifications(
    db,
    scores.filter((s) => s.unsuccessful).map((s) => ({ labId: s.labId, analyteId: s.analyteId, reason: `EQA ${s.roundCode}: unsuccessful` })),
    { now },
  );
  return { flagged, pairs };
}
