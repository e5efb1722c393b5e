// Control lots and their targets. Targets are versioned and frozen: a new version takes effect after
// the lot's last stored result, so no verdict already given is ever recomputed silently.
import type { Conn, DB } from '@/db/client';
import { analytesByCodes } from '@/db/queries/analytes';
import { isCategorical } from '@/lib/catalogue/kinds';
import { insertAudit } from '@/db/queries/audit';
import { baselineValues, findControlLot, insertControlLot, insertTarget, inControlOfLots, lastResultTimeOfLot, listLotsWithTargets, targetHistoryOfLots, targetVersions } from '@/db/queries/iqc';
import type { Actor } from '@/lib/auth/core';
import { AppError, type FieldError, fieldError } from '@/lib/errors';
import { MIN_BASELINE_POINTS, minTargetSd, NEW_LOT_DAYS, newLotTargets, targetsFromBaseline, type NewLotTargets } from '@/lib/stats';
import { baselineInput, targetInput, type TargetInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { resolveWritableLab } from './ingest';
import { applyLotExpiry } from './lot-expiry';
import { resolveReadableLab } from './views';
import { chinaTime, dayOf } from '@/lib/calendar';
import { withTx } from '@/db/tx';
import { manageableLot } from './lot-access';
import { holdLabIqcWriters } from '@/db/queries/iqc-settings';
import { mapSeq } from '@/lib/async';
import { pageOfRows, type PageRequest } from '@/db/queries/paging';

async function nextVersion(db: DB, controlLotId: number) {
  const versions = await targetVersions(db, controlLotId);
  return (versions.at(-1)?.version ?? 0) + 1;
}

async function assertAfterLastResult(db: DB, controlLotId: number, effectiveFrom: number) {
  const last = await lastResultTimeOfLot(db, controlLotId);
  if (last !== null && effectiveFrom <= last) {
    throw new AppError('iqc.targetsBeforeLastResult', { at: chinaTime(last) });
  }
  // a version takes effect after the one before it, as rule sets do: one starting earlier would be
  // overridden by the older version from that one's start, and a later lot's judgement would flip back
  const previous = (await targetVersions(db, controlLotId)).at(-1);
  if (previous && effectiveFrom <= previous.effectiveFrom) throw new AppError('iqc.targetsBeforePrevious', { at: chinaTime(previous.effectiveFrom) });
}

/** Enter a manufacturer's target (mean, SD) for a lab × analyte × level × lot (× instrument); the
 * lot is created when new. A new version of an existing lot's target starts at `effectiveFrom`. */
export async function setManufacturerTarget(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const lab = (input as { lab?: string | null } | null)?.lab ?? null;
  return (await setManufacturerTargets(db, actor, { lab, targets: [input] }, now))[0];
}

/** Several manufacturer targets of one lab (a new box of control material, the seed) in one
 * transaction: every row validated first (errors by row and field), then all written or none. */
/** `newLotOnly`: a lot × level that has targets already is refused (409 iqc.targetsExist), decided
 * under the lab's writer lock so that two creations of one new lot sent at once give one 201.
 * `rows`: each target's row number in the caller's file (CSV lines), named by every refusal of the
 * row, the ones found while writing too; `dryRun`: every check, then nothing kept. */
export async function setManufacturerTargets(db: DB, actor: Actor, input: { lab?: string | null; targets: readonly unknown[] }, now = Date.now(), opts: { newLotOnly?: boolean; rows?: readonly number[]; dryRun?: boolean } = {}): Promise<WrittenTarget[]> {
  const scope = await resolveWritableLab(db, actor, input.lab ?? null, 'iqcTarget.manage');
  const errors: FieldError[] = [];
  const rows: (TargetInput & { analyteId: number; effectiveFrom: number; row: number | undefined })[] = [];
  const parsedRows = input.targets.map((raw) => targetInput.safeParse(raw));
  // the rows' items in one read
  const items = await analytesByCodes(db, parsedRows.flatMap((p) => (p.success ? [p.data.analyte] : [])));
  for (const [i, parsed] of parsedRows.entries()) {
    const row = opts.rows?.[i] ?? (input.targets.length > 1 ? i + 1 : undefined);
    if (!parsed.success) { errors.push(...zodFieldErrors(parsed.error, row)); continue; }
    const t = parsed.data;
    const analyte = items.get(t.analyte);
    if (!analyte) { errors.push(fieldError('analyte.unknownCode', { code: t.analyte }, 'analyte', row)); continue; }
    // a qualitative, ordinal or nominal item's control takes an expected result (setControlExpectations)
    if (isCategorical(analyte.kind)) { errors.push(fieldError('iqc.csvTargetCategorical', { analyte: analyte.code }, 'analyte', row)); continue; }
    const effectiveFrom = t.effectiveFrom ?? now;
    if (Number.isNaN(effectiveFrom)) { errors.push(fieldError('value.notDateTimeShort', {}, 'effectiveFrom', row)); continue; }
    rows.push({ ...t, analyteId: analyte.id, effectiveFrom, row });
  }
  if (errors.length) throw new AppError('iqc.invalidTarget', {}, errors);
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, scope.labId);
    const out = await mapSeq(rows, async (t) => await rowRefusals(t.row, async (): Promise<WrittenTarget> => {
      const existing = await findControlLot(tx, scope.labId, t.analyteId, t.level, t.lot, t.instrument);
      if (opts.newLotOnly && existing && (await targetVersions(tx, existing.id)).length) {
        throw new AppError('iqc.targetsExist', { lot: t.lot, analyte: t.analyte.toUpperCase(), level: t.level });
      }
      const lot = existing ?? await insertControlLot(tx, { labId: scope.labId, analyteId: t.analyteId, level: t.level, lotNumber: t.lot, instrument: t.instrument, createdAt: now });
      // a lot created here has neither results nor targets yet
      if (existing) await assertAfterLastResult(tx, lot.id, t.effectiveFrom);
      if (t.expiresOn !== undefined) await applyLotExpiry(tx, actor, lot, t.expiresOn, t.reason, now, { created: !existing });
      const target = await insertTarget(tx, {
        labId: lot.labId,
        controlLotId: lot.id,
        version: existing ? await nextVersion(tx, lot.id) : 1,
        mean: t.mean,
        sd: t.sd,
        source: t.source ?? 'manufacturer',
        effectiveFrom: t.effectiveFrom,
        reason: t.reason || null,
        createdBy: actor.userId,
        createdAt: now,
      });
      await insertAudit(tx, {
        actorId: actor.userId,
        actorEmail: actor.email,
        action: 'iqc.target.set',
        entityType: 'qc_target',
        entityId: target.id,
        labId: scope.labId,
        details: { analyte: t.analyte, level: t.level, lot: t.lot, instrument: t.instrument, mean: t.mean, sd: t.sd, version: target.version, effectiveFrom: t.effectiveFrom, source: t.source ?? 'manufacturer', reason: t.reason || null, ...(!existing && t.expiresOn ? { expiresOn: t.expiresOn } : {}) },
        at: now,
      });
      return { lot: { ...lot, expiresOn: t.expiresOn ?? lot.expiresOn }, target };
    }));
    // a dry run undoes what it wrote (the transaction rolls back) and answers what it would write
    if (opts.dryRun) throw new DryRunDone(out);
    return out;
  }).catch((e: unknown) => {
    if (e instanceof DryRunDone) return e.out;
    throw e;
  });
}

