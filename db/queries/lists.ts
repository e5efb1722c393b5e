// Paged lists of the registry (labs, accounts): one page of rows plus the count that matches, scoped
// by the reader's DataScope in SQL, sorted by keys with an index behind them (labs_code_uq,
// labs_name_idx, regions_path_idx; users_email_uq, users_role_name_idx).
import { and, eq, like, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { analytes, correctiveActions, iqcRuns, laboratories, regions, users, type Laboratory } from '../schema';
import type { Role } from '../enums';
import { scopeWhere } from './scope';
import { limitOffset, orderFor, textFilter, type Page, type PageRequest } from './paging';

export const LAB_SORTS = ['city', 'code', 'name'] as const;
export type LabSort = (typeof LAB_SORTS)[number];

const labCols = {
  id: laboratories.id,
  code: laboratories.code,
  name: laboratories.name,
  nameEn: laboratories.nameEn,
  level: laboratories.level,
  active: laboratories.active,
  regionCode: regions.code,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
};
type LabRow = { [K in keyof typeof labCols]: (typeof labCols)[K]['_']['data'] };

/** One page of the labs in a scope, filtered by city, level, activity and text (code or names). */
export function pageLabs(
  db: Conn,
  scope: DataScope,
  f: { regionCode?: string; level?: string; activeOnly?: boolean },
  req: PageRequest<LabSort>,
): Page<LabRow> {
  const cond = and(
    scopeWhere(scope, laboratories.id, regions.path),
    f.regionCode ? like(regions.path, `%/${f.regionCode}/%`) : undefined,
    f.activeOnly ? eq(laboratories.active, true) : undefined,
    f.level ? eq(laboratories.level, f.level as Laboratory['level']) : undefined,
    textFilter(req.q, [laboratories.code, laboratories.name, laboratories.nameEn]),
  );
  const q = <S extends Record<string, unknown>>(s: S) =>
    db
      .select(s as never)
      .from(laboratories)
      .innerJoin(regions, eq(regions.id, laboratories.regionId))
      .where(cond);
  const sorts: Record<LabSort, unknown[]> = { city: [regions.path, laboratories.code], code: [laboratories.code], name: [laboratories.name, laboratories.code] };
  const { limit, offset } = limitOffset(req);
  return {
    rows: q(labCols).orderBy(...orderFor(sorts, req)).limit(limit).offset(offset).all() as unknown as LabRow[],
    total: count(q({ n: sql<number>`count(*)` }).get()),
  };
}

export const USER_SORTS = ['lab', 'name', 'email'] as const;
export type UserSort = (typeof USER_SORTS)[number];

const userCols = {
  id: users.id,
  name: users.name,
  email: users.email,
  active: users.active,
  labCode: laboratories.code,
  regionCode: regions.code,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
};
type UserRow = { [K in keyof typeof userCols]: (typeof userCols)[K]['_']['data'] };

/** One page of the accounts of a role in a scope (lab managers by their lab, regulators by their region). */
export function pageUsers(db: Conn, scope: DataScope, role: Role, req: PageRequest<UserSort>): Page<UserRow> {
  const cond = and(eq(users.role, role), scopeWhere(scope, users.labId, regions.path), textFilter(req.q, [users.email, users.name, laboratories.code]));
  const q = <S extends Record<string, unknown>>(s: S) =>
    db
      .select(s as never)
      .from(users)
      .leftJoin(laboratories, eq(laboratories.id, users.labId))
      .leftJoin(regions, eq(regions.id, sql`coalesce(${users.regionId}, ${laboratories.regionId})`))
      .where(cond);
  const sorts: Record<UserSort, unknown[]> = { lab: [regions.path, laboratories.code, users.email], name: [users.name, users.email], email: [users.email] };
  const { limit, offset } = limitOffset(req);
  return {
    rows: q(userCols).orderBy(...orderFor(sorts, req)).limit(limit).offset(offset).all() as unknown as UserRow[],
    total: count(q({ n: sql<number>`count(*)` }).get()),
  };
}

export const count = (r: unknown) => (r as { n: number } | undefined)?.n ?? 0;

export const ACTION_SORTS = ['opened', 'status'] as const;
export type ActionSort = (typeof ACTION_SORTS)[number];

/** One page of a lab's corrective actions (scope in SQL), filtered by status and text (test code,
 * cause, action), sorted by when they were opened (corrective_actions_lab_opened_idx) or by
 * status, then opened (corrective_actions_lab_status_idx). */
export function pageCorrectiveActions(db: Conn, scope: DataScope, f: { labId: number; status?: 'open' | 'resolved' }, req: PageRequest<ActionSort>) {
  const cond = and(
    eq(correctiveActions.labId, f.labId),
    scopeWhere(scope, correctiveActions.labId, sql`(SELECT r.path FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE l.id = ${correctiveActions.labId})`),
    f.status ? eq(correctiveActions.status, f.status) : undefined,
    textFilter(req.q, [analytes.code, correctiveActions.cause, correctiveActions.action]),
  );
  const q = <S extends Record<string, unknown>>(s: S) =>
    db
      .select(s as never)
      .from(correctiveActions)
      .innerJoin(iqcRuns, eq(iqcRuns.id, correctiveActions.runId))
      .innerJoin(analytes, eq(analytes.id, correctiveActions.analyteId))
      .leftJoin(users, eq(users.id, correctiveActions.resolvedBy))
      .where(cond);
  const sorts: Record<ActionSort, unknown[]> = { opened: [correctiveActions.openedAt, correctiveActions.id], status: [correctiveActions.status, correctiveActions.openedAt] };
  const { limit, offset } = limitOffset(req);
  return {
    rows: q(actionCols).orderBy(...orderFor(sorts, req)).limit(limit).offset(offset).all() as unknown as ActionRow[],
    total: count(q({ n: sql<number>`count(*)` }).get()),
  } satisfies Page<ActionRow>;
}

const actionCols = {
  id: correctiveActions.id,
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
type ActionRow = { [K in keyof typeof actionCols]: (typeof actionCols)[K]['_']['data'] };
