// db/tx.ts withTx on both backends: a nested call is a savepoint (its failure undoes only its own
// writes), and on PostgreSQL a serialization failure is retried by the outermost transaction only,
// with a fresh snapshot, never inside the savepoint where the same snapshot would fail again. On
// SQLite, the write lock another connection holds is waited for on timers.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { isSqliteBusy, withTx } from '@/db/tx';
import { rawRun } from '@/db/dialect';
import { createTestDb, sqlRows, sqlRun, testBackend, type TestDb } from '../support/db';
import { holdSqliteWriteLock } from '../support/write-lock';

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

// SQLite's write lock held by another connection (a job worker's import): withTx waits for it on
// timers, so the thread goes on serving; the connection's other statements keep their settings
test.skipIf(testBackend !== 'sqlite')('a transaction waits for the write lock another process holds without stopping the thread, then writes', async () => {
  await sqlRun(t.db, 'DELETE FROM tx_probe');
  const held = await holdSqliteWriteLock(t.file, 800);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const t0 = Date.now();
  let during: { foreignKeys: unknown; busyTimeout: unknown } | undefined;
  try {
    const writing = withTx(t.db, async (tx) => void (await rawRun(tx, sql`INSERT INTO tx_probe (v) VALUES (7)`)), { skipForeignKeyChecks: true });
    await new Promise((r) => setTimeout(r, 200));
    // what another request's statement on the same connection runs with while the transaction waits
    during = { foreignKeys: t.db.$client.pragma('foreign_keys', { simple: true }), busyTimeout: t.db.$client.pragma('busy_timeout', { simple: true }) };
    await writing;
  } finally {
    clearInterval(ticker);
  }
  expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  expect(ticks).toBeGreaterThan(30); // blocked in SQLite's busy handler, no timer fired until the lock was free
  expect(during).toEqual({ foreignKeys: 1, busyTimeout: 5000 });
  expect(await held.released).toBe(0);
  expect(await values()).toEqual([7]);
});

test.skipIf(testBackend !== 'sqlite')('lockWaitMs 0: a transaction that finds the write lock taken fails at once with SQLITE_BUSY and writes nothing', async () => {
  await sqlRun(t.db, 'DELETE FROM tx_probe');
  const held = await holdSqliteWriteLock(t.file, 600);
  const t0 = Date.now();
  const failed = await withTx(t.db, async (tx) => void (await rawRun(tx, sql`INSERT INTO tx_probe (v) VALUES (8)`)), { lockWaitMs: 0 }).catch((e: unknown) => e);
  expect(Date.now() - t0).toBeLessThan(300);
  expect(isSqliteBusy(failed)).toBe(true);
  expect(await held.released).toBe(0);
  expect(await values()).toEqual([]);
  expect(t.db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
});
