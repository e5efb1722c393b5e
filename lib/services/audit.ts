// Reading the audit log: an administrator reads all of it, a regulator the entries about labs and
// regions of their jurisdiction (filtered in SQL, db/queries/audit-view.ts).
import type { DB } from '@/db/client';
import { listAuditActions, listAuditPage } from '@/db/queries/audit-view';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { z } from 'zod';

export const AUDIT_PAGE_SIZE = 50;

const auditQuery = z.object({
  page: z.preprocess((v) => (v === '' || v == null ? 1 : v), z.coerce.number().int().min(1).max(100_000)).catch(1),
  action: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(80).optional()).catch(undefined),
});

export function readAuditLog(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'audit.read')) throw AppError.forbidden('Not allowed to read the audit log');
  const q = auditQuery.parse(input ?? {});
  let withinPath: string | null = null;
  if (actor.role !== 'admin') {
    // a regulator reads their own region's subtree; can() confirms it against their jurisdiction
    if (!actor.regionPath || !can(actor, 'audit.read', { regionPath: actor.regionPath })) throw AppError.forbidden('No jurisdiction');
    withinPath = actor.regionPath;
  }
  const { entries, hasNext } = listAuditPage(db, { withinPath, action: q.action, page: q.page, pageSize: AUDIT_PAGE_SIZE });
  return { entries, page: q.page, hasNext, action: q.action ?? null, actions: listAuditActions(db) };
}
