// Reading the audit log page by page, scoped in SQL to a jurisdiction: entries about labs of the
// region subtree, and entries about regions of it that name no lab.
import { and, count, desc, eq, getTableColumns, isNull, like, or, sql, type SQL } from 'drizzle-orm';
import { rawAll } from '../dialect';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { auditLog, laboratories, regions } from '../schema';

export interface AuditPageFilter {
  /** the reader's scope: all (admin), a region subtree (regulator), one lab, or none */
  scope: DataScope;
  action?: string;
  /** entries whose action starts with this prefix (e.g. `lab.`) */
  actionPrefix?: string;
  page: number;
  pageSize: number;
}

export async function listAuditPage(db: Conn, f: AuditPageFilter) {
  const conds: (SQL | undefined)[] = [];
  if (f.scope.kind === 'region') {
    const labIds = db
      .select({ id: laboratories.id })
      .from(laboratories)
      .innerJoin(regions, eq(regions.id, laboratories.regionId))
      .where(scopeWhere(f.scope, laboratories.id, regions.path));
    const regionIds = db.select({ id: regions.id }).from(regions).where(scopeWhere(f.scope, null, regions.path));
    // `+column`: a filter, never an index. By audit_lab_idx SQLite gathered every entry of every lab
    // of the jurisdiction (a province's years of them) and sorted them for one page; newest first
    // by audit_at_idx it stops at the page's end
    conds.push(or(sql`+${auditLog.labId} IN ${labIds}`, and(isNull(auditLog.labId), sql`+${auditLog.regionId} IN ${regionIds}`)));
  } else {
    conds.push(scopeWhere(f.scope, auditLog.labId, null));
  }
  if (f.action) conds.push(eq(auditLog.action, f.action));
  else if (f.actionPrefix) conds.push(like(auditLog.action, `${f.actionPrefix.replace(/[%_]/g, '')}%`));
  // one row more than a page tells whether a next page exists, without counting the whole log
  // the lab an entry is about, by its code (a decision's row names the pair's lab only by id)
  const rows = await db
    .select({ ...getTableColumns(auditLog), labCode: laboratories.code })
    .from(auditLog)
    .leftJoin(laboratories, eq(laboratories.id, auditLog.labId))
    .where(and(...conds))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(f.pageSize + 1)
    .offset((f.page - 1) * f.pageSize);
  // a page past the last (an old link, a typed ?page=): counted then, and only then, so the page says
  // how many entries there are instead of inventing them from its number
  const pastEnd = !rows.length && f.page > 1 ? Number((await db.select({ n: count() }).from(auditLog).where(and(...conds)))[0].n) : undefined;
  return { entries: rows.slice(0, f.pageSize), hasNext: rows.length > f.pageSize, ...(pastEnd !== undefined ? { total: pastEnd } : {}) };
}

/** The distinct actions of the log (for the filter), alphabetically: one seek of audit_action_idx per
 * action (a few dozen), where DISTINCT read every row of the log (millions a year) on each page load. */
export async function listAuditActions(db: Conn): Promise<string[]> {
  const rows = await rawAll<{ action: string | null }>(db, sql`
    WITH RECURSIVE a(action) AS (
      SELECT (SELECT min(action) FROM audit_log)
      UNION ALL
      SELECT (SELECT min(x.action) FROM audit_log x WHERE x.action > a.action) FROM a WHERE a.action IS NOT NULL
    )
    SELECT action FROM a WHERE action IS NOT NULL`);
  return rows.map((r) => r.action!);
}
