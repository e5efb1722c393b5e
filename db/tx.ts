// Transactions for both backends: `await withTx(db, async (tx) => …, { isolation })`.
//
// SQLite (better-sqlite3) refuses async transaction callbacks, so a transaction is an async mutex per
// connection, `BEGIN IMMEDIATE`, the awaited callback, then `COMMIT` (or `ROLLBACK` when it throws).
// The write lock another connection holds is waited for on timers, never in SQLite's busy handler,
// which would stop the whole thread (beginImmediate).
// A withTx inside another on the same connection (tracked with AsyncLocalStorage) is a SAVEPOINT.
// PostgreSQL: drizzle's `db.transaction(fn, { isolationLevel })`, `repeatable read` for read-then-write
// decisions (EQA evaluation, certification decisions, eligibility) with a bounded retry on
// serialization failure / deadlock (SQLSTATE 40001 / 40P01), `read committed` otherwise. A unique
// violation (23505) is retried the same way: another transaction committed the same key meanwhile (the
// same create sent twice at once), and the run again reads it and answers as the use case does for a
// key already taken (409), as on SQLite, where writers run one at a time and the later one sees it.
//
// Rule: no real asynchronous I/O (fetch, fs, crypto in the thread pool, timers) inside a transaction.
// On SQLite the connection is shared by the whole process: while a transaction waits for I/O, the
// statements other requests run on the same connection would join it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { dialectOf } from './dialect';
import { PgTransaction } from 'drizzle-orm/pg-core';

export type Isolation = 'read committed' | 'repeatable read';
export interface TxOptions {
  /** 'repeatable read' for read-then-write use cases (PostgreSQL; SQLite transactions are serializable) */
  isolation?: Isolation;
  /** SQLite begin mode of the former better-sqlite3 transactions; withTx always begins IMMEDIATE */
  behavior?: 'deferred' | 'immediate' | 'exclusive';
  /**
   * SQLite only: run without the per-row foreign-key lookups (a bulk ingest that checks its references
   * itself). Switched off after taking the connection's lock and back on before releasing it, so no
   * other transaction runs without them; a nested call (a savepoint) keeps the checks on, since the
   * setting cannot change inside a transaction. PostgreSQL always checks.
   */
  skipForeignKeyChecks?: boolean;
  /** SQLite only: how long to wait for the write lock (default {@link writeLockWaitMs}); 0 tries once.
   * Past it the transaction fails with SQLITE_BUSY and nothing is written. */
  lockWaitMs?: number;
}

/** How long a SQLite transaction waits for the write lock that another connection holds (a job
 * worker's import of a million results holds it for several seconds): LABQC_WRITE_LOCK_WAIT_MS,
 * default 30 s. Past it the request is answered 503 with Retry-After (lib/errors.ts databaseBusy). */
export function writeLockWaitMs(): number {
  const v = Number(process.env.LABQC_WRITE_LOCK_WAIT_MS);
  return process.env.LABQC_WRITE_LOCK_WAIT_MS && Number.isFinite(v) && v >= 0 ? v : 30_000;
}

interface Open {
  client: Database.Database;
  savepoints: number;
}
const open = new AsyncLocalStorage<Open>();
const queues = new WeakMap<object, Promise<void>>();

/** Wait for the connection's transaction lock; returns its release. */
async function lock(client: object): Promise<() => void> {
  const prev = queues.get(client) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(client, tail);
  await prev;
  return () => {
    if (queues.get(client) === tail) queues.delete(client);
    release();
  };
}

function sqliteClient(db: unknown): Database.Database {
  const d = db as { $client?: Database.Database; session?: { client?: Database.Database } };
  const c = d.$client ?? d.session?.client;
  if (!c) throw new Error('withTx: not a better-sqlite3 drizzle handle');
  return c;
}

const MAX_ATTEMPTS = 5;

export const isSqliteBusy = (e: unknown): boolean => typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_BUSY');

