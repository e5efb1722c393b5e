// A control lot's expiry: the last day (China) its material may be used (CLSI C24: controls are not
// used past their expiration). A result measured after it is refused at entry, by row and field, as
// any other bad row: expired material proves nothing about the method. The expiry is set with the lot
// or on the targets page; a change needs a reason (audited) and never falls before a stored result of
// the lot, so that no stored result becomes one that entry would refuse.
import type { Conn, DB } from '@/db/client';
import { findAnalyteById } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { findControlLotById, lastResultTimeOfLot, setLotExpiresOn } from '@/db/queries/iqc';
import { holdLabIqcWriters } from '@/db/queries/iqc-settings';
import { withTx } from '@/db/tx';
import { manageableLot } from './lot-access';
import type { Actor } from '@/lib/auth/core';
import { dayOf } from '@/lib/calendar';
import { daysBetween } from '@/lib/services/recognition/window';
import { AppError, fieldError, type FieldError } from '@/lib/errors';
import { lotExpiryInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { expiryEnd, lotKey, type LabContext, type PlannedValue } from './series';

interface ExpiringLot {
  id: number;
  labId: number;
  analyteId: number;
  level: string;
  lotNumber: string;
  instrument: string;
  expiresOn: string | null;
}

/**
 * Give a lot (read in the caller's transaction, under the lab's IQC writer lock) its expiry day, or
 * none: nothing when it is the stored one; otherwise refused when a stored result of the lot was
 * measured after that day (409 iqc.expiryBeforeResults), or when a stored expiry changes without a
 * reason; else written with an audit entry (`created`: the lot was created in this transaction, and
 * the caller's entry names the day). Returns whether it changed.
 */
export async function applyLotExpiry(tx: Conn, actor: Actor, lot: ExpiringLot, expiresOn: string | null, reason: string, now: number, opts: { created?: boolean } = {}): Promise<boolean> {
  if ((lot.expiresOn ?? null) === expiresOn) return false;
  // a lot created in this transaction: its creation's audit entry carries the day
  if (opts.created) {
    await setLotExpiresOn(tx, lot.id, expiresOn);
    return true;
  }
  if (lot.expiresOn !== null && reason.trim().length < 3) throw new AppError('iqc.invalidExpiry', {}, [fieldError('iqc.expiryChangeReason', { from: lot.expiresOn }, 'reason')]);
  if (expiresOn !== null) {
    const last = await lastResultTimeOfLot(tx, lot.id);
    if (last !== null && last >= expiryEnd(expiresOn)) throw new AppError('iqc.expiryBeforeResults', { lot: lot.lotNumber, day: dayOf(last) });
  }
  await setLotExpiresOn(tx, lot.id, expiresOn);
  const analyte = await findAnalyteById(tx, lot.analyteId);
  await insertAudit(tx, {
    actorId: actor.userId,
    actorEmail: actor.email,
    action: 'iqc.lot.expiry',
    entityType: 'control_lot',
    entityId: lot.id,
    labId: lot.labId,
    details: { analyte: analyte?.code ?? null, level: lot.level, lot: lot.lotNumber, instrument: lot.instrument, from: lot.expiresOn, to: expiresOn, reason: reason.trim() || null },
    at: now,
  });
  return true;
}

/** The targets page's expiry form: the lab's manager sets, changes (with a reason) or clears a lot's expiry. */
export async function setLotExpiry(db: DB, actor: Actor, input: unknown, now = Date.now()): Promise<{ controlLotId: number; expiresOn: string | null; changed: boolean }> {
  const parsed = lotExpiryInput.safeParse(input);
  if (!parsed.success) throw new AppError('iqc.invalidExpiry', {}, zodFieldErrors(parsed.error));
  const found = await manageableLot(db, actor, parsed.data.controlLotId);
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, found.labId);
    const lot = (await findControlLotById(tx, found.id))!;
    const changed = await applyLotExpiry(tx, actor, lot, parsed.data.expiresOn, parsed.data.reason, now);
    return { controlLotId: lot.id, expiresOn: parsed.data.expiresOn, changed };
  });
}

/** How soon a lot's coming expiry is pointed out (the targets page, the lab's overview). */
export const EXPIRY_WARNING_DAYS = 30;

/** Days from `today` to the expiry day: 0 on that day (still usable), negative once it has passed. */
export function daysUntilExpiry(expiresOn: string, today: string): number {
  return daysBetween(today, expiresOn);
}

/**
 * The lot in use per analyte × instrument × level (the entry grid's rows): a lot not expired before
 * `today` ahead of an expired one (a new box replaces the old on its expiry), then the one with the
 * latest result, then the newest. In the order the lots come.
 */
export function lotsInUse<T extends { analyte: string; instrument: string; level: string; id: number; lastAt: number | null; expiresOn: string | null }>(lots: readonly T[], today: string): T[] {
  const best = new Map<string, T>();
  const usable = (l: T) => l.expiresOn === null || l.expiresOn >= today;
  for (const l of lots) {
    const key = `${l.analyte}\u0000${l.instrument}\u0000${l.level}`;
    const b = best.get(key);
    if (!b || (usable(l) && !usable(b))) {
      best.set(key, l);
      continue;
    }
    if (usable(l) !== usable(b)) continue;
    const [la, ba] = [l.lastAt ?? -1, b.lastAt ?? -1];
    if (la > ba || (la === ba && l.id > b.id)) best.set(key, l);
  }
  return [...best.values()];
}

/** The rows of an entry whose lot (a stored one with an expiry) expired before they were measured. */
export function valuesAfterExpiry(ctx: Pick<LabContext, 'lots' | 'expiry'>, values: readonly PlannedValue[], fieldOf: (f: string) => string): FieldError[] {
  const errors: FieldError[] = [];
  if (!ctx.expiry.size) return errors;
  for (const v of values) {
    const lotId = ctx.lots.get(lotKey(v.analyteId, v.level, v.lot, v.instrument));
    const end = lotId === undefined ? undefined : ctx.expiry.get(lotId);
    if (end !== undefined && v.measuredAt >= end) {
      errors.push(fieldError('iqc.lotExpired', { lot: v.lot, analyte: v.analyteCode, level: v.level, expiresOn: dayOf(end - 1), day: dayOf(v.measuredAt) }, fieldOf('measuredAt'), v.row));
    }
  }
  return errors;
}
