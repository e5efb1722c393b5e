// Hospitals' (and regulator platforms') own data: local item code maps, verification tokens, watch
// lists, webhook endpoints and the webhook outbox (deliveries and their attempts). Issue 13.
import { and, asc, desc, eq, getTableColumns, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { analyteLocalCodeMisses, analyteLocalCodes, analytes, apiTokens, certificationEvents, entityVersions, certifications, hospitalWatches, laboratories, regions, users, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../schema';
import type { TokenScope } from '../enums';
import { withTx } from '@/db/tx';
import { affectedRows, dialectOf, first, inIdList } from '@/db/dialect';
import { pageOf, textFilter, type PageRequest } from './paging';
import { leaseDueDeliveriesPg } from './webhook-outbox';

// ---- local codes --------------------------------------------------------------------------------

const localCodeCols = { id: analyteLocalCodes.id, localCode: analyteLocalCodes.localCode, analyteId: analyteLocalCodes.analyteId, analyteCode: analytes.code, analyteName: analytes.nameZh, analyteNameEn: analytes.nameEn, loinc: analytes.loinc, updatedAt: analyteLocalCodes.updatedAt };

/** An account's whole map, by local code, with each item's catalogue code and names (what an upload
 * is compared with; a page shows pageLocalCodes). */
export async function listLocalCodes(db: Conn, ownerId: number) {
  return await db
    .select(localCodeCols)
    .from(analyteLocalCodes)
    .innerJoin(analytes, eq(analytes.id, analyteLocalCodes.analyteId))
    .where(eq(analyteLocalCodes.ownerId, ownerId))
    .orderBy(asc(analyteLocalCodes.localCode));
}

export const LOCAL_CODE_SORTS = ['code'] as const;
export type LocalCodeSort = (typeof LOCAL_CODE_SORTS)[number];

/** One page of an account's map, by local code (unique per account, so the order is stable), filtered
 * by text in the local code or the item's code or names. analyte_local_codes_uq (owner_id, local_code)
 * serves the owner's rows in that order on both backends, either direction; the items join by key. */
export async function pageLocalCodes(db: Conn, ownerId: number, req: PageRequest<LocalCodeSort>) {
  const cond = and(eq(analyteLocalCodes.ownerId, ownerId), textFilter(req.q, [analyteLocalCodes.localCode, analytes.code, analytes.nameZh, analytes.nameEn]));
  const sorts: Record<LocalCodeSort, unknown[]> = { code: [analyteLocalCodes.localCode] };
  return pageOf((s) => db.select(s as never).from(analyteLocalCodes).innerJoin(analytes, eq(analytes.id, analyteLocalCodes.analyteId)).where(cond), localCodeCols, sorts, req);
}

/** The earlier versions of several entities of one type in one read (entity_versions_uq), each
 * entity's newest first: the history column of a page of mappings. */
export async function versionsOfEntities(db: Conn, entityType: string, entityIds: readonly number[]) {
  if (!entityIds.length) return [];
  return await db
    .select({ entityId: entityVersions.entityId, version: entityVersions.version, reason: entityVersions.reason, changedAt: entityVersions.changedAt, data: entityVersions.data })
    .from(entityVersions)
    .where(and(eq(entityVersions.entityType, entityType), inIdList(entityVersions.entityId, entityIds)))
    .orderBy(asc(entityVersions.entityId), desc(entityVersions.version));
}

export async function findLocalCode(db: Conn, ownerId: number, localCode: string) {
  return first(await db.select().from(analyteLocalCodes).where(and(eq(analyteLocalCodes.ownerId, ownerId), eq(analyteLocalCodes.localCode, localCode))).limit(1));
}

export async function findLocalCodeById(db: Conn, id: number) {
  return first(await db.select().from(analyteLocalCodes).where(eq(analyteLocalCodes.id, id)).limit(1));
}

export async function insertLocalCode(db: Conn, v: { ownerId: number; localCode: string; analyteId: number; createdBy: number }, now: number) {
  return (await db.insert(analyteLocalCodes).values({ ...v, createdAt: now, updatedAt: now }).returning({ id: analyteLocalCodes.id }))[0];
}

export async function updateLocalCode(db: Conn, id: number, analyteId: number, now: number) {
  await db.update(analyteLocalCodes).set({ analyteId, updatedAt: now }).where(eq(analyteLocalCodes.id, id));
}

export async function deleteLocalCode(db: Conn, id: number) {
  await db.delete(analyteLocalCodes).where(eq(analyteLocalCodes.id, id));
}

/** Codes of recent lookups that resolved to nothing and are still not mapped, most recent first. */
export async function listUnmappedCodes(db: Conn, ownerId: number, limit = 100) {
  return await db
    .select({ localCode: analyteLocalCodeMisses.localCode, seen: analyteLocalCodeMisses.seen, firstSeenAt: analyteLocalCodeMisses.firstSeenAt, lastSeenAt: analyteLocalCodeMisses.lastSeenAt })
    .from(analyteLocalCodeMisses)
    .leftJoin(analyteLocalCodes, and(eq(analyteLocalCodes.ownerId, analyteLocalCodeMisses.ownerId), eq(analyteLocalCodes.localCode, analyteLocalCodeMisses.localCode)))
    .where(and(eq(analyteLocalCodeMisses.ownerId, ownerId), isNull(analyteLocalCodes.id)))
    .orderBy(desc(analyteLocalCodeMisses.lastSeenAt), desc(analyteLocalCodeMisses.id))
    .limit(limit);
}

/** Catalogue items by code (upper case) and by LOINC, for resolving a mapping's `analyte` column. */
export async function analyteResolver(db: Conn) {
  const rows = await db.select({ id: analytes.id, code: analytes.code, loinc: analytes.loinc }).from(analytes);
  const byCode = new Map(rows.map((a) => [a.code.toUpperCase(), a]));
  const byLoinc = new Map<string, (typeof rows)[number]>();
  for (const a of rows) if (a.loinc && !byLoinc.has(a.loinc)) byLoinc.set(a.loinc, a);
  return (text: string) => {
    const t = text.trim();
    const loinc = /^loinc:(.+)$/i.exec(t)?.[1]?.trim();
    return loinc !== undefined ? byLoinc.get(loinc) : byCode.get(t.toUpperCase());
  };
}

// ---- tokens ------------------------------------------------------------------------------------

/** The verification tokens an account created (tokens without a lab), newest first, without hashes. */
export async function listTokensOfOwner(db: Conn, userId: number) {
  return await db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt, scopes: apiTokens.scopes, expiresAt: apiTokens.expiresAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.labId)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export async function insertOwnerToken(db: Conn, v: { userId: number; name: string; prefix: string; tokenHash: string; scopes: TokenScope[]; expiresAt: number | null }, now: number) {
  return (await db.insert(apiTokens).values({ ...v, labId: null, createdAt: now }).returning({ id: apiTokens.id }))[0];
}

// ---- watches -----------------------------------------------------------------------------------

export async function listWatches(db: Conn, ownerId: number) {
  return await db
    .select({ id: hospitalWatches.id, labId: hospitalWatches.labId, regionId: hospitalWatches.regionId, labCode: laboratories.code, labName: laboratories.name, labNameEn: laboratories.nameEn, regionCode: regions.code, regionName: regions.name, regionNameEn: regions.nameEn, createdAt: hospitalWatches.createdAt })
    .from(hospitalWatches)
    .leftJoin(laboratories, eq(laboratories.id, hospitalWatches.labId))
    .leftJoin(regions, eq(regions.id, hospitalWatches.regionId))
    .where(eq(hospitalWatches.ownerId, ownerId))
    .orderBy(desc(hospitalWatches.createdAt), desc(hospitalWatches.id));
}

export async function findWatch(db: Conn, ownerId: number, target: { labId?: number; regionId?: number }) {
  return first(await db
    .select({ id: hospitalWatches.id })
    .from(hospitalWatches)
    .where(and(eq(hospitalWatches.ownerId, ownerId), target.labId ? eq(hospitalWatches.labId, target.labId) : eq(hospitalWatches.regionId, target.regionId!))).limit(1));
}

export async function findWatchById(db: Conn, id: number) {
  return first(await db.select().from(hospitalWatches).where(eq(hospitalWatches.id, id)).limit(1));
}

export async function insertWatch(db: Conn, v: { ownerId: number; labId: number | null; regionId: number | null }, now: number) {
  return (await db.insert(hospitalWatches).values({ ...v, createdAt: now }).returning({ id: hospitalWatches.id }))[0];
}

export async function deleteWatch(db: Conn, id: number) {
  await db.delete(hospitalWatches).where(eq(hospitalWatches.id, id));
}

/** The owners watching a lab: directly, or through its region or one of the region's ancestors. */
const watchersOfLab = (labId: unknown) => sql`
  SELECT DISTINCT w.owner_id FROM hospital_watches w
  WHERE w.lab_id = ${labId}
     OR (w.region_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM laboratories l JOIN regions lr ON lr.id = l.region_id JOIN regions wr ON wr.id = w.region_id
          WHERE l.id = ${labId} AND substr(lr.path, 1, length(wr.path)) = wr.path))`;

/** Suspensions, revocations, expiries (and reinstatements) of certifications of the labs an owner
 * watches, newest first. */
export async function recentChangesForOwner(db: Conn, ownerId: number, limit = 50) {
  return await db
    .select({ id: certificationEvents.id, action: certificationEvents.action, toStatus: certificationEvents.toStatus, effectiveOn: certificationEvents.effectiveOn, reason: certificationEvents.reason, at: certificationEvents.at, certificationId: certificationEvents.certificationId, labCode: laboratories.code, labName: laboratories.name, labNameEn: laboratories.nameEn, analyteCode: analytes.code, analyteName: analytes.nameZh, analyteNameEn: analytes.nameEn, certificateNo: certifications.certificateNo })
    .from(certificationEvents)
    .innerJoin(laboratories, eq(laboratories.id, certificationEvents.labId))
    .innerJoin(analytes, eq(analytes.id, certificationEvents.analyteId))
    .leftJoin(certifications, and(eq(certifications.id, certificationEvents.certificationId), eq(certifications.labId, certificationEvents.labId)))
    .where(
      and(
        inArray(certificationEvents.action, [...NOTIFIED_ACTIONS]),
        sql`${ownerId} IN (${watchersOfLab(certificationEvents.labId)})`,
      ),
    )
    .orderBy(desc(certificationEvents.at), desc(certificationEvents.id))
    .limit(limit);
}

/** The certification actions a watcher is told about. */
export const NOTIFIED_ACTIONS = ['suspend', 'revoke', 'expire', 'reinstate'] as const;

// ---- webhook endpoints and the outbox ----------------------------------------------------------

export async function listEndpoints(db: Conn, ownerId: number) {
  return await db.select({ id: webhookEndpoints.id, name: webhookEndpoints.name, url: webhookEndpoints.url, active: webhookEndpoints.active, createdAt: webhookEndpoints.createdAt, disabledAt: webhookEndpoints.disabledAt }).from(webhookEndpoints).where(eq(webhookEndpoints.ownerId, ownerId)).orderBy(desc(webhookEndpoints.id));
}

/** An endpoint, with whether its owner's account is active (a deactivated account is sent nothing). */
export async function findEndpoint(db: Conn, id: number) {
  return first(await db.select({ ...getTableColumns(webhookEndpoints), ownerActive: users.active }).from(webhookEndpoints).innerJoin(users, eq(users.id, webhookEndpoints.ownerId)).where(eq(webhookEndpoints.id, id)).limit(1));
}

export async function insertEndpoint(db: Conn, v: { ownerId: number; name: string; url: string; secret: string }, now: number) {
  return (await db.insert(webhookEndpoints).values({ ...v, createdAt: now }).returning({ id: webhookEndpoints.id }))[0];
}

export async function disableEndpoint(db: Conn, id: number, now: number) {
  await db.update(webhookEndpoints).set({ active: false, disabledAt: now }).where(eq(webhookEndpoints.id, id));
}

export async function insertDelivery(db: Conn, v: { endpointId: number; event: string; certificationEventId: number | null; payload: string; now: number; giveUpAt: number }) {
  return (await db
    .insert(webhookDeliveries)
    .values({ endpointId: v.endpointId, event: v.event, certificationEventId: v.certificationEventId, payload: v.payload, nextAttemptAt: v.now, giveUpAt: v.giveUpAt, createdAt: v.now })
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id }))[0];
}

