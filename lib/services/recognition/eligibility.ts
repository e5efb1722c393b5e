// The eligibility engine: for every lab × analyte, a verdict with one line per criterion of the
// policy in force (met or not, the figure, a link to the evidence). Results are stored in
// eligibility_results so the regulator's queue and the lab's page read them directly.
//
// Evidence decisions (documented once, here):
// - EQA: published rounds only, each round by its latest non-superseded evaluation (see
//   db/queries/recognition.ts `eqaScoresForLabs`); "last N rounds" are the newest by closing time.
// - IQC coverage: a working day of the lab region's working calendar (./calendar.ts: Mon–Fri except
//   official holidays, plus make-up working days; Asia/Shanghai days) counts when current,
//   non-excluded results exist for at least `iqcMinLevels` distinct levels; the window is the
//   `iqcWindowDays` days before today (today itself is still in progress).
// - Cumulative CV (issue 9): per control group, i.e. instrument × lot × level (a control lot), over
//   the same window, leaving out excluded results and rejected runs; mixing lots or instruments
//   would add the between-lot difference to the imprecision. A group is evaluable with at least
//   CV_MIN_VALUES (20) values; the criterion is met when at least one group is evaluable and every
//   evaluable group is within the analyte's allowable CV (`cvWithinAllowable` from lib/stats, the
//   comparison the monthly IQC summary uses). No evaluable group: not met, figure null ("no group
//   with 20 values"). An analyte without an allowable CV in the catalogue meets it once a group is
//   evaluable (nothing to compare with) and the line says so. The figure is the worst evaluable
//   group's CV; the line lists every group with n and CV.
// - Corrective actions: any rejected run measured more than `correctiveActionDays` days ago whose
//   corrective action is missing or open fails the criterion.
// - Item kinds (issue 12). EQA criteria are the same for every kind: a categorical item's round score
//   (share of samples graded acceptable, lib/stats/categorical.ts) and verdict are read like a
//   number's. IQC coverage of a qualitative or ordinal item counts a working day when both a negative
//   control (a lot expecting the item's lowest category) and a positive control (a lot expecting a
//   higher one) have current results that day (CLIA 42 CFR 493.1256(d)(3)(ii); DOMAIN §4; levels do
//   not matter); of a nominal item (ABO, RhD) when the day's controls expect two different
//   categories (known A1 and B cells, D+ and D− cells). The line carries the counts (`controls`).
//   The CV criterion does not apply to categorical items: the line says so (`applicable: false`,
//   met) and never fails the pair. Decided so even where an S/CO signal is recorded: no quality
//   specification in the catalogue (WS/T 403, NCCL, CLIA) gives an allowable CV for a signal, a
//   signal's run-to-run drift is already judged by the Westgard rules on its chart (a rejected run
//   then needs its corrective action, the criterion above), and the daily aggregates of a
//   categorical item hold the category's grade where no signal was sent, so their CV would mix
//   scales.
import type { DB, Conn } from '@/db/client';
import { insertAudit, latestAuditAt } from '@/db/queries/audit';
import { findRegionByCode, findRegionById } from '@/db/queries/regions';
import { findLabByCode, findLabScope } from '@/db/queries/labs';
import {
  analyteSpecs,
  eligibilityPairsForLabs,
  eqaScoresForLabs,
  findEligibility,
  labsWithin,
  listAllPolicies,
  overdueRejectedRuns,
  upsertEligibility,
  type CriterionLine,
} from '@/db/queries/recognition';
import { levelDaysOfLabs, lotMomentsOfLabs } from '@/db/queries/daily-iqc';
import { controlCoverageOfLabs } from '@/db/queries/iqc-qualitative';
import { ALL_DATA, can, regionScope, type Actor, type DataScope } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { combineMoments, EMPTY_MOMENTS } from '@/lib/stats';
import { evaluatePair, type PairEvidence } from './criteria';
import { addDays, dayOf } from '@/lib/calendar';
import { workCalendarsFor } from './calendar';
import { resolvePolicy } from './policy';
import { expireCertifications } from './decisions';
import { withTx } from '@/db/tx';