/** A target written with its lot (the lot as it stands after the write). */
export interface WrittenTarget {
  lot: Awaited<ReturnType<typeof insertControlLot>>;
  target: Awaited<ReturnType<typeof insertTarget>>;
}

/** Thrown to roll a dry run's transaction back with its answer. */
class DryRunDone {
  constructor(readonly out: WrittenTarget[]) {}
}

/** A row's refusal found while writing (a conflict with stored data), named by its row when it has one. */
async function rowRefusals<T>(row: number | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (row === undefined || !(e instanceof AppError) || e.errors.length) throw e;
    throw new AppError(e.reason, e.params, [fieldError(e.reason, e.params, '(row)', row)], e.code);
  }
}

/** Establish a lot's targets from its own in-control results (≥ 20 on ≥ 20 days, CLSI C24 /
 * WS/T 641-2018): mean and sample SD, frozen as a new version taking effect now. */
export async function establishTargetsFromBaseline(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = baselineInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  const lot = await manageableLot(db, actor, parsed.data.controlLotId);
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, lot.labId);
    const values = await baselineValues(tx, lot.id);
    const days = new Set(values.map((v) => dayOf(v.measuredAt))).size;
    if (values.length < MIN_BASELINE_POINTS || days < MIN_BASELINE_POINTS) {
      throw new AppError('iqc.notEnoughBaseline', {}, [fieldError('iqc.baseline', { n: MIN_BASELINE_POINTS, values: values.length, days }, 'controlLotId')]);
    }
    let stats;
    try {
      stats = targetsFromBaseline(values.map((v) => v.value));
    } catch (e) {
      // too few values were refused above, so what is left is an SD of 0 (lib/stats/targets.ts)
      if (!(e instanceof RangeError)) throw e;
      throw new AppError('iqc.noBaselineTargets', {}, [fieldError('iqc.baselineSdZero', {}, 'controlLotId')]);
    }
    const effectiveFrom = Math.max(now, values[values.length - 1].measuredAt + 1);
    const target = await insertTarget(tx, {
      labId: lot.labId,
      controlLotId: lot.id,
      version: await nextVersion(tx, lot.id),
      mean: stats.mean,
      sd: stats.sd,
      source: 'lab_baseline',
      basisN: stats.n,
      effectiveFrom,
      reason: parsed.data.reason || `baseline of ${stats.n} results`,
      createdBy: actor.userId,
      createdAt: now,
    });
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.target.baseline',
      entityType: 'qc_target',
      entityId: target.id,
      labId: lot.labId,
      details: { controlLotId: lot.id, mean: stats.mean, sd: stats.sd, n: stats.n, version: target.version, effectiveFrom },
      at: now,
    });
    return target;
  });
}

