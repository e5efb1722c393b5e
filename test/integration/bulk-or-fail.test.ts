// db/bulk.ts `orFail` (SQLite): the IQC ingest's writers insert with INSERT OR FAIL, which needs no
// statement journal. What differs from a plain writer is only what a constraint error leaves behind
// inside the transaction (the rows of the statement before the failing one); the error is thrown
// either way, and the caller's transaction (withTx) rolls all of it back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bulkWriter } from '@/db/bulk';
import { withTx } from '@/db/tx';
import { iqcDailyPairs, laboratories, analytes } from '@/db/schema';
import { first } from '@/db/dialect';
import { createSeededTestDb, sqlRows, testBackend, type TestDb } from '../support/db';

let t: TestDb;
let labId: number;
let analyteId: number;

beforeAll(async () => {
  t = await createSeededTestDb();
  labId = first(await t.db.select().from(laboratories).limit(1))!.id;
  analyteId = first(await t.db.select().from(analytes).limit(1))!.id;
});
afterAll(() => t.close());

const pairs = async () => (await sqlRows<{ day: string }>(t.db, 'SELECT day FROM iqc_daily_pairs WHERE lab_id = ? ORDER BY day', labId)).map((r) => r.day);
/** four rows in one statement, the third a duplicate of the first (primary key lab × analyte × day) */
const write = (orFail: boolean) => {
  const w = bulkWriter(t.db, iqcDailyPairs, { columns: ['labId', 'analyteId', 'day', 'levels'], orFail });
  for (const day of ['2026-01-01', '2026-01-02', '2026-01-01', '2026-01-03']) w.addValues([labId, analyteId, day, 2]);
  void w.flush();
};

test.skipIf(testBackend === 'pg')('a plain writer undoes the failing statement; orFail keeps its rows before the failing one; both throw', async () => {
  await t.db.delete(iqcDailyPairs);
  const seen: Record<string, string[]> = {};
  for (const orFail of [false, true]) {
    await expect(
      withTx(t.db, async () => {
        try {
          write(orFail);
        } finally {
          seen[String(orFail)] = await pairs();
        }
      }),
    ).rejects.toThrow(/UNIQUE constraint failed/);
  }
  expect(seen).toEqual({ false: [], true: ['2026-01-01', '2026-01-02'] });
  // the transaction rolled back: nothing stays
  expect(await pairs()).toEqual([]);
});

test.skipIf(testBackend === 'pg')('orFail writes every row when no constraint fails', async () => {
  await withTx(t.db, async () => {
    const w = bulkWriter(t.db, iqcDailyPairs, { columns: ['labId', 'analyteId', 'day', 'levels'], orFail: true, rowsPerStatement: 4 });
    for (let d = 1; d <= 9; d++) w.addValues([labId, analyteId, `2026-02-0${d}`, d]);
    await w.flush();
    expect(w.written).toBe(9);
  });
  expect(await sqlRows(t.db, "SELECT day, levels FROM iqc_daily_pairs WHERE lab_id = ? AND day LIKE '2026-02-%' ORDER BY day", labId)).toEqual(
    Array.from({ length: 9 }, (_, i) => ({ day: `2026-02-0${i + 1}`, levels: i + 1 })),
  );
});
