// Lists that page on the server: the recognition queue one page at a time gives exactly the pairs of
// the whole (unpaged) queue, in the order asked, within the reader's scope; sorting, filtering and
// the count follow; labs and accounts page the same way. Expected values: the fixture's 7 eligible
// Guangdong labs × 2 tests (GZ-006 has no evidence; HZ-* are Zhejiang's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRun } from '@/test/support/db';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { recognitionQueuePage } from '@/lib/services/recognition/queue';
import { pageLabs } from '@/db/queries/lists';
import { scopeOf } from '@/lib/auth/scope';
import type { PageRequest } from '@/db/queries/paging';
import type { QueueSort } from '@/db/queries/recognition-queue';
import { NOW, addGoodEvidence, analyteId, labId } from './recognition-fixtures';
import { mapSeq } from '@/lib/async';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const req = (p: Partial<PageRequest<QueueSort>> = {}): PageRequest<QueueSort> => ({ page: 1, size: 50, sort: 'lab', dir: 'asc', q: '', ...p });
const key = (r: { labCode: string; analyteCode: string }) => `${r.labCode}:${r.analyteCode}`;

describe('paged lists', () => {
  let w: World;
  beforeAll(async () => {
    w = await createSeededTestDb();
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K', 'NA'], reason: 'list' }, { now: NOW });
    for (const code of ['GZ-001', 'GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'SZ-001', 'SZ-002', 'HZ-001', 'HZ-002']) {
      await addGoodEvidence(w.db, await labId(w.db, code), await analyteId(w.db, 'K'));
      await addGoodEvidence(w.db, await labId(w.db, code), await analyteId(w.db, 'NA'));
    }
    await computeEligibility(w.db, { now: NOW });
  });
  afterAll(() => w.close());

  const page = async (p: Partial<PageRequest<QueueSort>>, input = {}) => (await recognitionQueuePage(w.db, w.regulators.gd, input, { approve: req(p), review: req() }, { now: NOW })).toApprove;

  it('pages of 5 put together are the whole queue, sorted by lab then test, counted once', async () => {
    const whole = ['GZ-001', 'GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'SZ-001', 'SZ-002'].flatMap((lab) => [`${lab}:K`, `${lab}:NA`]);
    const pages = (await mapSeq([1, 2, 3], async (n) => await page({ page: n, size: 5 })));
    expect(pages.map((p) => p.rows.length)).toEqual([5, 5, 4]);
    expect(pages.every((p) => p.total === 14)).toBe(true);
    expect(pages.flatMap((p) => p.rows.map(key))).toEqual(whole);
    expect((await page({ page: 4, size: 5 })).rows).toEqual([]);
  });

  it('descending by lab reverses the lab order; by test puts every K before every NA', async () => {
    const labs = (await page({ dir: 'desc' })).rows.map((r) => r.labCode);
    expect(labs).toEqual([...labs].sort().reverse());
    const tests = (await page({ sort: 'analyte' })).rows.map((r) => r.analyteCode);
    expect(tests).toEqual([...Array(7).fill('K'), ...Array(7).fill('NA')]);
  });

  it('the filter text matches lab codes and test codes; the city filter and the scope hold', async () => {
    expect((await page({ q: 'SZ-' })).rows.map(key)).toEqual(['SZ-001:K', 'SZ-001:NA', 'SZ-002:K', 'SZ-002:NA']);
    expect((await page({ q: 'SZ-' })).total).toBe(4);
    expect((await page({}, { cityCode: '440300' })).total).toBe(4);
    // a wildcard typed by the reader is a character, not a pattern
    expect((await page({ q: '%' })).total).toBe(0);
    // Zhejiang's labs are never in Guangdong's queue
    expect((await page({ q: 'HZ-' })).total).toBe(0);
  });

  it('labs page within the reader scope, by code', async () => {
    const scope = scopeOf(w.regulators.gd);
    const first = (await pageLabs(w.db, scope, {}, { page: 1, size: 3, sort: 'code', dir: 'asc', q: '' }));
    const all = (await pageLabs(w.db, scope, {}, { page: 1, size: 200, sort: 'code', dir: 'asc', q: '' }));
    expect(first.total).toBe(all.rows.length);
    expect(first.rows.map((l) => l.code)).toEqual(all.rows.slice(0, 3).map((l) => l.code));
    expect(all.rows.every((l) => !l.code.startsWith('HZ-'))).toBe(true);
  });

  it('labs sorted by name as the reader reads them: the English name in English (the Chinese one where there is none), pages of the whole', async () => {
    const scope = scopeOf(w.regulators.gd);
    // one lab without an English name: sorted by its Chinese name among the English ones
    await sqlRun(w.db, "UPDATE laboratories SET name_en = NULL WHERE code = 'GZ-002'");
    const byName = async (locale: string, dir: 'asc' | 'desc', page = 1, size = 200) => (await pageLabs(w.db, scope, { locale }, { page, size, sort: 'name', dir, q: '' })).rows;
    const all = await byName('en', 'asc');
    const shown = all.map((l) => l.nameEn ?? l.name);
    // the same order as JavaScript's by code point (names then codes), on both backends
    const expected = [...all].sort((a, b) => ((a.nameEn ?? a.name) < (b.nameEn ?? b.name) ? -1 : (a.nameEn ?? a.name) > (b.nameEn ?? b.name) ? 1 : a.code < b.code ? -1 : 1));
    expect(all.map((l) => l.code)).toEqual(expected.map((l) => l.code));
    expect(shown.slice(0, 3).every((n) => /^[A-Za-z]/.test(n))).toBe(true);
    expect((await byName('en', 'desc')).map((l) => l.code)).toEqual([...all].reverse().map((l) => l.code));
    expect((await byName('en', 'asc', 2, 5)).map((l) => l.code)).toEqual(all.slice(5, 10).map((l) => l.code));
    // in Chinese: by the Chinese name, as before
    const zh = await byName('zh', 'asc');
    expect(zh.map((l) => l.name)).toEqual([...zh.map((l) => l.name)].sort());
  });
});
