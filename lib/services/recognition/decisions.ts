// The regulator's decisions on lab × analyte pairs: approve, reject, suspend, reinstate, revoke.
// Each needs a reason, takes effect on a day (today by default, never in the future, never in the
// past: a back-dated decision would change answers already given for past days), writes a
// certification_events row and an audit entry in the same transaction.
//
// Decisions made here:
// - approval needs the stored verdict to be eligible, computed under the policy version in force
//   (a verdict older than that version is computed again first), and no live (active or suspended)
//   certification of the pair; it issues `HR-{region code}-{year}-{000001}` and the mark
//   `{region name}HR` of the approving regulator's region (全国HR for a national regulator), valid
//   from the effective day for the policy's validityMonths (default 12): to the day before the same
//   day that many months later, or that month's last day where it has no such day (periodEnd);
// - a rejection is an event without a certification; it holds the pair out of the approval list for
//   REJECT_HOLD_DAYS, after which it returns if still eligible;
// - suspend (active → suspended), reinstate (suspended → active), revoke (active|suspended →
//   revoked) clear the flag: the regulator has looked at it.
import type { DB, Conn } from '@/db/client';
import { analyteCodesById, findAnalyteById } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { findLabScope, labCodesByIds } from '@/db/queries/labs';
import { findRegionById } from '@/db/queries/regions';
import {
  activeCertificationsOfInactiveLabs,
  activeUnflaggedCertifications,
  certificationsPastValidity,
  findLatestCertification,
  findLiveCertification,
  insertCertification,
  insertCertificationEvent,
  lastEffectiveDay,
  maxCertificateNo,
  updateCertification,
} from '@/db/queries/recognition';
import type { CertificationStatus } from '@/db/enums';
import { ALL_DATA, can, type Actor, type DataScope } from '@/lib/auth/core';
import { AppError, isAppError, type FieldError, fieldError } from '@/lib/errors';
import { zodFieldErrors } from '@/lib/validation/errors';
import { bulkDecisionInput, decisionInput, type DecisionAction } from '@/lib/validation/recognition';
import { addDays, dayOf, periodEnd } from '@/lib/calendar';
import { effectivePolicyFor, verdictPredates } from './policy';
import { refreshVerdictsBeforeApproval, verdictOfTheDay } from './eligibility';
import { withTx } from '@/db/tx';

export const REJECT_HOLD_DAYS = 90;

export interface DecisionResult {
  action: DecisionAction;
  labId: number;
  analyteId: number;
  certificationId: number | null;
  status: CertificationStatus | null;
  certificateNo?: string;
  mark?: string;
  effectiveOn: string;
}

