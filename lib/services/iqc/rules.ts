// The Westgard rule set of a lab × analyte. Without a configuration the engine uses the Westgard
// Sigma Rules when a sigma is known, else the classic multirule (see engine.ruleSetFor). A change
// applies to runs evaluated from now on; earlier verdicts keep the rules stored with each run.
import type { DB } from '@/db/client';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { deleteRuleConfig, findRuleConfig, upsertRuleConfig } from '@/db/queries/iqc';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { ruleConfigInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { resolveWritableLab } from './ingest';

export function setRuleConfig(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const scope = resolveWritableLab(db, actor, (input as { lab?: string | null })?.lab ?? null, 'iqcTarget.manage');
  const parsed = ruleConfigInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid rule set', zodFieldErrors(parsed.error));
  const analyte = findAnalyteByCode(db, parsed.data.analyte);
  if (!analyte) throw AppError.invalid('Unknown analyte', [{ field: 'analyte', message: `Unknown analyte code ${parsed.data.analyte}` }]);
  const rules = [...new Set(parsed.data.rules)];
  return db.transaction((tx) => {
    const before = findRuleConfig(tx, scope.labId, analyte.id)?.rules ?? null;
    if (rules.length) upsertRuleConfig(tx, { labId: scope.labId, analyteId: analyte.id, rules, updatedBy: actor.userId, updatedAt: now });
    else deleteRuleConfig(tx, scope.labId, analyte.id);
    insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.rules.set',
      entityType: 'qc_rule_config',
      entityId: `${scope.labId}:${analyte.code}`,
      labId: scope.labId,
      details: { analyte: analyte.code, before, after: rules.length ? rules : null },
      at: now,
    });
    return { analyte: analyte.code, rules: rules.length ? rules : null };
  });
}
