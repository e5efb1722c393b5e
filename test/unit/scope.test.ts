// Access scope decided once (issue 11): each kind of actor gets one DataScope, and that scope is
// the only thing the list and read queries filter by. Expected values are written by hand from the
// role definitions in DOMAIN.md (admin national, regulator its region's subtree, lab manager its
// lab, hospital and anonymous visitors no rows) — not derived from scopeOf itself.
import { describe, expect, it } from 'vitest';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { ALL_DATA, NO_DATA, regionScope, scopeIncludes, scopeOf, type DataScope } from '@/lib/auth/core';
import { scopeClause, scopeWhere } from '@/db/queries/scope';
import { roundState } from '@/lib/services/eqa/access';
import { fakeActor } from '../support/db';

const GD = '/100000/440000/';
const GZ = '/100000/440000/440100/';
const SZ = '/100000/440000/440300/';
const ZJ = '/100000/330000/330100/';

describe('scopeOf: one data scope per actor', () => {
  it.each<[string, Parameters<typeof fakeActor>[0] | null, DataScope]>([
    ['an administrator reads everything', { role: 'admin' }, { kind: 'all' }],
    ['an administrator bound to a region still reads everything', { role: 'admin', regionPath: GD }, { kind: 'all' }],
    ['a provincial regulator reads its province subtree', { role: 'regulator', regionPath: GD }, { kind: 'region', path: GD }],
    ['a city regulator reads its city subtree', { role: 'regulator', regionPath: SZ }, { kind: 'region', path: SZ }],
    ['a regulator without a region reads nothing', { role: 'regulator', regionPath: null }, { kind: 'none' }],
    ['a lab manager reads its own lab', { role: 'lab_manager', labId: 7, regionPath: GZ }, { kind: 'lab', labId: 7 }],
    ['a lab manager without a lab reads nothing', { role: 'lab_manager', labId: null }, { kind: 'none' }],
    ['a hospital account reads no lab data', { role: 'hospital', regionPath: GD }, { kind: 'none' }],
    ['nobody signed in reads no lab data', null, { kind: 'none' }],
  ])('%s', (_title, over, expected) => {
    expect(scopeOf(over ? fakeActor(over) : null)).toEqual(expected);
  });
});

describe('scopeIncludes: whether a lab or a region lies inside a scope', () => {
  const gzLab7 = { labId: 7, regionPath: GZ };
  const gzLab8 = { labId: 8, regionPath: GZ };
  const szLab = { labId: 9, regionPath: SZ };
  const zjLab = { labId: 10, regionPath: ZJ };
  it.each<[string, DataScope, { labId?: number | null; regionPath: string }, boolean]>([
    ['all includes a lab anywhere', ALL_DATA, zjLab, true],
    ['a province includes a lab of one of its cities', regionScope(GD), szLab, true],
    ['a province excludes a lab of another province', regionScope(GD), zjLab, false],
    ['a city excludes a lab of a sibling city', regionScope(SZ), gzLab7, false],
    ['a city includes the city itself (a region resource)', regionScope(SZ), { regionPath: SZ }, true],
    ['a city excludes its province (a region resource above it)', regionScope(SZ), { regionPath: GD }, false],
    ['a lab scope includes the lab', { kind: 'lab', labId: 7 }, gzLab7, true],
    ['a lab scope excludes another lab of the same city', { kind: 'lab', labId: 7 }, gzLab8, false],
    ['a lab scope excludes a region resource, even its own city', { kind: 'lab', labId: 7 }, { regionPath: GZ }, false],
    ['none includes nothing', NO_DATA, gzLab7, false],
  ])('%s', (_title, scope, resource, expected) => {
    expect(scopeIncludes(scope, resource)).toBe(expected);
  });
});

describe('scopeWhere and scopeClause: the same scope as SQL', () => {
  const dialect = new SQLiteSyncDialect();
  const render = (scope: DataScope) => {
    const q = dialect.sqlToQuery(scopeWhere(scope, sql.raw('l.id'), sql.raw('r.path')));
    return { sql: q.sql, params: q.params };
  };
  it.each<[string, DataScope, string, unknown[]]>([
    ['all is no restriction', ALL_DATA, '1 = 1', []],
    ['a region is a prefix match on the path', regionScope(GD), "r.path LIKE ? ESCAPE '\\'", [`${GD}%`]],
    ['a lab is its id', { kind: 'lab', labId: 7 }, 'l.id = ?', [7]],
    ['none matches no row', NO_DATA, '1 = 0', []],
  ])('%s', (_title, scope, text, params) => {
    expect(render(scope)).toEqual({ sql: text, params });
    expect(scopeClause(scope, 'l.id', 'r.path')).toEqual({ clause: text, params });
  });

  it('a path holding LIKE wildcards matches them literally', () => {
    expect(scopeClause(regionScope('/1_0%/'), 'l.id', 'r.path').params).toEqual(['/1\\_0\\%/%']);
  });
});

describe('roundState: what a round allows at a moment (EQA service)', () => {
  const opensAt = Date.UTC(2026, 5, 1);
  const closesAt = Date.UTC(2026, 5, 21);
  const before = opensAt - 1;
  const during = opensAt + 86_400_000;
  const after = closesAt;
  it.each<[string, string, number, { status: string; shown: string; open: boolean; notYetOpen: boolean; allowedOperations: string[] }]>([
    ['a draft can only be opened', 'draft', during, { status: 'draft', shown: 'draft', open: false, notYetOpen: false, allowedOperations: ['open'] }],
    ['an open round before its opening time takes nothing yet, cannot be closed yet', 'open', before, { status: 'open', shown: 'notYetOpen', open: false, notYetOpen: true, allowedOperations: [] }],
    ['an open round between its times takes submissions', 'open', during, { status: 'open', shown: 'open', open: true, notYetOpen: false, allowedOperations: ['submit', 'close'] }],
    ['an open round at its closing time shows closed, can be evaluated', 'open', after, { status: 'closed', shown: 'closed', open: false, notYetOpen: false, allowedOperations: ['close', 'evaluate'] }],
    ['a closed round can be evaluated', 'closed', during, { status: 'closed', shown: 'closed', open: false, notYetOpen: false, allowedOperations: ['evaluate'] }],
    ['an evaluated round can be re-evaluated or published', 'evaluated', after, { status: 'evaluated', shown: 'evaluated', open: false, notYetOpen: false, allowedOperations: ['evaluate', 'publish'] }],
    ['a published round is frozen', 'published', after, { status: 'published', shown: 'published', open: false, notYetOpen: false, allowedOperations: [] }],
  ])('%s', (_title, status, now, expected) => {
    expect(roundState({ status, opensAt, closesAt }, now)).toEqual(expected);
  });

  it('a round closed before it opened (an earlier version allowed it) is not offered for evaluation', () => {
    expect(roundState({ status: 'closed', opensAt, closesAt: opensAt - 1 }, after).allowedOperations).toEqual([]);
  });
});