/** What a certification event says, for its webhook body. */
export async function certificationEventFacts(db: Conn, eventId: number) {
  return first(await db
    .select({ id: certificationEvents.id, labId: certificationEvents.labId, action: certificationEvents.action, toStatus: certificationEvents.toStatus, fromStatus: certificationEvents.fromStatus, effectiveOn: certificationEvents.effectiveOn, reason: certificationEvents.reason, at: certificationEvents.at, certificationId: certificationEvents.certificationId, labCode: laboratories.code, labName: laboratories.name, analyteCode: analytes.code, analyteName: analytes.nameEn, loinc: analytes.loinc, certificateNo: certifications.certificateNo, mark: certifications.mark, validTo: certifications.validTo })
    .from(certificationEvents)
    .innerJoin(laboratories, eq(laboratories.id, certificationEvents.labId))
    .innerJoin(analytes, eq(analytes.id, certificationEvents.analyteId))
    .leftJoin(certifications, and(eq(certifications.id, certificationEvents.certificationId), eq(certifications.labId, certificationEvents.labId)))
    .where(eq(certificationEvents.id, eventId)).limit(1));
}

/** Active endpoints of the active owners watching a lab. */
export async function endpointsWatchingLab(db: Conn, labId: number) {
  return await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .innerJoin(users, eq(users.id, webhookEndpoints.ownerId))
    .where(and(eq(webhookEndpoints.active, true), eq(users.active, true), sql`${webhookEndpoints.ownerId} IN (${watchersOfLab(labId)})`));
}

