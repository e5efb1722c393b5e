// Read replicas (db/replicas.ts) without a database: DATABASE_REPLICA_URLS parsing, which failures send
// a read to the primary, the least-busy choice with ties in turn, and a failed replica left out for a
// while (logged once). test/integration/read-replicas.test.ts runs the same on real PostgreSQL databases.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { replicaUrlsFromEnv } from '@/db/pg/url';
import { DOWN_MS, failureKind, readOn, type ReplicaSet } from '@/db/replicas';
import type { DB } from '@/db/client';

describe('DATABASE_REPLICA_URLS', () => {
  it('is a comma-separated list of postgres:// URLs; blank or unset is none', () => {
    expect(replicaUrlsFromEnv({})).toEqual([]);
    expect(replicaUrlsFromEnv({ DATABASE_REPLICA_URLS: ' , ' })).toEqual([]);
    expect(replicaUrlsFromEnv({ DATABASE_REPLICA_URLS: 'postgres://r1/labqc, postgresql://u:p@r2:6432/labqc' })).toEqual(['postgres://r1/labqc', 'postgresql://u:p@r2:6432/labqc']);
  });

  it('refuses anything else, without showing a password', () => {
    expect(() => replicaUrlsFromEnv({ DATABASE_REPLICA_URLS: 'postgres://r1/labqc,mysql://u:secret@r2/labqc' })).toThrow(/DATABASE_REPLICA_URLS: "mysql:\/\/…@r2\/labqc" is not a postgres:\/\/ URL/);
    expect(() => replicaUrlsFromEnv({ DATABASE_REPLICA_URLS: 'data/replica.sqlite' })).toThrow(/not a postgres/);
  });
});

describe('failureKind', () => {
  const pgError = (code: string) => Object.assign(new Error('x'), { severity: 'ERROR', code });
  it('connection failures take a replica out; SQL errors only move the read; refusals are answers', () => {
    expect(failureKind(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBe('connection');
    expect(failureKind(new Error('timeout exceeded when trying to connect'))).toBe('connection');
    expect(failureKind(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(failureKind(pgError('57P01'))).toBe('connection'); // admin shutdown
    expect(failureKind(pgError('08006'))).toBe('connection');
    expect(failureKind(pgError('53300'))).toBe('connection'); // too many connections
    expect(failureKind(pgError('40001'))).toBe('query'); // a recovery conflict on a hot standby
    // drizzle wraps a query's error: its cause is read
    expect(failureKind(new Error('Failed query: select 1', { cause: pgError('42P01') }))).toBe('query');
    expect(failureKind(new Error('Failed query: select 1', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }) }))).toBe('connection');
    // application errors, even with a word like "connection" in them, are not the database's
    class Refusal extends Error {
      code = 'notFound';
    }
    expect(failureKind(new Refusal('No such lab: connection terminated'))).toBeNull();
    expect(failureKind(new TypeError('x is undefined'))).toBeNull();
  });
});

type FakePool = { totalCount: number; idleCount: number; waitingCount: number };
function fakeSet(n: number): ReplicaSet & { pools: FakePool[] } {
  const pools = Array.from({ length: n }, () => ({ totalCount: 0, idleCount: 0, waitingCount: 0 }));
  const primary = { $client: { name: 'primary' } } as unknown as DB;
  const replicas = pools.map((pool, i) => ({ label: `r${i}`, db: { $client: { name: `r${i}` } } as unknown as DB, pool: pool as never, down: false, retryAt: 0, queryErrorLogged: false }));
  return { primary, replicas, turn: 0, end: async () => {}, pools };
}
const nameOf = (db: DB) => (db.$client as unknown as { name: string }).name;

describe('readOn', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('takes the least busy replica, idle ones in turn', async () => {
    const set = fakeSet(3);
    const where = async () => Promise.all(Array.from({ length: 6 }, () => readOn(set, async (db) => nameOf(db))));
    expect(await where()).toEqual(['r0', 'r1', 'r2', 'r0', 'r1', 'r2']);
    set.pools[0].totalCount = 4; // r0: 4 connections in use
    set.pools[2].totalCount = 2;
    set.pools[2].idleCount = 1; // r2: 1 in use
    set.pools[1].totalCount = 2;
    set.pools[1].waitingCount = 3; // r1: 2 in use, 3 waiting
    expect(await where()).toEqual(Array(6).fill('r2'));
  });

  it('a replica that refuses connections: that read is answered by the primary, the replica is left out for DOWN_MS, logged once', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const set = fakeSet(2);
    let r0Dead = true;
    const read = async (db: DB) => {
      if (nameOf(db) === 'r0' && r0Dead) throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' });
      return nameOf(db);
    };
    expect(await readOn(set, read)).toBe('primary'); // r0 tried first: failed, the primary answers
    expect(await Promise.all(Array.from({ length: 4 }, () => readOn(set, read)))).toEqual(Array(4).fill('r1'));
    vi.setSystemTime(1_000_000 + DOWN_MS + 1);
    // one trial read after DOWN_MS: still dead, answered by the primary, not logged again
    expect(await readOn(set, read)).toBe('primary');
    expect(await readOn(set, read)).toBe('r1');
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0][0])).toMatch(/read replica r0 failed \(connect ECONNREFUSED 10\.0\.0\.1:5432\); its reads go to the primary/);
    // back: the next trial read succeeds, it takes reads again (and says so)
    r0Dead = false;
    vi.setSystemTime(1_000_000 + 3 * DOWN_MS);
    expect(await readOn(set, read)).toBe('r0');
    expect((await Promise.all([readOn(set, read), readOn(set, read)])).sort()).toEqual(['r0', 'r1']);
    expect(String(log.mock.calls[1][0])).toMatch(/read replica r0 answers again/);
  });

  it('an SQL error moves only that read to the primary; an application refusal is rethrown as it is', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const set = fakeSet(1);
    const conflict = async (db: DB) => {
      if (nameOf(db) === 'r0') throw new Error('Failed query', { cause: Object.assign(new Error('canceling statement due to conflict with recovery'), { severity: 'ERROR', code: '40001' }) });
      return nameOf(db);
    };
    expect(await readOn(set, conflict)).toBe('primary');
    expect(await readOn(set, conflict)).toBe('primary');
    expect(set.replicas[0].down).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
    const refusal = new Error('No such lab');
    let calls = 0;
    await expect(readOn(set, async () => { calls++; throw refusal; })).rejects.toBe(refusal);
    expect(calls).toBe(1);
  });
});
