// The audit log viewer: the admin reads everything, a regulator only entries about labs and regions
// of their jurisdiction, page by page; other roles are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, type TestDb, sqlRows } from '../support/db';
import { regionScope, type Actor } from '@/lib/auth/core';
import { actorForUserId } from '@/lib/auth/resolve';
import { findActorRowByEmail } from '@/db/queries/actors';
import { readAuditLog, AUDIT_PAGE_SIZE } from '@/lib/services/audit';
import { findLabByCode } from '@/db/queries/labs';
import { listRegions } from '@/db/queries/regions';
import { updateRegion } from '@/lib/services/regions';
import { AppError } from '@/lib/errors';
import { listAuditActions } from '@/db/queries/audit-view';
import { sqlitePlans } from '../support/sqlite-plans';

let t: TestDb & { admin: Actor; regulators: Record<'gd' | 'sz' | 'zj', Actor>; labManagers: Map<string, Actor> };

beforeAll(async () => {
  t = await createSeededTestDb();
  await updateRegion(t.db, t.admin, { code: '330200', name: '宁波市', nameEn: 'Ningbo City', reason: 'official name' });
});
afterAll(() => t.close());

async function inScope(regionPath: string) {
  const regionIds = new Set((await listRegions(t.db, regionScope(regionPath))).map((r) => r.id));
  const paths = new Map((await sqlRows<{ id: number; path: string }>(t.db, 'select l.id, r.path from laboratories l join regions r on r.id = l.region_id')).map((r) => [r.id, r.path]));
  return (e: { labId: number | null; regionId: number | null }) => {
    if (e.labId != null) return paths.get(e.labId)!.startsWith(regionPath);
    return e.regionId != null && regionIds.has(e.regionId);
  };
}

describe('audit log', () => {
  it('the admin reads every entry, newest first, a page at a time', async () => {
    const p1 = await readAuditLog(t.db, t.admin, {});
    const p2 = await readAuditLog(t.db, t.admin, { page: '2' });
    expect(p1.entries).toHaveLength(AUDIT_PAGE_SIZE);
    expect(p1.hasNext).toBe(true);
    expect(p2.entries[0].id).toBeLessThan(p1.entries.at(-1)!.id);
    expect(p1.actions).toEqual(expect.arrayContaining(['lab.create', 'user.create', 'region.update']));
  });

  it('the action filter lists each action of the log once, in order (SQLite: one index seek per action, not a read of the whole log)', async () => {
    // what DISTINCT over the whole log answers, in the database's own order
    const want = (await sqlRows<{ action: string }>(t.db, 'SELECT DISTINCT action FROM audit_log ORDER BY action')).map((r) => r.action);
    expect(want.length).toBeGreaterThan(5);
    expect((await readAuditLog(t.db, t.admin, {})).actions).toEqual(want);
    if (t.backend !== 'sqlite') return; // PostgreSQL plans by its own statistics
    const plans = await sqlitePlans(t.db, /audit_log/, () => listAuditActions(t.db));
    expect(plans).toHaveLength(1);
    expect(plans[0].filter((d) => /^(SEARCH|SCAN) (audit_log|x)\b/.test(d))).toEqual([expect.stringMatching(/^SEARCH (audit_log|x) USING COVERING INDEX audit_action_idx/), expect.stringMatching(/^SEARCH (audit_log|x) USING COVERING INDEX audit_action_idx \(action>\?\)/)]);
  });

  it.each([
    ['Zhejiang', 'zj', '/100000/330000/'],
    ['Shenzhen', 'sz', '/100000/440000/440300/'],
  ] as const)('the %s regulator sees only entries of their jurisdiction', async (_name, key, path) => {
    const all = [];
    for (let page = 1; ; page++) {
      const p = await readAuditLog(t.db, t.regulators[key], { page });
      all.push(...p.entries);
      if (!p.hasNext) break;
    }
    expect(all.length).toBeGreaterThan(0);
    expect(all.every(await inScope(path))).toBe(true);
  });

  it('a regulator\'s pages are every entry of the jurisdiction, newest first (SQLite: walked newest first by audit_at_idx, not gathered per lab and sorted)', async () => {
    const regulator = t.regulators.gd;
    const pages = [];
    for (let page = 1; ; page++) {
      const p = await readAuditLog(t.db, regulator, { page });
      pages.push(...p.entries.map((e) => e.id));
      if (!p.hasNext) break;
    }
    const within = await inScope('/100000/440000/');
    const all = await sqlRows<{ id: number; labId: number | null; regionId: number | null }>(t.db, 'SELECT id, lab_id AS "labId", region_id AS "regionId" FROM audit_log ORDER BY at DESC, id DESC');
    expect(pages).toEqual(all.filter((e) => within({ labId: e.labId === null ? null : Number(e.labId), regionId: e.regionId === null ? null : Number(e.regionId) })).map((e) => Number(e.id)));
    if (t.backend !== 'sqlite') return; // PostgreSQL plans by its own statistics
    const [plan] = await sqlitePlans(t.db, /from "audit_log"/, () => readAuditLog(t.db, regulator, {}));
    expect(plan[0]).toBe('SCAN audit_log USING INDEX audit_at_idx');
    expect(plan.some((d) => d.includes('TEMP B-TREE'))).toBe(false);
  });

  it('a page past the last says how many entries there are (its number invented 49 pages of them)', async () => {
    const all = await sqlRows<{ n: number }>(t.db, `SELECT count(*) AS n FROM audit_log WHERE action = 'lab.create'`);
    const past = await readAuditLog(t.db, t.admin, { page: '50', action: 'lab.create' });
    expect(past.entries).toEqual([]);
    expect(past.total).toBe(Number(all[0].n));
    // within the log, the total is what the pages so far hold (the log is not counted for every page)
    const first = await readAuditLog(t.db, t.admin, { action: 'lab.create' });
    expect(first.total).toBe(first.entries.length);
  });

  it('filters by action', async () => {
    const p = await readAuditLog(t.db, t.regulators.zj, { action: 'region.update' });
    expect(p.entries.map((e) => e.action)).toEqual(['region.update']);
    expect((await readAuditLog(t.db, t.regulators.gd, { action: 'region.update' })).entries).toEqual([]);
  });

  it('a Guangzhou lab’s entries are not visible to Zhejiang', async () => {
    const gz1 = (await findLabByCode(t.db, 'GZ-001'))!.lab.id;
    const p = await readAuditLog(t.db, t.regulators.zj, { action: 'lab.create', page: 1 });
    expect(p.entries.some((e) => e.labId === gz1)).toBe(false);
  });

  it.each([
    ['a lab manager', () => t.labManagers.get('GZ-001')!],
    ['a hospital', async () => (await actorForUserId(t.db, (await findActorRowByEmail(t.db, 'hospital@demo.labqc'))!.id))!],
  ])('%s cannot read the audit log', async (_who, actor) => {
    await expect(async () => await readAuditLog(t.db, await actor(), {})).rejects.toThrow(AppError);
  });
});
