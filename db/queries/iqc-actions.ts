// Corrective actions of rejected IQC runs: the lab's list, one action, its resolution. The engine
// opens, moves and withdraws them through the ingest statements (./iqc-ingest.ts).
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { analytes, correctiveActions, iqcRuns, users } from '../schema';

export function actionsInRange(db: Conn, labId: number, analyteId: number, from: number, to: number) {
  return db
    .select({ id: correctiveActions.id, runId: correctiveActions.runId, status: correctiveActions.status, cause: correctiveActions.cause, action: correctiveActions.action })
    .from(correctiveActions)
    .innerJoin(iqcRuns, eq(iqcRuns.id, correctiveActions.runId))
    .where(and(eq(correctiveActions.labId, labId), eq(correctiveActions.analyteId, analyteId), gte(iqcRuns.measuredAt, from), lt(iqcRuns.measuredAt, to)))
    .all();
}

/** Corrective actions of a lab (open ones first, newest first). */
export function listCorrectiveActions(db: Conn, labId: number, opts: { status?: 'open' | 'resolved'; limit?: number } = {}) {
  return db
    .select({
      id: correctiveActions.id,
      runId: correctiveActions.runId,
      status: correctiveActions.status,
      openedAt: correctiveActions.openedAt,
      cause: correctiveActions.cause,
      action: correctiveActions.action,
      outcome: correctiveActions.outcome,
      resolvedAt: correctiveActions.resolvedAt,
      resolvedBy: users.name,
      analyte: analytes.code,
      analyteNameEn: analytes.nameEn,
      analyteNameZh: analytes.nameZh,
      measuredAt: iqcRuns.measuredAt,
      instrument: iqcRuns.instrument,
    })
    .from(correctiveActions)
    .innerJoin(iqcRuns, eq(iqcRuns.id, correctiveActions.runId))
    .innerJoin(analytes, eq(analytes.id, correctiveActions.analyteId))
    .leftJoin(users, eq(users.id, correctiveActions.resolvedBy))
    .where(and(eq(correctiveActions.labId, labId), opts.status ? eq(correctiveActions.status, opts.status) : undefined))
    .orderBy(desc(sql`${correctiveActions.status} = 'open'`), desc(correctiveActions.openedAt), desc(correctiveActions.id))
    .limit(opts.limit ?? 200)
    .all();
}

export function findCorrectiveAction(db: Conn, id: number) {
  return db.select().from(correctiveActions).where(eq(correctiveActions.id, id)).get();
}

export function resolveCorrectiveActionRow(db: Conn, id: number, v: { cause: string; action: string; outcome: string; resolvedBy: number; resolvedAt: number }) {
  return db
    .update(correctiveActions)
    .set({ ...v, status: 'resolved' })
    .where(and(eq(correctiveActions.id, id), eq(correctiveActions.status, 'open')))
    .run().changes;
}