const TRANSITIONS: Record<'suspend' | 'reinstate' | 'revoke', { from: CertificationStatus[]; to: CertificationStatus }> = {
  suspend: { from: ['active'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'active' },
  revoke: { from: ['active', 'suspended'], to: 'revoked' },
};

/** One decision inside an open transaction. Throws AppError; writes nothing itself on refusal. */
async function applyDecision(
  tx: Conn,
  actor: Actor,
  d: { action: DecisionAction; labId: number; analyteId: number; reason: string; effectiveOn?: string },
  now: number,
): Promise<DecisionResult> {
  const scope = await findLabScope(tx, d.labId);
  if (!scope) throw new AppError('lab.notFound', { lab: d.labId });
  if (!can(actor, 'certification.decide', { labId: scope.labId, regionPath: scope.regionPath })) throw new AppError('lab.outsideJurisdiction');
  const analyte = await findAnalyteById(tx, d.analyteId);
  // an inactive lab produces no results to recognise: it is reactivated first (rejecting, suspending
  // and revoking stay open)
  if (!scope.active && (d.action === 'approve' || d.action === 'reinstate')) throw new AppError('recognition.labInactive', { action: d.action });
  if (!analyte) throw new AppError('analyte.notFound', { analyte: d.analyteId });
  const today = dayOf(now);
  const effectiveOn = d.effectiveOn ?? today;
  if (effectiveOn > today) throw new AppError('recognition.futureDecision', {}, [fieldError('recognition.afterToday', { today }, 'effectiveOn')]);
  // back-dating would change answers already given for past days (verification reads the event in
  // force on each day), so a decision takes effect today at the earliest
  if (effectiveOn < today) throw new AppError('recognition.pastDecision', {}, [fieldError('recognition.beforeToday', { today }, 'effectiveOn')]);
  // a certification whose validity ended is expired first (the hourly run may not have come yet):
  // it is not live for any decision, as verification already answers `expired` for it
  const ended = (await certificationsPastValidity(tx, today, { kind: 'lab', labId: d.labId })).filter((c) => c.analyteId === d.analyteId);
  await expireEach(tx, ended, now);
  const live = ended.length ? undefined : await findLiveCertification(tx, d.labId, d.analyteId);
  const audit = async (action: string, entityId: number | null, details: Record<string, unknown>) =>
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: `certification.${action}`,
      entityType: 'certification',
      entityId,
      labId: d.labId,
      details: { analyte: analyte.code, effectiveOn, reason: d.reason, ...details },
      at: now,
    });

  if (d.action === 'approve') {
    if (live) throw new AppError('recognition.alreadyCertified', { analyte: analyte.code, certificateNo: live.certificateNo, status: live.status });
    const verdict = await verdictOfTheDay(tx, d.labId, d.analyteId, now, actor);
    if (!verdict?.eligible) throw new AppError('recognition.notEligible', { analyte: analyte.code });
    const region = actor.regionId ? await findRegionById(tx, actor.regionId) : undefined;
    if (!region) throw new AppError('recognition.regionRegulatorOnly');
    const policy = await effectivePolicyFor(tx, scope.regionPath, effectiveOn) ?? await effectivePolicyFor(tx, scope.regionPath, today);
    if (policy && verdictPredates(policy, verdict.computedAt)) throw new AppError('recognition.verdictOutdated', { analyte: analyte.code, version: policy.version });
    const validTo = periodEnd(effectiveOn, policy?.validityMonths ?? 12);
    const prefix = `HR-${region.code}-${effectiveOn.slice(0, 4)}-`;
    const last = await maxCertificateNo(tx, prefix);
    const certificateNo = `${prefix}${String((last ? Number(last.slice(prefix.length)) : 0) + 1).padStart(6, '0')}`;
    const mark = `${region.name}HR`;
    const cert = await insertCertification(tx, {
      labId: d.labId,
      analyteId: d.analyteId,
      scopeRegionId: region.id,
      scope: region.name,
      mark,
      certificateNo,
      status: 'active',
      validFrom: effectiveOn,
      validTo,
      createdAt: now,
      updatedAt: now,
    });
    await insertCertificationEvent(tx, { certificationId: cert.id, labId: d.labId, analyteId: d.analyteId, action: 'approve', fromStatus: null, toStatus: 'active', effectiveOn, reason: d.reason, actorId: actor.userId, at: now });
    // what the approval rests on: the verdict's day and the policy version it was computed under
    await audit('approve', cert.id, { from: null, to: 'active', certificateNo, mark, validTo, verdict: { computedOn: dayOf(verdict.computedAt), policy: policy ? { region: policy.regionCode, version: policy.version } : null } });
    return { action: 'approve', labId: d.labId, analyteId: d.analyteId, certificationId: cert.id, status: 'active', certificateNo, mark, effectiveOn };
  }

  if (d.action === 'reject') {
    if (live) throw new AppError('recognition.certifiedUseSuspend', { analyte: analyte.code, certificateNo: live.certificateNo });
    await insertCertificationEvent(tx, { certificationId: null, labId: d.labId, analyteId: d.analyteId, action: 'reject', fromStatus: null, toStatus: null, effectiveOn, reason: d.reason, actorId: actor.userId, at: now });
    await audit('reject', null, {});
    return { action: 'reject', labId: d.labId, analyteId: d.analyteId, certificationId: null, status: null, effectiveOn };
  }

  const t = TRANSITIONS[d.action];
  if (!live || !t.from.includes(live.status)) {
    // a pair whose last certificate was revoked or expired is refused as such, not as "not certified"
    const last = live ?? (await findLatestCertification(tx, d.labId, d.analyteId));
    throw last ? new AppError('recognition.cannotTransition', { action: d.action, analyte: analyte.code, status: last.status }) : new AppError('recognition.notCertified', { action: d.action, analyte: analyte.code });
  }
  const lastDay = await lastEffectiveDay(tx, live.id) ?? live.validFrom;
  if (effectiveOn < lastDay) throw new AppError('recognition.historyNeverRewritten', {}, [fieldError('recognition.beforeLastDecision', { day: lastDay }, 'effectiveOn')]);
  await updateCertification(tx, live.id, { status: t.to, flagged: false, flagReason: null, updatedAt: now });
  await insertCertificationEvent(tx, { certificationId: live.id, labId: d.labId, analyteId: d.analyteId, action: d.action, fromStatus: live.status, toStatus: t.to, effectiveOn, reason: d.reason, actorId: actor.userId, at: now });
  await audit(d.action, live.id, { from: live.status, to: t.to, certificateNo: live.certificateNo });
  return { action: d.action, labId: d.labId, analyteId: d.analyteId, certificationId: live.id, status: t.to, certificateNo: live.certificateNo, mark: live.mark, effectiveOn };
}

