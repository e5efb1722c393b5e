// Corrective actions of rejected IQC runs: the lab's list (whole or paged), one action, its
// resolution. The engine opens, moves and withdraws them through the ingest statements (./iqc-ingest.ts).
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { analytes, correctiveActions, iqcRuns, users } from '../schema';
import { scopeWhere } from './scope';
import { pageOf, textFilter, type PageRequest } from './paging';
import { affectedRows, first } from '@/db/dialect';

const actionCols = {
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
};

/** The actions (with their run, test and resolver) that match `cond`, for the chosen columns. */
function actionsWhere(db: Conn, cond: SQL | undefined) {
  return (cols: Record<string, unknown>) =>
    db
      .select(cols as never)
      .from(correctiveActions)
      .innerJoin(iqcRuns, eq(iqcRuns.id, correctiveActions.runId))
      .innerJoin(analytes, eq(analytes.id, correctiveActions.analyteId))
      .leftJoin(users, eq(users.id, correctiveActions.resolvedBy))
      .where(cond);
}

type ActionRow = { [K in keyof typeof actionCols]: (typeof actionCols)[K]['_']['data'] };

/** Corrective actions of a lab (open ones first, newest first). */
export async function listCorrectiveActions(db: Conn, labId: number, opts: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<ActionRow[]> {
  return await actionsWhere(db, and(eq(correctiveActions.labId, labId), opts.status ? eq(correctiveActions.status, opts.status) : undefined))(actionCols)
    .orderBy(desc(sql`${correctiveActions.status} = 'open'`), desc(correctiveActions.openedAt), desc(correctiveActions.id))
    .limit(opts.limit ?? 200) as unknown as ActionRow[];
}

export const ACTION_SORTS = ['opened', 'status'] as const;
export type ActionSort = (typeof ACTION_SORTS)[number];

/** One page of a lab's corrective actions (scope in SQL), filtered by status and text (test code,
 * cause, action), sorted by when they were opened (corrective_actions_lab_opened_idx) or by
 * status, then opened (corrective_actions_lab_status_idx). */
export async function pageCorrectiveActions(db: Conn, scope: DataScope, f: { labId: number; status?: 'open' | 'resolved' }, req: PageRequest<ActionSort>) {
  const cond = and(
    eq(correctiveActions.labId, f.labId),
    scopeWhere(scope, correctiveActions.labId, sql`(SELECT r.path FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.id = ${correctiveActions.labId})`),
    f.status ? eq(correctiveActions.status, f.status) : undefined,
    textFilter(req.q, [analytes.code, correctiveActions.cause, correctiveActions.action]),
  );
  const sorts: Record<ActionSort, unknown[]> = { opened: [correctiveActions.openedAt, correctiveActions.id], status: [correctiveActions.status, correctiveActions.openedAt, correctiveActions.id] };
  return pageOf(actionsWhere(db, cond), actionCols, sorts, req);
}

export async function findCorrectiveAction(db: Conn, id: number) {
  return first(await db.select().from(correctiveActions).where(eq(correctiveActions.id, id)).limit(1));
}

export async function resolveCorrectiveActionRow(db: Conn, id: number, v: { cause: string; action: string; outcome: string; resolvedBy: number; resolvedAt: number }) {
  return affectedRows(await db
    .update(correctiveActions)
    .set({ ...v, status: 'resolved' })
    .where(and(eq(correctiveActions.id, id), eq(correctiveActions.status, 'open'))));
}
