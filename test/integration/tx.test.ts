// db/tx.ts withTx on both backends: a nested call is a savepoint (its failure undoes only its own
// writes), and on PostgreSQL a serialization failure is retried by the outermost transaction only,
// with a fresh snapshot, never inside the savepoint where the same snapshot would fail again.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { withTx } from '@/db/tx';
import { rawRun } from '@/db/dialect';
import { createTestDb, sqlRows, sqlRun, testBackend, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await sqlRun(t.db, 'CREATE TABLE tx_probe (v integer NOT NULL)');
});
afterAll(() => t.close());

const values = async () => (await sqlRows<{ v: number }>(t.db, 'SELECT v FROM tx_probe ORDER BY v')).map((r) => Number(r.v));

test('a nested withTx that throws undoes its own writes only', async () => {
  await sqlRun(t.db, 'DELETE FROM tx_probe');
  await withTx(t.db, async (tx) => {
    await rawRun(tx, sql`INSERT INTO tx_probe (v) VALUES (1)`);
    await expect(
      withTx(tx, async (inner) => {
        await rawRun(inner, sql`INSERT INTO tx_probe (v) VALUES (2)`);
        throw new Error('inner refused');
      }),
    ).rejects.toThrow('inner refused');
    await rawRun(tx, sql`INSERT INTO tx_probe (v) VALUES (3)`);
  });
  expect(await values()).toEqual([1, 3]);
});

test.skipIf(testBackend !== 'pg')('a serialization failure inside a nested withTx is retried once by the outer transaction, not in the savepoint', async () => {
  await sqlRun(t.db, 'DELETE FROM tx_probe');
  let outer = 0;
  let inner = 0;
  await withTx(
    t.db,
    async (tx) => {
      outer++;
      await rawRun(tx, sql`INSERT INTO tx_probe (v) VALUES (${10 + outer})`);
      await withTx(tx, async () => {
        inner++;
        if (outer === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      });
    },
    { isolation: 'repeatable read' },
  );
  expect({ outer, inner }).toEqual({ outer: 2, inner: 2 });
  expect(await values()).toEqual([12]);
});