// ---------------------------------------------------------------------------------------------
// New lot of a known material (WS/T 641-2018; DOMAIN.md §4)

type LotRow = Awaited<ReturnType<typeof listLotsWithTargets>>[number];

/** Target sources that are the lab's own (a lot with one needs no new-lot proposal). */
const OWN_TARGET_SOURCES: ReadonlySet<string> = new Set(['lab_baseline', 'new_lot']);

/** A new lot's provisional targets, offered once it has results on 10 days. */
export interface NewLotProposal {
  controlLotId: number;
  /** the lot whose SD is carried over: same lab × analyte × instrument × level, started earlier, with the lab's own targets */
  previous: { controlLotId: number; lot: string; sd: number; source: string; version: number };
  /** distinct days with in-control results so far (the mean needs {@link NEW_LOT_DAYS}) */
  days: number;
  needed: number;
  /** the provisional targets, once there are 10 days */
  targets: NewLotTargets | null;
}

/** The lot a new lot follows: same analyte, level and instrument, started before it (a lower id),
 * with targets from the lab's own results in force (an SD the lab established), the most recently
 * used (latest result, else latest target). Undefined when the material is new to the lab. */
function previousLotOf(lots: readonly LotRow[], lot: LotRow): LotRow | undefined {
  let best: LotRow | undefined;
  const recency = (l: LotRow) => Math.max(l.lastAt ?? -Infinity, l.effectiveFrom ?? -Infinity);
  for (const l of lots) {
    if (l.id >= lot.id || l.analyteId !== lot.analyteId || l.level !== lot.level || l.instrument !== lot.instrument) continue;
    if (l.sd === null || l.source === null || !OWN_TARGET_SOURCES.has(l.source)) continue;
    if (!best || recency(l) > recency(best)) best = l;
  }
  return best;
}

async function proposalFor(db: Conn, lots: readonly LotRow[], lot: LotRow): Promise<NewLotProposal | null> {
  if (lot.source !== null && OWN_TARGET_SOURCES.has(lot.source)) return null;
  const previous = previousLotOf(lots, lot);
  if (!previous || previous.sd === null || previous.version === null || previous.source === null) return null;
  const points = (await baselineValues(db, lot.id)).map((v) => ({ day: dayOf(v.measuredAt), value: v.value }));
  const days = new Set(points.map((p) => p.day)).size;
  return {
    controlLotId: lot.id,
    previous: { controlLotId: previous.id, lot: previous.lot, sd: previous.sd, source: previous.source, version: previous.version },
    days: Math.min(days, NEW_LOT_DAYS),
    needed: NEW_LOT_DAYS,
    targets: days >= NEW_LOT_DAYS ? newLotTargets(points, previous.sd) : null,
  };
}

/** For every lot of the lab that follows a lot with targets and has no targets of its own yet:
 * the provisional targets (10-day mean, SD carried over), or how many days it has so far. */
export async function newLotProposals(db: DB, actor: Actor, q: { lab?: string | null } = {}, now = Date.now()): Promise<NewLotProposal[]> {
  const scope = await resolveReadableLab(db, actor, q.lab);
  const lots = await listLotsWithTargets(db, scope.labId, now);
  const out: NewLotProposal[] = [];
  for (const lot of lots) {
    const p = await proposalFor(db, lots, lot);
    if (p) out.push(p);
  }
  return out;
}

