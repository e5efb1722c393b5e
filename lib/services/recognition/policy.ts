// Recognition policies: one per region, versioned by effective date. A city without a policy of its
// own inherits its province's (and a province the national one); a city regulator may override.
import type { DB, Conn } from '@/db/client';
import { analyteIdsByCode } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { findRegionByCode, findRegionById } from '@/db/queries/regions';
import { insertPolicy, listPoliciesOnPath, listAllPolicies, nextPolicyVersion, type PolicyRow } from '@/db/queries/recognition';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { zodFieldErrors } from '@/lib/validation/errors';
import { DEFAULT_CRITERIA, policyCriteria, policyInput, type PolicyCriteria } from '@/lib/validation/recognition';
import { dayOf } from '@/lib/calendar';
import { windowsOf, type RecognitionWindows } from './window';
import { withTx } from '@/db/tx';

export interface EffectivePolicy {
  id: number;
  regionId: number;
  regionCode: string;
  regionName: string;
  version: number;
  effectiveFrom: string;
  /** when the version was added (ms) */
  createdAt: number;
  criteria: PolicyCriteria;
  analyteCodes: string[];
  validityMonths: number;
  /** recognition window per item (the system default when the version sets none) */
  windows: RecognitionWindows;
  /** true when the policy belongs to an ancestor region (inherited) */
  inherited: boolean;
}

/**
 * The policy in force for a region path on a day. Candidates are the policies of the region and its
 * ancestors; the deepest region with a version effective on that day wins (a city's override beats
 * its province), and within a region the version with the latest effective date (then the highest
 * version number). Pure: pass the policies (e.g. `listAllPolicies` once for a whole run).
 */
export function resolvePolicy(policies: readonly PolicyRow[], regionPath: string, day: string): EffectivePolicy | null {
  let best: PolicyRow | null = null;
  for (const p of policies) {
    if (!regionPath.startsWith(p.regionPath) || p.effectiveFrom > day) continue;
    if (
      !best ||
      p.regionPath.length > best.regionPath.length ||
      (p.regionPath.length === best.regionPath.length && (p.effectiveFrom > best.effectiveFrom || (p.effectiveFrom === best.effectiveFrom && p.version > best.version)))
    )
      best = p;
  }
  if (!best) return null;
  return {
    id: best.id,
    regionId: best.regionId,
    regionCode: best.regionCode,
    regionName: best.regionName,
    version: best.version,
    effectiveFrom: best.effectiveFrom,
    createdAt: best.createdAt,
    criteria: policyCriteria.parse(best.criteria ?? {}),
    analyteCodes: best.analyteCodes,
    validityMonths: best.validityMonths,
    windows: windowsOf(best.windows),
    inherited: best.regionPath !== regionPath,
  };
}

/** Whether a verdict computed at `computedAt` predates `policy`: the version was added, or took
 * effect, after it, so the verdict says nothing about its criteria and items. Such a verdict is
 * computed again before a pair is approved (decisions.ts), and the queue says so. */
export function verdictPredates(policy: Pick<EffectivePolicy, 'createdAt' | 'effectiveFrom'> | null, computedAt: number): boolean {
  return !!policy && (policy.createdAt > computedAt || policy.effectiveFrom > dayOf(computedAt));
}

/** The policy in force for a region (or a lab's region) path on a day. */
export async function effectivePolicyFor(db: Conn, regionPath: string, day: string): Promise<EffectivePolicy | null> {
  return resolvePolicy(await listPoliciesOnPath(db, regionPath), regionPath, day);
}

export { listAllPolicies };

/** Add a new version of a region's policy (the regulator of that region or of an ancestor);
 * `inForceToday`: whether it is the version in force today (one dated today or earlier and not
 * before the version in force). */
export async function createPolicyVersion(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const parsed = policyInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid policy', zodFieldErrors(parsed.error));
  const p = parsed.data;
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const region = await findRegionByCode(tx, p.regionCode);
    if (!region) throw new AppError('region.notFound', { region: p.regionCode });
    if (!can(actor, 'policy.manage', { regionPath: region.path })) throw new AppError('region.outsideJurisdiction');
    const known = await analyteIdsByCode(tx);
    // each unknown code under the field that names it (the list, or a window's line)
    const unknown = [
      ...p.analyteCodes.filter((c) => !known.has(c)).map((c) => fieldError('analyte.unknownCodeInList', { analyte: c }, 'analyteCodes')),
      ...Object.keys(p.windows?.items ?? {}).filter((c) => !known.has(c)).map((c) => fieldError('analyte.unknownCodeInList', { analyte: c }, 'windows')),
    ];
    if (unknown.length) throw new AppError('analyte.unknownList', {}, unknown);
    const codes = [...new Set(p.analyteCodes)].sort();
    const version = await nextPolicyVersion(tx, region.id);
    const row = await insertPolicy(tx, {
      regionId: region.id,
      version,
      effectiveFrom: p.effectiveFrom,
      criteria: p.criteria as never,
      analyteCodes: codes,
      validityMonths: p.validityMonths,
      windows: p.windows ?? null,
      reason: p.reason,
      createdBy: actor.userId,
      createdAt: now,
    });
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'policy.create',
      entityType: 'recognition_policy',
      entityId: row.id,
      regionId: region.id,
      details: { regionCode: region.code, version, effectiveFrom: p.effectiveFrom, analytes: codes.length, windows: p.windows ?? null, reason: p.reason },
      at: now,
    });
    // a version dated before one already in force today is not the one in force (resolvePolicy)
    const today = await effectivePolicyFor(tx, region.path, dayOf(now));
    return { ...row, inForceToday: today?.id === row.id };
  });
}

/** What the policy page shows: the region's own versions and the policy in force today (maybe inherited). */
export async function policyPage(db: DB, actor: Actor, input: { regionCode?: string } = {}, opts: { now?: number } = {}) {
  const region = input.regionCode ? await findRegionByCode(db, input.regionCode) : actor.regionId ? await findRegionById(db, actor.regionId) : undefined;
  if (!region) throw new AppError('region.noSuch');
  if (!can(actor, 'policy.manage', { regionPath: region.path })) throw new AppError('region.outsideJurisdiction');
  const today = dayOf(opts.now ?? Date.now());
  const onPath = await listPoliciesOnPath(db, region.path);
  return {
    region,
    today,
    inForce: resolvePolicy(onPath, region.path, today),
    versions: onPath.filter((p) => p.regionId === region.id),
    inheritedVersions: onPath.filter((p) => p.regionId !== region.id),
    defaults: DEFAULT_CRITERIA,
  };
}