export { CRITERION_KEYS, CV_MIN_VALUES, cvCriterion, evaluatePair, type CriterionKey, type PairEvidence } from './criteria';

export interface ComputeResult {
  labs: number;
  pairs: number;
  eligible: number;
}

const BATCH = 100;

/** One lab × analyte verdict as the engine computes it (stored by computeEligibility). */
export interface PairVerdict {
  labId: number;
  analyteId: number;
  analyteCode: string;
  kind: string;
  policyId: number | null;
  eligible: boolean;
  criteria: CriterionLine[];
  computedAt: number;
}

/**
 * The verdicts of these labs, batch by batch (each batch: one read per kind of evidence, whatever
 * its number of labs and analytes). Reads only; the caller stores or returns them.
 */
export async function* evaluateLabs(db: Conn, labs: readonly { id: number; regionPath: string }[], now: number): AsyncGenerator<PairVerdict[]> {
  const today = dayOf(now);
  const policies = await listAllPolicies(db);
  const specs = await analyteSpecs(db);
  const specById = new Map(specs.map((a) => [a.id, a]));
  const idByCode = new Map(specs.map((a) => [a.code, a.id]));
  const maxWindow = Math.max(90, ...policies.map((p) => Number((p.criteria as { iqcWindowDays?: number })?.iqcWindowDays ?? 90)));
  // the daily aggregates of whole days before today (today is still in progress)
  const windowFromDay = addDays(today, -maxWindow);
  const calendarOf = await workCalendarsFor(db, addDays(today, -maxWindow - 1), today);

  for (let i = 0; i < labs.length; i += BATCH) {
    const batch = labs.slice(i, i + BATCH);
    const ids = batch.map((l) => l.id);
    const key = (l: number, a: number) => `${l}:${a}`;
    const evidence = new Map<string, PairEvidence>();
    const get = (labId: number, analyteId: number) => {
      let e = evidence.get(key(labId, analyteId));
      if (!e) {
        const spec = specById.get(analyteId);
        e = { analyteCode: spec?.code ?? '?', kind: spec?.kind ?? 'quantitative', allowableCvPercent: spec?.allowableCvPercent ?? null, eqa: [], levelDays: new Map(), cvGroups: new Map(), overdueRuns: [] };
        evidence.set(key(labId, analyteId), e);
      }
      return e;
    };
    for (const r of await eqaScoresForLabs(db, ids)) get(r.labId, r.analyteId).eqa.push(r);
    for (const r of await levelDaysOfLabs(db, ids, windowFromDay, today)) get(r.labId, r.analyteId).levelDays.set(r.day, r.levels);
    for (const r of await controlCoverageOfLabs(db, ids, windowFromDay, today)) (get(r.labId, r.analyteId).controlDays ??= new Map()).set(r.day, r);
    for (const r of await eligibilityPairsForLabs(db, ids)) get(r.labId, r.analyteId);
    const policyByLab = new Map(batch.map((l) => [l.id, resolvePolicy(policies, l.regionPath, today)]));
    const pathByLab = new Map(batch.map((l) => [l.id, l.regionPath]));
    for (const l of batch) for (const code of policyByLab.get(l.id)?.analyteCodes ?? []) if (idByCode.has(code)) get(l.id, idByCode.get(code)!);

    // policies may have different windows: keep each value only inside its lab's own window
    const labWindowFrom = new Map(batch.map((l) => [l.id, addDays(today, -(policyByLab.get(l.id)?.criteria.iqcWindowDays ?? 90))]));
    for (const r of await lotMomentsOfLabs(db, ids, windowFromDay, today)) {
      const e = evidence.get(key(r.labId, r.analyteId));
      if (!e || r.day < labWindowFrom.get(r.labId)!) continue;
      let g = e.cvGroups.get(r.controlLotId);
      if (!g) e.cvGroups.set(r.controlLotId, (g = { instrument: r.instrument, lot: r.lot, level: r.level, moments: EMPTY_MOMENTS }));
      g.moments = combineMoments(g.moments, { n: r.n, mean: r.mean ?? NaN, sumSqDev: r.sumSqDev });
    }
    const overdue = await overdueRejectedRuns(db, ids, now);
    for (const r of overdue) {
      const e = evidence.get(key(r.labId, r.analyteId));
      const grace = policyByLab.get(r.labId)?.criteria.correctiveActionDays ?? 7;
      // the grace counts from when the rejection could be known: the run's time, or when it was stored
      // if later (an import of last month's QC does not make its rejections overdue the moment it lands)
      const known = Math.max(r.measuredAt, Number(r.storedAt));
      if (e && known < now - grace * 24 * 3600 * 1000) e.overdueRuns.push(r);
    }

    const rows: PairVerdict[] = [];
    for (const [k, ev] of evidence) {
      const [labId, analyteId] = k.split(':').map(Number);
      const policy = policyByLab.get(labId) ?? null;
      // the level-days and CV values were read for the widest window: narrow them to this policy's
      if (policy) narrowWindow(ev, today, policy.criteria.iqcWindowDays);
      const { eligible, lines } = evaluatePair(policy, ev, today, calendarOf(pathByLab.get(labId) ?? null));
      rows.push({ labId, analyteId, analyteCode: ev.analyteCode, kind: ev.kind ?? 'quantitative', policyId: policy?.id ?? null, eligible, criteria: lines, computedAt: now });
    }
    yield rows;
  }
}

