// The Westgard rule set of a lab × analyte, versioned: each change adds a version in force from its
// effective time (after the analyte's last run), so a run is judged with the version in force when
// it was measured and no verdict already given is rewritten. Without a configured version the
// selector (sigma.ts) uses the Westgard Sigma Rules when the sigma is known, else the multirule.
import type { DB } from '@/db/client';
import { findAnalyteByCode, listAnalytes } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { deleteRuleConfig, upsertRuleConfig } from '@/db/queries/iqc';
import { chinaTime } from '@/lib/calendar';
import { insertRuleSetVersion, lastRunTimeOfAnalyte, latestJudgedRunLevels, ruleSetVersionsOf, ruleSetVersionsOfLab, type LatestRunLevelRow } from '@/db/queries/iqc-sigma';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { ruleConfigInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { coefficientOfVariationPercent } from '@/lib/stats';
import { resolveWritableLab } from './ingest';
import { ruleSelector, type RuleChoice } from './sigma';
import { resolveReadableLab } from './views';
import { withTx } from '@/db/tx';
import { holdLabIqcWriters } from '@/db/queries/iqc-settings';
import { pageOfRows, type PageRequest } from '@/db/queries/paging';

/** Set the rule set of an analyte (empty: back to the automatic choice) as a new version. */
export async function setRuleConfig(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const scope = await resolveWritableLab(db, actor, (input as { lab?: string | null })?.lab ?? null, 'iqcTarget.manage');
  const parsed = ruleConfigInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid rule set', zodFieldErrors(parsed.error));
  const analyte = await findAnalyteByCode(db, parsed.data.analyte);
  if (!analyte) throw new AppError('iqc.unknownAnalyteTitle', {}, [fieldError('analyte.unknownCode', { code: parsed.data.analyte }, 'analyte')]);
  if (Number.isNaN(parsed.data.effectiveFrom)) throw new AppError('iqc.invalidRuleSet', {}, [fieldError('value.notDateTimeShort', {}, 'effectiveFrom')]);
  const rules = [...new Set(parsed.data.rules)];
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, scope.labId);
    const versions = await ruleSetVersionsOf(tx, scope.labId, analyte.id);
    const previous = versions.at(-1) ?? null;
    const lastRun = await lastRunTimeOfAnalyte(tx, scope.labId, analyte.id);
    const effectiveFrom = parsed.data.effectiveFrom ?? Math.max(now, (lastRun ?? -Infinity) + 1, (previous?.effectiveFrom ?? -Infinity) + 1);
    if (lastRun !== null && effectiveFrom <= lastRun) {
      throw new AppError('iqc.ruleSetBeforeLastRun', { at: chinaTime(lastRun) });
    }
    if (previous && effectiveFrom <= previous.effectiveFrom) {
      throw new AppError('iqc.ruleSetBeforePrevious', { at: chinaTime(previous.effectiveFrom) });
    }
    const row = await insertRuleSetVersion(tx, {
      labId: scope.labId,
      analyteId: analyte.id,
      version: (previous?.version ?? 0) + 1,
      rules,
      effectiveFrom,
      reason: parsed.data.reason || null,
      createdBy: actor.userId,
      createdAt: now,
    });
    // qc_rule_configs mirrors the latest version (the engine's per-lab context reads it)
    if (rules.length) await upsertRuleConfig(tx, { labId: scope.labId, analyteId: analyte.id, rules, updatedBy: actor.userId, updatedAt: now });
    else await deleteRuleConfig(tx, scope.labId, analyte.id);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.rules.set',
      entityType: 'qc_rule_set_version',
      entityId: `${scope.labId}:${analyte.code}:${row.version}`,
      labId: scope.labId,
      details: { analyte: analyte.code, version: row.version, effectiveFrom, before: previous?.rules.length ? previous.rules : null, after: rules.length ? rules : null, reason: row.reason },
      at: now,
    });
    return { analyte: analyte.code, rules: rules.length ? rules : null, version: row.version, effectiveFrom };
  });
}

/** The rule-set choice of an analyte × instrument as of its latest judged run before a time. */
export interface RuleChoiceRow {
  analyteId: number;
  analyte: string;
  nameEn: string;
  nameZh: string;
  instrument: string;
  /** the run the choice was made for (its time) */
  runAt: number;
  levels: { level: string; lot: string; cvPercent: number; source: string }[];
  choice: RuleChoice;
}

const levelOrder = new Intl.Collator('en', { numeric: true });

/** For each analyte × instrument of a lab, the rule set chosen for its latest judged run before
 * `before` (configured version, sigma with the EQA bias and its rounds and the CV, or the default
 * and why): at that run's time, or at `asOf` (with that run's levels and targets: what a run
 * measured then would get). The caller has authorized the lab. */
export async function ruleChoicesAt(db: DB, labId: number, before: number, asOf?: number): Promise<RuleChoiceRow[]> {
  const catalogue = new Map((await listAnalytes(db)).map((a) => [a.id, a]));
  const selector = await ruleSelector(db, { labId, teaPercent: new Map([...catalogue.values()].map((a) => [a.id, a.teaPercent])), targets: new Map() });
  const groups = new Map<number, LatestRunLevelRow[]>();
  for (const r of await latestJudgedRunLevels(db, labId, before)) {
    let list = groups.get(r.runId);
    if (!list) groups.set(r.runId, (list = []));
    list.push(r);
  }
  const rows: RuleChoiceRow[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => levelOrder.compare(a.level, b.level));
    const { analyteId, instrument, measuredAt } = list[0];
    const a = catalogue.get(analyteId)!;
    const targets = list.map((r) => ({ level: r.level, controlLotId: r.controlLotId, mean: r.mean, sd: r.sd, targetId: r.targetId, source: r.source }));
    rows.push({
      analyteId,
      analyte: a.code,
      nameEn: a.nameEn,
      nameZh: a.nameZh,
      instrument,
      runAt: measuredAt,
      levels: list.map((r) => ({ level: r.level, lot: r.lot, cvPercent: coefficientOfVariationPercent(r.sd, r.mean), source: r.source })),
      choice: selector.at(analyteId, instrument, list.length, targets, asOf ?? measuredAt),
    });
  }
  return rows.sort((x, y) => x.analyte.localeCompare(y.analyte) || x.instrument.localeCompare(y.instrument));
}

/** The in-force list takes one order (analyte, instrument). */
export const RULE_CHOICE_SORTS = ['analyte'] as const;

/** The targets page: the choice for each analyte × instrument for a run measured now (with the
 * levels and targets of its latest run), one page of them (filtered by item code or name, or
 * instrument: a lab with hundreds of items must not get them all on every visit), and every rule
 * set version the lab has configured. */
export async function ruleChoicesView(db: DB, actor: Actor, q: { lab?: string | null }, req: PageRequest<(typeof RULE_CHOICE_SORTS)[number]>, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  const codes = new Map((await listAnalytes(db)).map((a) => [a.id, a.code]));
  const versions = (await ruleSetVersionsOfLab(db, scope.labId)).map((v) => ({ ...v, analyte: codes.get(v.analyteId)! }));
  const page = pageOfRows(await ruleChoicesAt(db, scope.labId, now + 1, now), req, (r) => [r.analyte, r.nameZh, r.nameEn, r.instrument]);
  return { labId: scope.labId, ...page, versions };
}