/** Deliveries of an owner's endpoints, newest first, with their attempts. */
export async function listDeliveries(db: Conn, ownerId: number, limit = 50) {
  const rows = await db
    .select({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId, endpointName: webhookEndpoints.name, event: webhookDeliveries.event, status: webhookDeliveries.status, attempts: webhookDeliveries.attempts, nextAttemptAt: webhookDeliveries.nextAttemptAt, lastStatusCode: webhookDeliveries.lastStatusCode, lastError: webhookDeliveries.lastError, deliveredAt: webhookDeliveries.deliveredAt, createdAt: webhookDeliveries.createdAt, payload: webhookDeliveries.payload })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookEndpoints.ownerId, ownerId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
  const ids = rows.map((r) => r.id);
  const attempts = ids.length ? await db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, ids)).orderBy(asc(webhookAttempts.at), asc(webhookAttempts.id)) : [];
  return rows.map((r) => ({ ...r, attemptLog: attempts.filter((a) => a.deliveryId === r.id) }));
}

/**
 * Lease up to `limit` due deliveries for `owner` until `leaseUntil`: one UPDATE … RETURNING, so two
 * dispatchers (two app instances on one database) never hold the same row — SQLite runs the
 * statement under its write lock, and a leased row is not due again until its lease ends (PostgreSQL:
 * leaseDueDeliveriesPg, FOR UPDATE SKIP LOCKED).
 */