/**
 * Recompute and store the verdicts of the labs of a jurisdiction (or of the given labs). No actor:
 * callers authorize (recomputeEligibility) or are the system (EQA hook, nightly run). One
 * transaction per batch of labs, each with an audit entry.
 */
export async function computeEligibility(db: DB, f: { scope?: DataScope; labIds?: number[]; now?: number; actor?: Actor | null; because?: 'approve' }): Promise<ComputeResult> {
  const now = f.now ?? Date.now();
  const scope = f.scope ?? ALL_DATA;
  const labs = await labsWithin(db, { scope, labIds: f.labIds });
  const result: ComputeResult = { labs: labs.length, pairs: 0, eligible: 0 };
  let at = 0;
  for await (const verdicts of evaluateLabs(db, labs, now)) {
    const batchLabs = Math.min(BATCH, labs.length - at);
    at += batchLabs;
    const stored = await withTx(db, async (tx) =>
      await storeVerdicts(tx, verdicts, {
        actor: f.actor ?? null,
        regionId: f.actor?.regionId ?? null,
        details: { labs: batchLabs, withinPath: scope.kind === 'region' ? scope.path : null, ...(f.because ? { before: f.because } : {}) },
        at: now,
      }), { isolation: 'repeatable read' });
    result.pairs += stored.pairs;
    result.eligible += stored.eligible;
  }
  return result;
}

/** Store a batch of verdicts in an open transaction, with its `eligibility.compute` audit row (the
 * batch's pairs and eligible ones beside `details`). */
async function storeVerdicts(
  tx: Conn,
  verdicts: readonly PairVerdict[],
  audit: { actor: Actor | null; regionId?: number | null; labId?: number; details: Record<string, unknown>; at: number },
): Promise<{ pairs: number; eligible: number }> {
  const rows = verdicts.map(({ analyteCode: _code, kind: _kind, ...r }) => r);
  const eligible = rows.filter((r) => r.eligible).length;
  await upsertEligibility(tx, rows);
  const { labs, ...rest } = audit.details;
  await insertAudit(tx, {
    actorId: audit.actor?.userId ?? null,
    actorEmail: audit.actor?.email ?? 'system',
    action: 'eligibility.compute',
    entityType: 'eligibility',
    regionId: audit.regionId ?? null,
    labId: audit.labId ?? null,
    details: { labs, pairs: rows.length, eligible, ...rest },
    at: audit.at,
  });
  return { pairs: rows.length, eligible };
}

/**
 * Before approvals at `now`: the verdicts of the pairs' labs whose stored verdict is of an earlier
 * day (or missing) computed again and stored in transactions of their own, so that an approval the
 * fresh verdict refuses still leaves it in the queue (see {@link verdictOfTheDay}). Only labs the
 * actor decides on (the decision refuses the others).
 */