/** The targets page's lot list takes one order (analyte, instrument, level, newest lot first). */
export const LOT_SORTS = ['analyte'] as const;

/** The targets page: one page of the lab's lots (filtered by analyte, instrument, level or lot
 * number), each with its target in force, its in-control results and days (what a baseline needs:
 * {@link MIN_BASELINE_POINTS} of each, `baselineReady`) and its new-lot proposal. A lab's lots add
 * up over the years (a new lot of each level every month or so): the figures and proposals are
 * read for the page's lots only. */
export async function lotTargetsPage(db: DB, actor: Actor, q: { lab?: string | null }, req: PageRequest<(typeof LOT_SORTS)[number]>, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  // every lot (a light read: a new lot's previous lot may be on any page), then the page
  const lots = await listLotsWithTargets(db, scope.labId, now);
  const { rows: page, total } = pageOfRows(lots, req, (l) => [l.analyte, l.instrument, l.level, l.lot]);
  const inControl = await inControlOfLots(db, scope.labId, page.map((l) => l.id));
  // each lot's earlier versions with their reasons (only the audit log showed them)
  const history = new Map<number, Awaited<ReturnType<typeof targetHistoryOfLots>>>();
  for (const v of await targetHistoryOfLots(db, scope.labId, page.map((l) => l.id))) history.set(v.controlLotId, [...(history.get(v.controlLotId) ?? []), v]);
  const proposals = new Map<number, NewLotProposal>();
  for (const lot of page) {
    const p = await proposalFor(db, lots, lot);
    if (p) proposals.set(lot.id, p);
  }
  return {
    total,
    /** the items the lab has lots of (its rule sets are set per item) */
    analytes: [...new Set(lots.map((l) => l.analyte))],
    rows: page.map((l) => {
      const { results, days } = inControl.get(l.id) ?? { results: 0, days: 0 };
      return { ...l, inControl: results, inControlDays: days, baselineReady: results >= MIN_BASELINE_POINTS && days >= MIN_BASELINE_POINTS, proposal: proposals.get(l.id) ?? null, history: history.get(l.id) ?? [] };
    }),
  };
}

/** Freeze a new lot's provisional targets (mean of its first 10 days, the previous lot's SD) as a
 * new version (source `new_lot`) taking effect after its last result; audited. */
export async function establishNewLotTargets(db: DB, actor: Actor, input: unknown, now = Date.now()) {
  const parsed = baselineInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  const found = await manageableLot(db, actor, parsed.data.controlLotId);
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, found.labId);
    const lots = await listLotsWithTargets(tx, found.labId, now);
    const lot = lots.find((l) => l.id === found.id)!;
    if (lot.source !== null && OWN_TARGET_SOURCES.has(lot.source)) throw new AppError('iqc.ownTargets');
    const p = await proposalFor(tx, lots, lot);
    if (!p) throw new AppError('iqc.noPreviousLotTitle', {}, [fieldError('iqc.noPreviousLot', {}, 'controlLotId')]);
    if (!p.targets) {
      throw new AppError('iqc.notEnoughDays', {}, [fieldError('iqc.newLotDays', { n: NEW_LOT_DAYS, days: p.days }, 'controlLotId')]);
    }
    // the carried SD against the new lot's own mean (a lot run in other units, a typing slip)
    if (p.targets.sd < minTargetSd(p.targets.mean)) {
      throw new AppError('iqc.invalidTarget', {}, [fieldError('value.sdTooSmall', { min: minTargetSd(p.targets.mean) }, 'controlLotId')]);
    }
    const effectiveFrom = Math.max(now, (await lastResultTimeOfLot(tx, lot.id) ?? -Infinity) + 1);
    const target = await insertTarget(tx, {
      labId: found.labId,
      controlLotId: lot.id,
      version: await nextVersion(tx, lot.id),
      mean: p.targets.mean,
      sd: p.targets.sd,
      source: 'new_lot',
      basisN: p.targets.n,
      effectiveFrom,
      reason: parsed.data.reason || `mean of ${p.targets.n} results on ${p.targets.days} days; SD of lot ${p.previous.lot} (v${p.previous.version})`,
      createdBy: actor.userId,
      createdAt: now,
    });
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'iqc.target.new_lot',
      entityType: 'qc_target',
      entityId: target.id,
      labId: found.labId,
      details: { controlLotId: lot.id, mean: p.targets.mean, sd: p.targets.sd, n: p.targets.n, days: p.targets.days, previousLot: p.previous.lot, previousVersion: p.previous.version, version: target.version, effectiveFrom },
      at: now,
    });
    return target;
  });
}
