// The demo seed's quantitative EQA (db/seed/eqa.ts): nothing it writes is stamped after the moment it
// seeds at. An open round's submissions dated days ahead showed at the top of the audit page and,
// once the round was closed early, counted as submitted before a closing time they came after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '@/test/support/db';
import { createRandom } from '@/db/seed/random';
import { seedEqa } from '@/db/seed/eqa';
import { NOW } from './recognition-fixtures';

describe('demo seed: quantitative EQA', () => {
  let w: Awaited<ReturnType<typeof createSeededTestDb>>;
  beforeAll(async () => {
    w = await createSeededTestDb();
    await seedEqa({ db: w.db, now: NOW, random: createRandom(1), admin: w.admin, regulators: w.regulators, labManagers: w.labManagers, log: () => {} });
  }, 300_000);
  afterAll(() => w.close());

  it('writes no submission, evaluation or audit row after its own now; the open round has submissions', async () => {
    const latest = async (sql: string) => Number((await sqlRows<{ t: number | string | null }>(w.db, sql))[0].t);
    expect(await latest('SELECT max(submitted_at) AS t FROM eqa_submissions')).toBeLessThanOrEqual(NOW);
    expect(await latest("SELECT max(at) AS t FROM audit_log WHERE action LIKE 'eqa.%'")).toBeLessThanOrEqual(NOW);
    const open = await sqlRows<{ n: number | string }>(w.db, "SELECT count(*) AS n FROM eqa_submissions s JOIN eqa_rounds r ON r.id = s.round_id WHERE r.status = 'open'");
    expect(Number(open[0].n)).toBeGreaterThan(0);
  });
});