/** One decision on one pair. */
export async function decide(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}): Promise<DecisionResult> {
  if (!can(actor, 'certification.decide')) throw new AppError('recognition.regulatorOnly');
  const parsed = decisionInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid decision', zodFieldErrors(parsed.error));
  const now = opts.now ?? Date.now();
  if (parsed.data.action === 'approve') await refreshVerdictsBeforeApproval(db, actor, [parsed.data], now);
  return await withTx(db, async (tx) => await applyDecision(tx, actor, parsed.data, now), { isolation: 'repeatable read' });
}

/** The same decision on many pairs, all or nothing: every refusal is reported (row = position in
 * the list, 1-based) and nothing is written when any pair is refused. */
export async function decideBulk(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}): Promise<DecisionResult[]> {
  if (!can(actor, 'certification.decide')) throw new AppError('recognition.regulatorOnly');
  const parsed = bulkDecisionInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid decision', zodFieldErrors(parsed.error));
  const { pairs, ...rest } = parsed.data;
  const now = opts.now ?? Date.now();
  const errors: FieldError[] = [];
  let worst: AppError | null = null;
  const results: DecisionResult[] = [];
  const rollback = new Error('rollback');
  if (rest.action === 'approve') await refreshVerdictsBeforeApproval(db, actor, pairs, now);
  try {
    await withTx(db, async (tx) => {
      for (const [i, p] of pairs.entries()) {
        try {
          results.push(await applyDecision(tx, actor, { ...rest, ...p }, now));
        } catch (e) {
          if (!isAppError(e)) throw e;
          errors.push({ row: i + 1, field: `${p.labId}:${p.analyteId}`, message: e.message, code: e.reason, ...(Object.keys(e.params).length ? { params: e.params } : {}) });
          if (!worst || e.code === 'forbidden') worst = e;
        }
      }
      if (errors.length) throw rollback;
    }, { isolation: 'repeatable read' });
  } catch (e) {
    if (e !== rollback) throw e;
    const w = worst as AppError | null;
    // each refused pair named as the regulator knows it (GZ-005 × K), not by its ids
    const labCodes = await labCodesByIds(db, pairs.map((p) => p.labId));
    const analyteCodes = await analyteCodesById(db);
    for (const [k, e] of errors.entries()) {
      const p = pairs[e.row! - 1];
      errors[k] = { ...e, field: `${labCodes.get(p.labId) ?? p.labId} × ${analyteCodes.get(p.analyteId) ?? p.analyteId}` };
    }
    // one refused pair refuses the whole batch, with the most serious reason as the status
    throw new AppError('recognition.batchRefused', { n: errors.length, total: pairs.length }, errors, w?.code === 'forbidden' ? 'forbidden' : (w?.code ?? 'invalid'));
  }
  return results;
}

/**
 * Flag the active certifications of pairs that became unsuccessful in EQA (system action: the
 * regulator sees them first in the queue). Returns how many were flagged.
 */
export async function flagCertifications(db: DB, pairs: { labId: number; analyteId: number; reason: string }[], opts: { now?: number } = {}): Promise<number> {
  const now = opts.now ?? Date.now();
  const today = dayOf(now);
  const reasons = new Map(pairs.map((p) => [`${p.labId}:${p.analyteId}`, p.reason]));
  return await withTx(db, async (tx) => {
    const certs = await activeUnflaggedCertifications(tx, pairs);
    for (const c of certs) {
      const reason = reasons.get(`${c.labId}:${c.analyteId}`)!;
      await updateCertification(tx, c.id, { flagged: true, flagReason: reason, updatedAt: now });
      await insertCertificationEvent(tx, { certificationId: c.id, labId: c.labId, analyteId: c.analyteId, action: 'flag', fromStatus: c.status, toStatus: c.status, effectiveOn: today, reason, actorId: null, at: now });
      await insertAudit(tx, { actorEmail: 'system', action: 'certification.flag', entityType: 'certification', entityId: c.id, labId: c.labId, regionId: c.regionId, details: { reason }, at: now });
    }
    return certs.length;
  }, { isolation: 'repeatable read' });
}

