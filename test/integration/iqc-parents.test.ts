// Every IQC result, violation and corrective action names a run of its lab that exists, and every
// result a control lot of its lab, whichever writer wrote it (the ingest with late results that merge
// runs, a correction, an exclusion, the seed's ingest). SQLite declares these keys; PostgreSQL does
// not (FOREIGN_KEYS_CHECKED_BY_WRITER in db/pg/differences.ts): its IQC writer checks the parents of
// the rows it wrote once per batch, and deletes a merged-away run only when nothing references it
// (db/pg/iqc-ingest.ts). The parents it never writes (a run's laboratory, item and author, a result's
// target and author) it checks the same way, and their tables refuse to delete a row IQC rows name.
// Both backends.
import { beforeAll, describe, expect, it } from 'vitest';
import { and, eq, isNotNull } from 'drizzle-orm';
import { createSeededTestDb, sqlRows, sqlRun, testBackend } from '../support/db';
import { iqcResults, iqcRuns, users } from '@/db/schema';
import type { Actor } from '@/lib/auth/core';
import { postResults } from '@/lib/services/iqc/api';
import { setManufacturerTargets } from '@/lib/services/iqc/targets';
import { correctResult, excludeResult } from '@/lib/services/iqc/results';
import { withTx } from '@/db/tx';
import { bulkWriter } from '@/db/bulk';
import { pgIqcStatements } from '@/db/pg/iqc-ingest';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const BASE = NOW - 30 * DAY;
const MEAN: Record<string, number> = { '1': 4, '2': 6 };

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;

const row = (level: string, z: number, at: number) => ({ analyte: 'K', level, lot: `K${level}-P`, value: +(MEAN[level] + 0.1 * z).toFixed(4), measuredAt: new Date(at).toISOString(), instrument: 'P' });
const post = (results: unknown[]) =>
  postResults(t.db, lab, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) }), NOW);

