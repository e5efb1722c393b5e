// Certifications of lab × analyte pairs and their event history (recognition decisions).
import { and, asc, desc, eq, gte, inArray, like, lt, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { enqueueCertificationWebhooks } from './webhook-outbox';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { analytes, certificateNumbers, certificationEvents, certifications, laboratories, regions } from '../schema';
import type { CertificationAction, CertificationStatus } from '../enums';
import { dialectOf, first } from '@/db/dialect';
import { lockAppendOrder } from '@/db/pg/audit-chain';

export async function findLiveCertification(db: Conn, labId: number, analyteId: number) {
  return first(await db
    .select()
    .from(certifications)
    .where(and(eq(certifications.labId, labId), eq(certifications.analyteId, analyteId), inArray(certifications.status, ['active', 'suspended']))).limit(1));
}

/** The pair's most recent certification whatever its status (revoked and expired ones included). */
export async function findLatestCertification(db: Conn, labId: number, analyteId: number) {
  return first(await db
    .select()
    .from(certifications)
    .where(and(eq(certifications.labId, labId), eq(certifications.analyteId, analyteId)))
    .orderBy(desc(certifications.id))
    .limit(1));
}

export async function findCertificationById(db: Conn, id: number) {
  return first(await db.select().from(certifications).where(eq(certifications.id, id)).limit(1));
}

/**
 * The largest certificate number with this prefix (numbers are zero-padded, so text order works).
 * Read as the last entry of the unique index below the prefix's end: a LIKE alone is no index range
 * on either backend (SQLite's is case-insensitive, PostgreSQL's needs the C collation, not C.UTF-8),
 * so max() walked the index back past every later region's numbers, millions at national scale.
 */
export async function maxCertificateNo(db: Conn, prefix: string): Promise<string | undefined> {
  // every text starting with the prefix sorts before the prefix with its last character incremented
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return first(await db
    .select({ no: certifications.certificateNo })
    .from(certifications)
    .where(and(gte(certifications.certificateNo, prefix), lt(certifications.certificateNo, end), like(certifications.certificateNo, `${prefix}%`)))
    .orderBy(desc(certifications.certificateNo))
    .limit(1))?.no ?? undefined;
}

/** A new certification, its number registered in certificate_numbers (unique across labs). */
export async function insertCertification(db: Conn, values: typeof certifications.$inferInsert) {
  // PostgreSQL: ids in commit order, the verify index's change stamp (db/pg/audit-chain.ts)
  if (dialectOf(db) === 'pg') await lockAppendOrder(db);
  const cert = (await db.insert(certifications).values(values).returning())[0];
  await db.insert(certificateNumbers).values({ certificateNo: cert.certificateNo, labId: cert.labId, certificationId: cert.id });
  return cert;
}

export async function updateCertification(db: Conn, id: number, set: Partial<typeof certifications.$inferInsert>) {
  await db.update(certifications).set(set).where(eq(certifications.id, id));
}

export async function insertCertificationEvent(
  db: Conn,
  e: {
    certificationId: number | null;
    labId: number;
    analyteId: number;
    action: CertificationAction;
    fromStatus: CertificationStatus | null;
    toStatus: CertificationStatus | null;
    effectiveOn: string;
    reason: string;
    actorId: number | null;
    at: number;
  },
) {
  if (dialectOf(db) === 'pg') await lockAppendOrder(db);
  const row = (await db.insert(certificationEvents).values(e).returning())[0];
  // the webhooks of hospitals watching the lab: outbox rows in this same transaction, sent later
  await enqueueCertificationWebhooks(db, row, e.at);
  return row;
}

/** The latest effective day among a certification's status events (new decisions cannot precede it). */
export async function lastEffectiveDay(db: Conn, certificationId: number): Promise<string | undefined> {
  return (
    first(await db
      .select({ d: sql<string | null>`max(${certificationEvents.effectiveOn})` })
      .from(certificationEvents)
      .where(eq(certificationEvents.certificationId, certificationId)).limit(1))?.d ?? undefined
  );
}

export async function listCertificationEvents(db: Conn, certificationId: number) {
  return await db
    .select()
    .from(certificationEvents)
    .where(eq(certificationEvents.certificationId, certificationId))
    .orderBy(asc(certificationEvents.effectiveOn), asc(certificationEvents.id));
}

/** Live certifications whose window ended before `today` (for the expiry sweep). */
export async function certificationsPastValidity(db: Conn, today: string, scope: DataScope) {
  return await db
    .select({ id: certifications.id, labId: certifications.labId, analyteId: certifications.analyteId, status: certifications.status, validTo: certifications.validTo, regionId: laboratories.regionId })
    .from(certifications)
    .innerJoin(laboratories, eq(laboratories.id, certifications.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(
      and(
        inArray(certifications.status, ['active', 'suspended']),
        sql`${certifications.validTo} < ${today}`,
        scopeWhere(scope, laboratories.id, regions.path),
      ),
    );
}

/** Active, not yet flagged certifications of these lab × analyte pairs. */
export async function activeUnflaggedCertifications(db: Conn, pairs: { labId: number; analyteId: number }[]) {
  if (!pairs.length) return [];
  const labIds = [...new Set(pairs.map((p) => p.labId))];
  const want = new Set(pairs.map((p) => `${p.labId}:${p.analyteId}`));
  return (await db
    .select({ id: certifications.id, labId: certifications.labId, analyteId: certifications.analyteId, status: certifications.status, regionId: laboratories.regionId })
    .from(certifications)
    .innerJoin(laboratories, eq(laboratories.id, certifications.labId))
    .where(and(inArray(certifications.labId, labIds), eq(certifications.status, 'active'), eq(certifications.flagged, false))))
    .filter((c) => want.has(`${c.labId}:${c.analyteId}`));
}

/** Active certifications of inactive labs, or of the labs given (certifications_lab_analyte_idx per
 * lab): what a lab's deactivation suspends, and what db:migrate suspends for labs deactivated before
 * deactivation did so. */
export async function activeCertificationsOfInactiveLabs(db: Conn, labIds?: readonly number[]) {
  return await db
    .select({ id: certifications.id, labId: certifications.labId, analyteId: certifications.analyteId, status: certifications.status, certificateNo: certifications.certificateNo, regionId: laboratories.regionId })
    .from(laboratories)
    .innerJoin(certifications, eq(certifications.labId, laboratories.id))
    .where(and(eq(laboratories.active, false), labIds ? inArray(laboratories.id, [...labIds]) : undefined, eq(certifications.status, 'active')))
    .orderBy(asc(certifications.id));
}

/** Every certification of a lab (newest first), with its analyte: the regulator's and the lab's view. */
export async function listCertificationsForLab(db: Conn, labId: number) {
  return await db
    .select({
      id: certifications.id,
      analyteId: analytes.id,
      analyteCode: analytes.code,
      analyteNameEn: analytes.nameEn,
      analyteNameZh: analytes.nameZh,
      scope: certifications.scope,
      mark: certifications.mark,
      certificateNo: certifications.certificateNo,
      status: certifications.status,
      validFrom: certifications.validFrom,
      validTo: certifications.validTo,
      flagged: certifications.flagged,
    })
    .from(certifications)
    .innerJoin(analytes, eq(analytes.id, certifications.analyteId))
    .where(eq(certifications.labId, labId))
    .orderBy(asc(analytes.code), desc(certifications.validFrom));
}