export async function refreshVerdictsBeforeApproval(db: DB, actor: Actor, pairs: readonly { labId: number; analyteId: number }[], now: number): Promise<void> {
  const stale = new Set<number>();
  const seen = new Set<string>();
  for (const p of pairs) {
    if (stale.has(p.labId) || seen.has(`${p.labId}:${p.analyteId}`)) continue;
    seen.add(`${p.labId}:${p.analyteId}`);
    const scope = await findLabScope(db, p.labId);
    if (!scope || !can(actor, 'certification.decide', scope)) continue;
    const stored = await findEligibility(db, p.labId, p.analyteId);
    if (!stored || dayOf(stored.computedAt) < dayOf(now)) stale.add(p.labId);
  }
  if (stale.size) await computeEligibility(db, { labIds: [...stale], now, actor, because: 'approve' });
}

/**
 * A pair's verdict for an approval at `now` (inside the decision's transaction): the stored one when
 * it was computed that day or later, otherwise the lab's verdicts computed again from the evidence of
 * the day and stored, audited as an eligibility run of one lab. Stored verdicts age between runs (IQC
 * coverage and CV look back from the day they were computed), so an approval never rests on a
 * verdict of an earlier day: a lab that stopped its IQC in June is not certified in December on
 * June's evidence. Undefined when the lab has no verdict for the item.
 */
export async function verdictOfTheDay(tx: Conn, labId: number, analyteId: number, now: number, actor: Actor) {
  const stored = await findEligibility(tx, labId, analyteId);
  // (a verdict of a later day than `now`: a decision recorded for the past, as the demo seed does)
  if (stored && dayOf(stored.computedAt) >= dayOf(now)) return stored;
  const verdicts: PairVerdict[] = [];
  for await (const batch of evaluateLabs(tx, await labsWithin(tx, { scope: ALL_DATA, labIds: [labId] }), now)) verdicts.push(...batch);
  await storeVerdicts(tx, verdicts, { actor, labId, details: { labs: 1, before: 'approve', stale: stored ? dayOf(stored.computedAt) : null }, at: now });
  return await findEligibility(tx, labId, analyteId);
}

/** One criterion as the Automation API gives it. */
export interface ApiCriterion {
  id: string;
  met: boolean;
  /** false when the criterion does not apply to the item's kind (the CV of a categorical item) */
  applicable?: false;
  /** the figure compared (absent when there is none) */
  value?: string | number;
  /** what it is compared with (absent when nothing applies) */
  limit?: string | number;
  /** the CV criterion: every control group `{ instrument, lot, level, n, cv }` (cv in percent, null
   * below 2 values); other criteria: the evidence `{ kind, ref, href }` or null */
  detail: { instrument: string; lot: string; level: string; n: number; cv: number | null }[] | ApiEvidence | null;
}

/** A criterion's evidence; IQC coverage of a categorical item adds its control counts. */
export type ApiEvidence = NonNullable<CriterionLine['evidence']> & { controls?: CriterionLine['controls'] };

export interface ApiEligibility {
  analyte: string;
  /** the item's kind: quantitative, qualitative, ordinal or nominal */
  kind: string;
  eligible: boolean;
  criteria: ApiCriterion[];
}

/** A stored or fresh criterion line in the API's shape. */
export function toApiCriterion(l: CriterionLine): ApiCriterion {
  const out: ApiCriterion = { id: l.key, met: l.met, detail: null };
  if (l.figure !== null && l.figure !== undefined) out.value = l.figure;
  if (l.target !== null && l.target !== undefined) out.limit = l.target;
  if (l.applicable === false) return { id: l.key, met: l.met, applicable: false, detail: null };
  out.detail = l.key === 'cv' ? (l.groups ?? []).map((g) => ({ instrument: g.instrument, lot: g.lot, level: g.level, n: g.n, cv: g.cv })) : (l.evidence ?? null);
  if (l.controls && out.detail && !Array.isArray(out.detail)) out.detail = { ...out.detail, controls: l.controls };
  return out;
}