export async function leaseDueDeliveries(db: Conn, owner: string, now: number, leaseUntil: number, limit: number) {
  if (dialectOf(db) === 'pg') return await leaseDueDeliveriesPg(db, owner, now, leaseUntil, limit);
  return await db
    .update(webhookDeliveries)
    .set({ leaseOwner: owner, leaseUntil })
    .where(
      inArray(
        webhookDeliveries.id,
        db
          .select({ id: webhookDeliveries.id })
          .from(webhookDeliveries)
          .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now), or(isNull(webhookDeliveries.leaseUntil), lte(webhookDeliveries.leaseUntil, now))))
          .orderBy(asc(webhookDeliveries.nextAttemptAt))
          .limit(limit),
      ),
    )
    .returning({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId, payload: webhookDeliveries.payload, attempts: webhookDeliveries.attempts, giveUpAt: webhookDeliveries.giveUpAt, createdAt: webhookDeliveries.createdAt });
}

/** Record one attempt of a leased delivery and its next state (only while `owner` holds the lease). */
export async function finishAttempt(
  db: Conn,
  d: { id: number; owner: string; at: number; statusCode: number | null; durationMs: number; error: string | null; status: 'pending' | 'delivered' | 'failed'; nextAttemptAt: number; attempts: number },
): Promise<boolean> {
  return await withTx(db, async (tx) => {
    const changed = affectedRows(await tx
      .update(webhookDeliveries)
      .set({ status: d.status, attempts: d.attempts, nextAttemptAt: d.nextAttemptAt, lastStatusCode: d.statusCode, lastError: d.error, deliveredAt: d.status === 'delivered' ? d.at : null, leaseOwner: null, leaseUntil: null })
      .where(and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.leaseOwner, d.owner))));
    if (changed) await tx.insert(webhookAttempts).values({ deliveryId: d.id, at: d.at, statusCode: d.statusCode, durationMs: d.durationMs, error: d.error });
    return changed > 0;
  });
}

export async function findDelivery(db: Conn, id: number) {
  return first(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1));
}

export async function attemptsOf(db: Conn, deliveryId: number) {
  return await db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId)).orderBy(asc(webhookAttempts.at), asc(webhookAttempts.id));
}

export async function findUserEmail(db: Conn, id: number) {
  return first(await db.select({ email: users.email }).from(users).where(eq(users.id, id)).limit(1))?.email ?? null;
}
