// Read models of the lab manager's own laboratory for pages: the lab is the actor's scope (scopeOf),
// never an id the page passes, so another lab's rows cannot be asked for.
import type { Conn } from '@/db/client';
import { listRuleConfigs } from '@/db/queries/iqc';
import { listEligibilityForLab } from '@/db/queries/recognition';
import { can, scopeOf, type Actor } from '@/lib/auth/core';

export type { CriterionLine, CvGroup } from '@/db/queries/recognition';

function ownLabId(actor: Actor): number | null {
  const scope = scopeOf(actor);
  return scope.kind === 'lab' ? scope.labId : null;
}

/** The Westgard rule set chosen per analyte in the actor's lab (empty outside a lab scope). */
export async function ownRuleConfigs(db: Conn, actor: Actor) {
  const labId = ownLabId(actor);
  return labId != null && can(actor, 'iqc.read', { labId }) ? await listRuleConfigs(db, labId) : [];
}

/** The eligibility verdicts of the actor's lab, per analyte (empty outside a lab scope). */
export async function ownEligibility(db: Conn, actor: Actor) {
  const labId = ownLabId(actor);
  return labId != null && can(actor, 'eligibility.read', { labId }) ? await listEligibilityForLab(db, labId) : [];
}