/**
 * Suspend the active certifications of labs that are inactive (the labs given, else every inactive
 * lab), effective today, inside the caller's transaction: a deactivated lab's results are no longer
 * recognised from the day it closed, while the days before still answer as they were; each
 * suspension is a certification event (watchers' webhooks, the public answers) and an audit row.
 * Ones whose validity already ended are expired instead. Reactivating the lab reinstates nothing:
 * its regulator reinstates each pair from the decision queue. Returns how many were suspended.
 */
export async function suspendCertificationsOfInactiveLabs(tx: Conn, by: { actorId: number | null; actorEmail: string; reason: string; labIds?: readonly number[] }, now: number): Promise<number> {
  const today = dayOf(now);
  const certs = await activeCertificationsOfInactiveLabs(tx, by.labIds);
  if (!certs.length) return 0;
  const ended = (await Promise.all([...new Set(certs.map((c) => c.labId))].map((labId) => certificationsPastValidity(tx, today, { kind: 'lab', labId })))).flat();
  await expireEach(tx, ended, now);
  const expired = new Set(ended.map((c) => c.id));
  let suspended = 0;
  for (const c of certs) {
    if (expired.has(c.id)) continue;
    await updateCertification(tx, c.id, { status: 'suspended', updatedAt: now });
    await insertCertificationEvent(tx, { certificationId: c.id, labId: c.labId, analyteId: c.analyteId, action: 'suspend', fromStatus: 'active', toStatus: 'suspended', effectiveOn: today, reason: by.reason, actorId: by.actorId, at: now });
    await insertAudit(tx, { actorId: by.actorId, actorEmail: by.actorEmail, action: 'certification.suspend', entityType: 'certification', entityId: c.id, labId: c.labId, regionId: c.regionId, details: { from: 'active', to: 'suspended', certificateNo: c.certificateNo, effectiveOn: today, reason: by.reason, cause: 'lab.inactive' }, at: now });
    suspended++;
  }
  return suspended;
}

/** db:migrate's step: labs deactivated before deactivation suspended their certifications (their
 * certificates were hidden instead) have them suspended now. Idempotent. */
export async function suspendCertificationsOfDeactivatedLabs(db: DB, now = Date.now()): Promise<number> {
  return await withTx(db, async (tx) => await suspendCertificationsOfInactiveLabs(tx, { actorId: null, actorEmail: 'system (db:migrate)', reason: 'laboratory inactive' }, now), { isolation: 'repeatable read' });
}

/** Mark live certifications whose validity window ended as expired (effective the day after validTo). */
export async function expireCertifications(db: DB, f: { scope?: DataScope; now?: number }): Promise<number> {
  const now = f.now ?? Date.now();
  const today = dayOf(now);
  return await withTx(db, async (tx) => {
    const due = await certificationsPastValidity(tx, today, f.scope ?? ALL_DATA);
    await expireEach(tx, due, now);
    return due.length;
  }, { isolation: 'repeatable read' });
}

async function expireEach(tx: Conn, due: Awaited<ReturnType<typeof certificationsPastValidity>>, now: number): Promise<void> {
  for (const c of due) {
    await updateCertification(tx, c.id, { status: 'expired', flagged: false, flagReason: null, updatedAt: now });
    await insertCertificationEvent(tx, { certificationId: c.id, labId: c.labId, analyteId: c.analyteId, action: 'expire', fromStatus: c.status, toStatus: 'expired', effectiveOn: addDays(c.validTo, 1), reason: 'validity ended', actorId: null, at: now });
    await insertAudit(tx, { actorEmail: 'system', action: 'certification.expire', entityType: 'certification', entityId: c.id, labId: c.labId, regionId: c.regionId, details: { validTo: c.validTo }, at: now });
  }
}
