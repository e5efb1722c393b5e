// Seam for other parts of LabQC that act when an EQA round is published (recognition re-checks
// eligibility). They register here; publishRound calls each after its transaction has committed.
import type { DB } from '@/db/client';
import { onEqaPublished as recognitionOnEqaPublished } from '@/lib/services/recognition/hooks';

export type PublishHook = (db: DB, roundId: number) => void | Promise<void>;

/** Called in order with the round's id after a round is published. A failing hook is logged in the
 * audit log and does not undo the publication. */
export const publishHooks: PublishHook[] = [(db, roundId) => void recognitionOnEqaPublished(db, roundId)];

/** Register a hook once (registering the same function again is a no-op). */
export function onEqaPublished(hook: PublishHook): void {
  if (!publishHooks.includes(hook)) publishHooks.push(hook);
}