/**
 * BEGIN IMMEDIATE, waiting for the write lock without blocking the thread. SQLite's busy handler
 * (busy_timeout) sleeps the calling thread until the lock is free: on the request thread, a sign-in
 * or a decision while a job worker imports would stop every other request, the public API's
 * included, for as long as the import holds the lock. So each attempt runs with busy_timeout 0 and
 * the waits between attempts are timers (short, so a request's write gets in between two imports).
 */
async function beginImmediate(client: Database.Database, waitMs: number, fkOff: boolean): Promise<void> {
  const busyTimeout = client.pragma('busy_timeout', { simple: true }) as number;
  const deadline = Date.now() + waitMs;
  for (let pause = 1; ; pause = Math.min(2 * pause, 16)) {
    // each attempt at once, with nothing in between: while this waits, the connection's other
    // statements (reads and single writes of other requests) keep their busy_timeout and foreign keys
    if (fkOff) client.pragma('foreign_keys = OFF');
    client.pragma('busy_timeout = 0');
    try {
      client.exec('BEGIN IMMEDIATE');
      return;
    } catch (e) {
      if (fkOff) client.pragma('foreign_keys = ON');
      if (!isSqliteBusy(e) || Date.now() >= deadline) throw e;
    } finally {
      client.pragma(`busy_timeout = ${busyTimeout}`);
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

function retryable(e: unknown): boolean {
  for (let x = e as { code?: string; cause?: unknown } | undefined, i = 0; x && i < 4; x = x.cause as typeof x, i++) {
    if (x.code === '40001' || x.code === '40P01' || x.code === '23505') return true;
  }
  return false;
}

/** Run `fn` in a transaction of `db` (a nested call runs as a savepoint of the open one). */
export async function withTx<D, T>(db: D, fn: (tx: D) => Promise<T> | T, opts: TxOptions = {}): Promise<T> {
  if (dialectOf(db) === 'pg') {
    const pgdb = db as unknown as { transaction: (f: (tx: D) => Promise<T>, c?: { isolationLevel: Isolation }) => Promise<T> };
    // nested: a savepoint of the open transaction, which keeps its snapshot and isolation; a
    // serialization failure here can only be cured by running the outer transaction again
    if (db instanceof PgTransaction) return await pgdb.transaction(async (tx) => fn(tx));
    const isolationLevel: Isolation = opts.isolation === 'repeatable read' ? 'repeatable read' : 'read committed';
    for (let attempt = 1; ; attempt++) {
      try {
        return await pgdb.transaction(async (tx) => fn(tx), { isolationLevel });
      } catch (e) {
        if (attempt >= MAX_ATTEMPTS || !retryable(e)) throw e;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10 * attempt));
      }
    }
  }
  const client = sqliteClient(db);
  const current = open.getStore();
  if (current && current.client === client) {
    const name = `labqc_sp${++current.savepoints}`;
    client.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(db);
      client.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      client.exec(`ROLLBACK TO ${name}`);
      client.exec(`RELEASE ${name}`);
      throw e;
    }
  }
  const release = await lock(client);
  const fkOff = opts.skipForeignKeyChecks === true && client.pragma('foreign_keys', { simple: true }) === 1;
  try {
    await beginImmediate(client, opts.lockWaitMs ?? writeLockWaitMs(), fkOff);
    try {
      const result = await open.run({ client, savepoints: 0 }, () => fn(db));
      client.exec('COMMIT');
      return result;
    } catch (e) {
      if (client.inTransaction) client.exec('ROLLBACK');
      throw e;
    }
  } finally {
    if (fkOff) client.pragma('foreign_keys = ON');
    release();
  }
}

/** True inside a withTx callback on this handle's connection (SQLite). */
export function inTx(db: unknown): boolean {
  if (dialectOf(db) === 'pg') return false;
  return open.getStore()?.client === sqliteClient(db);
}
