// The lab's IQC run window (issue 9: "setting per lab, default 30 min"): results of one analyte ×
// instrument within this many minutes of a run's first result, one per level, form one run
// (./runs.ts). A change applies to results ingested from then on; stored runs keep their grouping.
// `GET/PUT /api/v1/iqc/settings` read and set it as `{ runWindowMinutes }`.
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { holdLabIqcWriters, labRunWindowMinutes, updateLabRunWindow } from '@/db/queries/iqc-settings';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError, type FieldError } from '@/lib/errors';
import { parseJsonBody, readBodyCapped } from '@/lib/body';
import { resolveWritableLab } from './ingest';
import { DEFAULT_RUN_WINDOW_MINUTES } from './series';
import { resolveReadableLab } from './views';
import { withTx } from '@/db/tx';
import { requestQuery } from '@/lib/validation/query';

export const MIN_RUN_WINDOW_MINUTES = 1;
/** 12 hours: a wider window would join a day shift's runs with the night's */
export const MAX_RUN_WINDOW_MINUTES = 720;

/** A whole number of minutes from a form (text) or JSON (number), or the field error. */
function parseMinutes(raw: unknown, field: string): number | FieldError {
  if (raw === undefined || raw === null || (typeof raw === 'string' && !raw.trim())) return fieldError('value.required', {}, field);
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?\d+(\.\d*)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (Number.isNaN(n)) return fieldError('value.notNumber', {}, field);
  if (!Number.isInteger(n) || n < MIN_RUN_WINDOW_MINUTES || n > MAX_RUN_WINDOW_MINUTES) {
    return fieldError('value.integerRange', { min: MIN_RUN_WINDOW_MINUTES, max: MAX_RUN_WINDOW_MINUTES }, field);
  }
  return n;
}

/** The run window of a lab the actor may read (its own, or `lab` for a regulator over it). */
export async function getRunWindow(db: DB, actor: Actor, q: { lab?: string | null } = {}) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  return { runWindowMinutes: await labRunWindowMinutes(db, scope.labId) ?? DEFAULT_RUN_WINDOW_MINUTES };
}

/**
 * Set the lab's run window (the lab's manager or its token, as rule sets: `iqcTarget.manage`):
 * `minutes` a whole number 1–720, else 422 with the field error (under `opts.field`, `minutes` by
 * default). Audited with the value before and after, in the same transaction.
 */
export async function setRunWindow(db: DB, actor: Actor, input: { lab?: string | null; minutes?: unknown }, now = Date.now(), opts: { field?: string } = {}) {
  const lab = typeof input?.lab === 'string' && input.lab.trim() ? input.lab.trim() : null;
  const scope = await resolveWritableLab(db, actor, lab, 'iqcTarget.manage');
  const minutes = parseMinutes(input?.minutes, opts.field ?? 'minutes');
  if (typeof minutes !== 'number') throw new AppError('iqc.invalidRunWindow', {}, [minutes]);
  return await withTx(db, async (tx) => {
    await holdLabIqcWriters(tx, scope.labId); // `before` as the writers leave it (audited)
    const before = await labRunWindowMinutes(tx, scope.labId) ?? DEFAULT_RUN_WINDOW_MINUTES;
    if (before !== minutes) {
      await updateLabRunWindow(tx, scope.labId, before, minutes, now);
      await insertAudit(tx, {
        actorId: actor.userId,
        actorEmail: actor.email,
        action: 'iqc.runWindow.set',
        entityType: 'laboratory',
        entityId: scope.labId,
        labId: scope.labId,
        details: { before, after: minutes },
        at: now,
      });
    }
    return { runWindowMinutes: minutes };
  });
}

/** `PUT /api/v1/iqc/settings` `{ runWindowMinutes }` (`?lab=` or a body `lab` for an admin). */
export async function putSettings(db: DB, actor: Actor, req: Request, now = Date.now()) {
  const { lab: labParam } = requestQuery(req, ['lab']);
  await resolveWritableLab(db, actor, labParam, 'iqcTarget.manage'); // 401/403 before reading the body
  const json = parseJsonBody(await readBodyCapped(req, 64 * 1024));
  const body = (json && typeof json === 'object' ? json : {}) as { lab?: unknown; runWindowMinutes?: unknown };
  const lab = typeof body.lab === 'string' && body.lab.trim() ? body.lab.trim() : labParam;
  return await setRunWindow(db, actor, { lab, minutes: body.runWindowMinutes }, now, { field: 'runWindowMinutes' });
}
