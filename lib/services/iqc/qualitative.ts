// Controls of qualitative, ordinal and nominal items (DOMAIN.md §4, qualitative IQC): a lot carries
// the category it must read (a negative control the item's lowest category, a weak-positive control
// 'positive', an ordinal control its grade) instead of a mean and SD; optionally a target of its
// signal (mean and SD of S/CO) so that the signal is charted and judged by the Westgard rules. The
// expected category is frozen like a target: set once, in force from a time after the lot's last
// result, so no verdict already given changes.
import type { DB } from '@/db/client';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { insertAudit } from '@/db/queries/audit';
import { findControlLot, insertControlLot, insertTarget, lastResultTimeOfLot, setLotExpectation, targetVersions } from '@/db/queries/iqc';
import { chinaTime } from '@/lib/calendar';
import { isCategorical, readItemValue } from '@/lib/catalogue/kinds';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError, type FieldError } from '@/lib/errors';
import { controlExpectationInput, type ControlExpectationInput } from '@/lib/validation/iqc';
import { zodFieldErrors } from '@/lib/validation/errors';
import { resolveWritableLab } from './ingest';
import { applyLotExpiry } from './lot-expiry';
import { withTx } from '@/db/tx';
import { holdLabIqcWriters } from '@/db/queries/iqc-settings';
import { mapSeq } from '@/lib/async';

export interface ControlExpectationResult {
  controlLotId: number;
  analyte: string;
  level: string;
  lot: string;
  instrument: string;
  expected: string;
  expectedFrom: number;
  /** the last day the material may be used, or null */
  expiresOn: string | null;
  /** the signal target written with it, if any */
  target: { id: number; version: number; mean: number; sd: number; effectiveFrom: number } | null;
}

/** Whether an analyte code names a categorical item (the lots API and targets form branch on it). */
export async function isCategoricalCode(db: DB, code: unknown): Promise<boolean> {
  if (typeof code !== 'string' || !code.trim()) return false;
  const a = await findAnalyteByCode(db, code.trim().toUpperCase());
  return !!a && isCategorical(a.kind);
}

/**
 * Set the expected category of controls of categorical items (each row: analyte, level, lot,
 * instrument, `expected` category code, optional signal `mean`/`sd`, optional `effectiveFrom`): the
 * lab's manager or its token (`iqcTarget.manage`). Every row validated first (422 with row and field:
 * a quantitative item, a code that is not one of the item's categories), then one transaction with
 * one audit entry per row. 409 when the lot already expects another category, or when `effectiveFrom`
 * is not after the lot's last result (by default: now, after that result).
 */
export async function setControlExpectations(db: DB, actor: Actor, input: { lab?: string | null; controls: readonly unknown[] }, now = Date.now()): Promise<ControlExpectationResult[]> {
  const scope = await resolveWritableLab(db, actor, input.lab ?? null, 'iqcTarget.manage');
  const many = input.controls.length > 1;
  const errors: FieldError[] = [];
  const rows: (ControlExpectationInput & { analyteId: number; category: string })[] = [];
  for (const [i, raw] of input.controls.entries()) {
    const row = many ? i + 1 : undefined;
    const parsed = controlExpectationInput.safeParse(raw);
    if (!parsed.success) { errors.push(...zodFieldErrors(parsed.error, row)); continue; }
    const c = parsed.data;
    const analyte = await findAnalyteByCode(db, c.analyte);
    if (!analyte) { errors.push(fieldError('analyte.unknownCode', { code: c.analyte }, 'analyte', row)); continue; }
    if (!isCategorical(analyte.kind)) { errors.push(fieldError('iqc.expectedNotCategorical', { analyte: analyte.code }, 'expected', row)); continue; }
    if (c.effectiveFrom !== undefined && Number.isNaN(c.effectiveFrom)) { errors.push(fieldError('value.notDateTimeShort', {}, 'effectiveFrom', row)); continue; }
    const read = readItemValue(analyte, c.expected);
    if (!read.ok) { errors.push(fieldError(read.reason, read.params, 'expected', row)); continue; }
    if (read.value.kind !== 'category') { errors.push(fieldError('iqc.expectedRequired', { analyte: analyte.code, codes: (analyte.categories ?? []).map((x) => x.code).join(', ') }, 'expected', row)); continue; }
    rows.push({ ...c, analyteId: analyte.id, category: read.value.category });
  }
  if (errors.length) throw new AppError('iqc.invalidTarget', {}, errors);
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, scope.labId);
    return await mapSeq(rows, async (c) => {
      const existing = await findControlLot(tx, scope.labId, c.analyteId, c.level, c.lot, c.instrument);
      const lot = existing ?? await insertControlLot(tx, { labId: scope.labId, analyteId: c.analyteId, level: c.level, lotNumber: c.lot, instrument: c.instrument, createdAt: now });
      const last = existing ? await lastResultTimeOfLot(tx, lot.id) : null;
      if (c.effectiveFrom !== undefined && last !== null && c.effectiveFrom <= last) throw new AppError('iqc.targetsBeforeLastResult', { at: chinaTime(last) });
      const from = c.effectiveFrom ?? Math.max(now, (last ?? -Infinity) + 1);
      if (c.expiresOn !== undefined) await applyLotExpiry(tx, actor, lot, c.expiresOn, c.reason, now, { created: !existing });
      let expectedFrom = from;
      if (lot.expectedCategory !== null) {
        if (lot.expectedCategory !== c.category) throw new AppError('iqc.expectedSet', { analyte: c.analyte, lot: c.lot, level: c.level, category: lot.expectedCategory });
        expectedFrom = lot.expectedFrom ?? from;
      } else await setLotExpectation(tx, lot.id, c.category, from);
      let target: ControlExpectationResult['target'] = null;
      if (c.mean !== undefined && c.sd !== undefined) {
        const version = ((await targetVersions(tx, lot.id)).at(-1)?.version ?? 0) + 1;
        const t = await insertTarget(tx, { labId: lot.labId, controlLotId: lot.id, version, mean: c.mean, sd: c.sd, source: 'manufacturer', effectiveFrom: from, reason: c.reason || null, createdBy: actor.userId, createdAt: now });
        target = { id: t.id, version: t.version, mean: t.mean, sd: t.sd, effectiveFrom: t.effectiveFrom };
      }
      await insertAudit(tx, {
        actorId: actor.userId,
        actorEmail: actor.email,
        action: 'iqc.control.expect',
        entityType: 'control_lot',
        entityId: lot.id,
        labId: scope.labId,
        details: { analyte: c.analyte, level: c.level, lot: c.lot, instrument: c.instrument, expected: c.category, expectedFrom, signalTarget: target ? { mean: target.mean, sd: target.sd, version: target.version } : null, reason: c.reason || null, ...(!existing && c.expiresOn ? { expiresOn: c.expiresOn } : {}) },
        at: now,
      });
      return { controlLotId: lot.id, analyte: c.analyte, level: c.level, lot: c.lot, instrument: c.instrument, expected: c.category, expectedFrom, expiresOn: c.expiresOn ?? lot.expiresOn, target };
    });
  });
}
