// Reading the audit log: an administrator reads all of it, a regulator the entries about labs and
// regions of their jurisdiction (filtered in SQL, db/queries/audit-view.ts).
import type { Conn, DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { listAuditActions, listAuditPage } from '@/db/queries/audit-view';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { z } from 'zod';

export const AUDIT_PAGE_SIZE = 50;

/** An edit's audit details: the fields that changed, each with its value before and after, so the
 * log itself says what an edit did (the whole previous state is kept in entity_versions). Values
 * that are not plain (a category list) compare by their JSON. */
export function fieldChanges(before: Record<string, unknown>, next: Record<string, unknown>) {
  const same = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
  const changed = Object.keys(next).filter((k) => !same(before[k] ?? null, next[k] ?? null));
  return {
    changed,
    from: Object.fromEntries(changed.map((k) => [k, before[k] ?? null])),
    to: Object.fromEntries(changed.map((k) => [k, next[k] ?? null])),
  };
}

const auditQuery = z.object({
  page: z.preprocess((v) => (v === '' || v == null ? 1 : v), z.coerce.number().int().min(1).max(100_000)).catch(1),
  action: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(80).optional()).catch(undefined),
});

export async function readAuditLog(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'audit.read')) throw new AppError('audit.notAllowed');
  const q = auditQuery.parse(input ?? {});
  // admin reads all of it, a regulator their region's subtree (the filter goes into SQL)
  const scope = scopeOf(actor);
  if (scope.kind === 'none') throw new AppError('auth.noJurisdiction');
  const { entries, hasNext, total } = await listAuditPage(db, { scope, action: q.action, page: q.page, pageSize: AUDIT_PAGE_SIZE });
  // how many entries there are is known only past the last page (counted there, not on every page)
  return { entries, page: q.page, hasNext, total: total ?? (q.page - 1) * AUDIT_PAGE_SIZE + entries.length, action: q.action ?? null, actions: await listAuditActions(db) };
}

// ---------------------------------------------------------------------------------------------
// Refusals and exports: audited, but at most one row per actor × action per minute, so a caller
// cannot flood the append-only log. The next row of the same actor and action says how many more
// occurred in the previous row's minute (`foldedIntoPreviousRow`, with up to 10 of their paths); when
// no next row comes (a burst, then silence), a timer writes that count a minute after the first
// folded one. The counts live in this process: a crash loses the last minute's.

export const AUDIT_FOLD_WINDOW_MS = 60_000;
const MAX_WINDOWS = 10_000;
const MAX_FOLDED_PATHS = 10;
type FoldActor = Pick<Actor, 'userId' | 'email' | 'labId' | 'regionId'>;
interface FoldWindow {
  /** when its row was written (the caller's clock) */
  start: number;
  folded: number;
  /** where the folded ones were refused or exported (their paths or actions), the first few */
  paths: Set<string>;
  /** this process's time of the first folded one (the sweep's clock) */
  firstFoldAt: number;
  db: Conn;
  actor: FoldActor;
  action: string;
}
const windows = new Map<string, FoldWindow>();
let sweepTimer: ReturnType<typeof setTimeout> | null = null;

export interface FoldedAuditEntry {
  action: string;
  details?: Record<string, unknown>;
  entityType?: string | null;
  entityId?: string | number | null;
}

/** Write an audit row for `actor` unless one with the same action was written less than a minute
 * ago (then count it); returns whether a row was written. */
export async function auditFolded(db: Conn, actor: FoldActor, e: FoldedAuditEntry, now = Date.now()): Promise<boolean> {
  const key = `${actor.userId}\u0000${e.action}`;
  const w = windows.get(key);
  if (w && now - w.start < AUDIT_FOLD_WINDOW_MS) {
    if (!w.folded++) w.firstFoldAt = Date.now();
    const where = e.details?.path ?? e.details?.action;
    if (typeof where === 'string' && w.paths.size < MAX_FOLDED_PATHS) w.paths.add(where.slice(0, 200));
    scheduleSweep();
    return false;
  }
  if (windows.size >= MAX_WINDOWS) {
    for (const [k, v] of windows) if (now - v.start >= AUDIT_FOLD_WINDOW_MS && !v.folded) windows.delete(k);
    if (windows.size >= MAX_WINDOWS) windows.clear();
  }
  windows.set(key, { start: now, folded: 0, paths: new Set(), firstFoldAt: 0, db, actor, action: e.action });
  return await writeFolded(db, actor, { ...e, details: { ...e.details, ...foldedOf(w) } }, now);
}

function foldedOf(w: FoldWindow | undefined): Record<string, unknown> {
  return w && w.folded > 0 ? { foldedIntoPreviousRow: w.folded, ...(w.paths.size ? { foldedPaths: [...w.paths] } : {}) } : {};
}

async function writeFolded(db: Conn, actor: FoldActor, e: FoldedAuditEntry, at: number): Promise<boolean> {
  try {
    await insertAudit(db, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: e.action,
      entityType: e.entityType ?? null,
      entityId: e.entityId ?? null,
      labId: actor.labId,
      regionId: actor.labId ? null : actor.regionId,
      details: e.details ?? {},
      at,
    });
  } catch (err) {
    // the refusal or export itself goes ahead; the failure is in the server log
    console.error(`[labqc] could not audit ${e.action}`, err);
    return false;
  }
  return true;
}

function scheduleSweep(): void {
  if (sweepTimer) return;
  sweepTimer = setTimeout(() => {
    sweepTimer = null;
    void sweepFoldedAudits();
  }, AUDIT_FOLD_WINDOW_MS);
  sweepTimer.unref?.();
}

/**
 * Write the counts folded into rows whose minute passed without a next row to carry them: one row per
 * actor × action (`foldedIntoPreviousRow`, `foldedPaths`), dated at the end of the row's minute.
 * Run by a timer a minute after a fold; `realNow` is this process's clock. Returns the rows written.
 */
export async function sweepFoldedAudits(realNow = Date.now()): Promise<number> {
  let written = 0;
  for (const [key, w] of windows) {
    if (!w.folded || realNow - w.firstFoldAt < AUDIT_FOLD_WINDOW_MS) continue;
    windows.delete(key);
    if (await writeFolded(w.db, w.actor, { action: w.action, details: foldedOf(w) }, w.start + AUDIT_FOLD_WINDOW_MS)) written++;
  }
  if ([...windows.values()].some((w) => w.folded > 0)) scheduleSweep();
  return written;
}

/** Forget the windows (tests). */
export function resetAuditFolding(): void {
  windows.clear();
  if (sweepTimer) clearTimeout(sweepTimer);
  sweepTimer = null;
}

/** A refusal (403) of an API call or server action: `access.refused`, folded per actor per minute. */
export async function auditRefusal(db: Conn, actor: Actor, what: { method?: string; path?: string; action?: string; reason?: string; message?: string; refused?: { field: string; code?: string }[]; refusedCount?: number }, now = Date.now()): Promise<boolean> {
  return await auditFolded(db, actor, { action: 'access.refused', details: { ...what, via: actor.via } }, now);
}

/** A CSV export served to `actor`: `data.export`, folded per actor per minute. */
export async function auditExport(db: Conn, actor: Actor, what: { path: string; query?: string }, now = Date.now()): Promise<boolean> {
  return await auditFolded(db, actor, { action: 'data.export', details: { ...what, via: actor.via } }, now);
}