/** Rows naming a run or a lot that is not there (of their own lab). */
async function orphans(): Promise<Record<string, number>> {
  const count = async (text: string) => Number((await sqlRows<{ n: number }>(t.db, text))[0].n);
  return {
    resultRun: await count('SELECT count(*) AS n FROM iqc_results r WHERE NOT EXISTS (SELECT 1 FROM iqc_runs u WHERE u.id = r.run_id AND u.lab_id = r.lab_id)'),
    resultLot: await count('SELECT count(*) AS n FROM iqc_results r WHERE NOT EXISTS (SELECT 1 FROM control_lots l WHERE l.id = r.control_lot_id AND l.lab_id = r.lab_id)'),
    violationRun: await count('SELECT count(*) AS n FROM iqc_violations v WHERE NOT EXISTS (SELECT 1 FROM iqc_runs u WHERE u.id = v.run_id AND u.lab_id = v.lab_id)'),
    actionRun: await count('SELECT count(*) AS n FROM corrective_actions a WHERE NOT EXISTS (SELECT 1 FROM iqc_runs u WHERE u.id = a.run_id AND u.lab_id = a.lab_id)'),
  };
}
const NONE = { resultRun: 0, resultLot: 0, violationRun: 0, actionRun: 0 };

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  await setManufacturerTargets(
    t.db,
    lab,
    { targets: ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-P`, instrument: 'P', mean: MEAN[level], sd: 0.1, effectiveFrom: BASE - DAY })) },
    BASE - DAY,
  );
});

describe('IQC rows name parents that exist', () => {
  it('after the seed, an ingest with rejected runs, late results that merge runs, a correction and an exclusion', async () => {
    expect(await orphans()).toEqual(NONE);
    // ten days, one level each day at 08:00 and the other at 09:00 (two runs a day), a 1-3s on day 3
    const rows = [];
    for (let d = 0; d < 10; d++) rows.push(row('1', d === 3 ? 3.5 : 0.2, BASE + d * DAY + 8 * 60 * MIN), row('2', -0.1, BASE + d * DAY + 9 * 60 * MIN));
    const first_ = await post(rows);
    expect(first_.rejected).toBeGreaterThan(0);
    // late level-2 results at 08:05 each day: each day's 08:00 window takes them, and a day's level 1 at 08:30 merges runs
    await post([...[0, 1, 2, 3].map((d) => row('2', 0.1, BASE + d * DAY + 8 * 60 * MIN + 5 * MIN)), row('1', 0.3, BASE + 5 * DAY + 8 * 60 * MIN + 30 * MIN)]);
    const [some] = await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab.labId!), eq(iqcResults.current, true))).limit(1);
    await correctResult(t.db, lab, { resultId: some.id, value: some.value + 0.05, reason: 'transcription' }, NOW);
    const [other] = await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab.labId!), eq(iqcResults.current, true), eq(iqcResults.level, '2'))).limit(1);
    await excludeResult(t.db, lab, { resultId: other.id, reason: 'clot' }, NOW);
    expect(await orphans()).toEqual(NONE);
    const counts = await sqlRows<{ n: number }>(t.db, 'SELECT count(*) AS n FROM corrective_actions');
    expect(Number(counts[0].n)).toBeGreaterThan(0);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: the IQC writer refuses a result naming a run that does not exist, and its transaction writes nothing', async () => {
    const [run] = await t.db.select().from(iqcRuns).where(eq(iqcRuns.labId, lab.labId!)).limit(1);
    const [res] = await t.db.select().from(iqcResults).where(eq(iqcResults.runId, run.id)).limit(1);
    const before = await sqlRows<{ n: number }>(t.db, 'SELECT count(*) AS n FROM iqc_results');
    const write = (runId: number, lotId: number) =>
      withTx(t.db, async (tx) => {
        const s = await pgIqcStatements(tx, lab.labId!);
        const w = bulkWriter(s as never, iqcResults, { columns: ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'measuredAt', 'createdAt'] });
        w.addValues([runId, lab.labId!, res.analyteId, lotId, res.level, 99.5, NOW - DAY, NOW]);
        await w.flush();
        await s.flush();
      });
    await expect(write(run.id + 1_000_000, res.controlLotId)).rejects.toThrow(/FOREIGN KEY constraint failed.*iqc_runs/);
    await expect(write(run.id, res.controlLotId + 1_000_000)).rejects.toThrow(/FOREIGN KEY constraint failed.*control_lots/);
    // a run of another lab is no parent either
    const [foreign] = await sqlRows<{ id: number }>(t.db, 'SELECT id FROM iqc_runs WHERE lab_id <> ? LIMIT 1', lab.labId!);
    if (foreign) await expect(write(Number(foreign.id), res.controlLotId)).rejects.toThrow(/FOREIGN KEY constraint failed/);
    expect(await sqlRows(t.db, 'SELECT count(*) AS n FROM iqc_results')).toEqual(before);
    expect(await orphans()).toEqual(NONE);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: the IQC writer refuses to delete a run its results still reference', async () => {
    const [res] = await t.db.select().from(iqcResults).where(eq(iqcResults.labId, lab.labId!)).limit(1);
    await expect(
      withTx(t.db, async (tx) => {
        const s = await pgIqcStatements(tx, lab.labId!);
        s.deleteRun.run(res.runId);
        await s.flush();
      }),
    ).rejects.toThrow(/FOREIGN KEY constraint failed.*still referenced/);
    expect(first(await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, res.runId)))).toBeDefined();
    expect(await orphans()).toEqual(NONE);
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: the IQC writer refuses results naming a target or author, and runs naming a laboratory, item or author, that do not exist; nothing is written', async () => {
    const [res] = await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab.labId!), isNotNull(iqcResults.targetId))).limit(1);
    const count = async () => (await sqlRows<{ n: number }>(t.db, 'SELECT (SELECT count(*) FROM iqc_results) + (SELECT count(*) FROM iqc_runs) AS n'))[0].n;
    const before = await count();
    const writeResult = (targetId: number, createdBy: number | null) =>
      withTx(t.db, async (tx) => {
        const s = await pgIqcStatements(tx, lab.labId!);
        const w = bulkWriter(s as never, iqcResults, { columns: ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'measuredAt', 'targetId', 'createdBy', 'createdAt'] });
        w.addValues([res.runId, lab.labId!, res.analyteId, res.controlLotId, res.level, 99.25, NOW - DAY, targetId, createdBy, NOW]);
        await w.flush();
        await s.flush();
      });
    const writeRun = (labId: number, analyteId: number, createdBy: number | null) =>
      withTx(t.db, async (tx) => {
        const s = await pgIqcStatements(tx, lab.labId!);
        const w = bulkWriter(s as never, iqcRuns, { columns: ['labId', 'analyteId', 'instrument', 'measuredAt', 'status', 'rules', 'evaluatedAt', 'source', 'createdBy', 'createdAt'] });
        w.addValues([labId, analyteId, 'P', NOW - DAY, 'accepted', JSON.stringify([]), NOW, 'api', createdBy, NOW]);
        await w.flush();
        await s.flush();
      });
    await expect(writeResult(res.targetId! + 1_000_000, null)).rejects.toThrow(/FOREIGN KEY constraint failed.*qc_targets/);
    // a target of another lab is no parent either
    const [foreign] = await sqlRows<{ id: number }>(t.db, 'SELECT id FROM qc_targets WHERE lab_id <> ? LIMIT 1', lab.labId!);
    if (foreign) await expect(writeResult(Number(foreign.id), null)).rejects.toThrow(/FOREIGN KEY constraint failed.*qc_targets/);
    await expect(writeResult(res.targetId!, 999_999_999)).rejects.toThrow(/FOREIGN KEY constraint failed.*users/);
    await expect(writeRun(999_999_999, res.analyteId, null)).rejects.toThrow(/FOREIGN KEY constraint failed.*laboratories/);
    await expect(writeRun(lab.labId!, 999_999_999, null)).rejects.toThrow(/FOREIGN KEY constraint failed.*analytes/);
    await expect(writeRun(lab.labId!, res.analyteId, 999_999_999)).rejects.toThrow(/FOREIGN KEY constraint failed.*users/);
    expect(await count()).toBe(before);
    // the same rows with parents that exist go in: the refusals were the parents'
    await writeResult(res.targetId!, lab.userId!);
    await writeRun(lab.labId!, res.analyteId, lab.userId!);
    expect(await count()).toBe(Number(before) + 2);
  });
});

// The parent side of the keys: a laboratory, item, user or QC target that IQC rows name cannot be
// deleted (SQLite: the declared keys; PostgreSQL: the parents' triggers of migration 0011).
describe('parents that IQC rows name cannot be deleted', () => {
  const refused = async (text: string, ...params: unknown[]) => {
    try {
      await sqlRun(t.db, text, ...params);
      return 'deleted';
    } catch (e) {
      return String((e as { cause?: unknown }).cause ?? e);
    }
  };
  const FK = /FOREIGN KEY constraint failed|violates a foreign key/;
  // on PostgreSQL the refusal of a row only IQC rows name is the trigger's (no declared key names it)
  const IQC_FK = testBackend === 'pg' ? /violates a foreign key of the IQC rows/ : FK;

  it('a user who entered a run, a target results were judged against, an item and a laboratory with runs', async () => {
    const [author] = await t.db.insert(users).values({ email: 'parents@iqc.test', name: '质控员', passwordHash: 'x', role: 'hospital', createdAt: NOW, updatedAt: NOW }).returning();
    const [res] = await t.db.select().from(iqcResults).where(and(eq(iqcResults.labId, lab.labId!), isNotNull(iqcResults.targetId))).limit(1);
    const [run] = await t.db.select().from(iqcRuns).where(eq(iqcRuns.id, res.runId));
    await sqlRun(t.db, 'UPDATE iqc_runs SET created_by = ? WHERE id = ?', author.id, run.id);
    expect(await refused('DELETE FROM users WHERE id = ?', author.id)).toMatch(IQC_FK);
    expect(await refused('DELETE FROM qc_targets WHERE id = ?', res.targetId)).toMatch(IQC_FK);
    expect(await refused('DELETE FROM analytes WHERE id = ?', run.analyteId)).toMatch(FK);
    expect(await refused('DELETE FROM laboratories WHERE id = ?', lab.labId)).toMatch(FK);
    expect(first(await t.db.select().from(users).where(eq(users.id, author.id)))).toBeDefined();
    // once no run names them, the user goes
    await sqlRun(t.db, 'UPDATE iqc_runs SET created_by = NULL WHERE id = ?', run.id);
    expect(await refused('DELETE FROM users WHERE id = ?', author.id)).toBe('deleted');
  });

  it.skipIf(testBackend !== 'pg')('PostgreSQL: a delete of an author waits for the ingest naming it, then is refused', async () => {
    const [author] = await t.db.insert(users).values({ email: 'parents-wait@iqc.test', name: '质控员', passwordHash: 'x', role: 'hospital', createdAt: NOW, updatedAt: NOW }).returning();
    const [res] = await t.db.select().from(iqcResults).where(eq(iqcResults.labId, lab.labId!)).limit(1);
    let deleting: Promise<string> | undefined;
    let settledInside = false;
    await withTx(t.db, async (tx) => {
      const s = await pgIqcStatements(tx, lab.labId!);
      const w = bulkWriter(s as never, iqcResults, { columns: ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'measuredAt', 'createdBy', 'createdAt'] });
      w.addValues([res.runId, lab.labId!, res.analyteId, res.controlLotId, res.level, 88.75, NOW - DAY, author.id, NOW]);
      await w.flush();
      await s.flush();
      deleting = refused('DELETE FROM users WHERE id = ?', author.id);
      void deleting.then(() => (settledInside = true));
      await new Promise((r) => setTimeout(r, 400));
      expect(settledInside).toBe(false); // the delete waits for this transaction's lock on the author
    });
    expect(await deleting).toMatch(IQC_FK);
    expect(await sqlRows(t.db, 'SELECT id FROM users WHERE id = ?', author.id)).toHaveLength(1);
  });
});
