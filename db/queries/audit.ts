import type { Conn } from '../client';
import { auditLog } from '../schema';
import { appendAuditRowPg, sealAuditRow } from './audit-chain';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { and, desc, eq, gte, inArray, lt, or, isNull, type SQL } from 'drizzle-orm';
import { withTx } from '@/db/tx';
import { dialectOf } from '@/db/dialect';

export interface AuditEntry {
  actorId?: number | null;
  actorEmail?: string | null;
  action: string;
  entityType?: string | null;
  entityId?: string | number | null;
  labId?: number | null;
  regionId?: number | null;
  details?: unknown;
  ip?: string | null;
  at?: number;
}

/** Append one entry, sealed into the hash chain (db/queries/audit-chain.ts) in the same transaction
 * (SQLite: a savepoint of the open one; PostgreSQL: the open one itself, whose failure fails it
 * whole, or one of its own); the table refuses other updates and deletes. Call inside the write's
 * transaction. */
export async function insertAudit(db: Conn, e: AuditEntry): Promise<void> {
  const values = {
    at: e.at ?? Date.now(),
    actorId: e.actorId ?? null,
    actorEmail: e.actorEmail ?? null,
    action: e.action,
    entityType: e.entityType ?? null,
    entityId: e.entityId == null ? null : String(e.entityId),
    labId: e.labId ?? null,
    regionId: e.regionId ?? null,
    ip: e.ip ?? null,
  };
  if (dialectOf(db) === 'pg') {
    // appends take turns until commit, so the chain does not fork (db/pg/audit-chain.ts)
    const row = { ...values, details: e.details == null ? null : JSON.stringify(e.details) };
    if (db instanceof PgTransaction) return await appendAuditRowPg(db, row);
    return await withTx(db, (tx) => appendAuditRowPg(tx, row));
  }
  await withTx(db, async (tx) => {
    const row = (await tx
      .insert(auditLog)
      .values({ ...values, details: (e.details ?? null) as never })
      .returning({ id: auditLog.id }))[0];
    await sealAuditRow(tx, row.id);
  });
}

export interface AuditFilter {
  /** Restrict to entries about these labs or regions (a regulator's jurisdiction); undefined = all. */
  labIds?: number[];
  regionIds?: number[];
  action?: string;
  before?: number;
  since?: number;
  limit?: number;
}

/** When the latest row of `action` was written, or null (audit_action_idx). */
export async function latestAuditAt(db: Conn, action: string): Promise<number | null> {
  const [row] = await db.select({ at: auditLog.at }).from(auditLog).where(eq(auditLog.action, action)).orderBy(desc(auditLog.at)).limit(1);
  return row?.at ?? null;
}

export async function listAudit(db: Conn, f: AuditFilter = {}) {
  const conds: SQL[] = [];
  if (f.labIds || f.regionIds) {
    const scope: SQL[] = [];
    if (f.labIds?.length) scope.push(inArray(auditLog.labId, f.labIds));
    if (f.regionIds?.length) scope.push(and(isNull(auditLog.labId), inArray(auditLog.regionId, f.regionIds))!);
    if (!scope.length) return [];
    conds.push(or(...scope)!);
  }
  if (f.action) conds.push(eq(auditLog.action, f.action));
  if (f.before) conds.push(lt(auditLog.at, f.before));
  if (f.since) conds.push(gte(auditLog.at, f.since));
  return await db
    .select()
    .from(auditLog)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(f.limit ?? 100);
}