/**
 * GET /api/v1/labs/{labCode}/eligibility: a lab's verdicts, computed now from the current evidence
 * by the same engine (one batch: a fixed number of queries), without storing them (a read). The lab's
 * manager (or its API token with `read`) sees its own lab, a regulator the labs of their region.
 */
export async function labEligibility(db: DB, actor: Actor, labCode: string, opts: { now?: number } = {}): Promise<ApiEligibility[]> {
  const found = await findLabByCode(db, labCode);
  if (!found) throw new AppError('lab.notFound', { lab: labCode });
  if (!can(actor, 'eligibility.read', { labId: found.lab.id, regionPath: found.regionPath })) throw new AppError('lab.outsideAccess');
  const out: ApiEligibility[] = [];
  for await (const verdicts of evaluateLabs(db, [{ id: found.lab.id, regionPath: found.regionPath }], opts.now ?? Date.now()))
    for (const v of verdicts) out.push({ analyte: v.analyteCode, kind: v.kind, eligible: v.eligible, criteria: v.criteria.map(toApiCriterion) });
  return out.sort((a, b) => a.analyte.localeCompare(b.analyte));
}

/** Drop level-days outside this policy's window (evidence is read once for the widest window). */
function narrowWindow(ev: PairEvidence, today: string, days: number) {
  const from = addDays(today, -days);
  for (const d of [...ev.levelDays.keys()]) if (d < from) ev.levelDays.delete(d);
  for (const d of [...(ev.controlDays?.keys() ?? [])]) if (d < from) ev.controlDays!.delete(d);
}

/** "Nightly-equivalent on demand": a regulator recomputes the verdicts of their jurisdiction (or of a
 * sub-region) and sweeps certifications whose validity ended. */
export async function recomputeEligibility(db: DB, actor: Actor, input: { regionCode?: string } = {}, opts: { now?: number } = {}) {
  const region = input.regionCode ? await findRegionByCode(db, input.regionCode) : actor.regionId ? await findRegionById(db, actor.regionId) : undefined;
  if (!region) throw new AppError('region.noSuch');
  if (!can(actor, 'eligibility.compute', { regionPath: region.path })) throw new AppError('region.outsideJurisdiction');
  const now = opts.now ?? Date.now();
  const scope = regionScope(region.path);
  const expired = await expireCertifications(db, { scope, now });
  return { ...await computeEligibility(db, { scope, now, actor }), expired };
}

/** The nightly job for a script or scheduler: expire, then recompute every lab. */
/**
 * The day's eligibility run: every lab's verdicts computed again once a day (China time), so that
 * the review list sees a certified lab whose IQC stopped and the lab's page shows the day's verdict
 * (the criteria look back from the day they are computed). Started by the production server's hourly
 * loop (lib/server/webhooks.ts) in every instance: the first to claim the day (an
 * `eligibility.daily` audit row, written at repeatable read so that two instances claiming at once
 * conflict and the second finds the first's) runs it; the others, and later ticks, return null.
 */
export async function runDailyEligibility(db: DB, now = Date.now()): Promise<ComputeResult | null> {
  const today = dayOf(now);
  const claimed = await withTx(db, async (tx) => {
    const last = await latestAuditAt(tx, DAILY_RUN);
    if (last !== null && dayOf(last) >= today) return false;
    await insertAudit(tx, { actorEmail: 'system', action: 'eligibility.daily', entityType: 'eligibility', details: { day: today }, at: now });
    return true;
  }, { isolation: 'repeatable read' });
  return claimed ? await computeEligibility(db, { now }) : null;
}

/** The audit action that claims a day's eligibility run (the demo seed's own run claims its day). */
const DAILY_RUN = 'eligibility.daily';

export async function runNightly(db: DB, opts: { now?: number } = {}) {
  const now = opts.now ?? Date.now();
  const expired = await expireCertifications(db, { now });
  return { ...await computeEligibility(db, { now }), expired };
}

export type { Conn };
