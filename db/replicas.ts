// Read replicas (issue 14): DATABASE_REPLICA_URLS=postgres://…,postgres://… (PostgreSQL streaming
// replicas of DATABASE_URL) takes the public reads off the primary. db/client.ts opens the set with the
// primary's handle and hands reads out through `withReadDb(read)`; nothing outside db/ knows whether a
// replica, the primary or SQLite answers. With SQLite, DATABASE_REPLICA_URLS is refused at start-up
// (getDb(): replicas need PostgreSQL), so a configuration that meant PostgreSQL never silently runs on a file.
//
// THE RULE — which reads a replica may answer:
// - A replica: the public reads, whose answers depend only on what others wrote (certifications and
//   their events, labs, regions, catalogue, policies): GET /api/v1/verify, the batch POST /api/v1/verify
//   (anonymous or with a token), /api/v1/labs, /api/v1/labs/{code}/certifications, /api/v1/analytes, and
//   the FHIR reads (GETs under /fhir and the $verify-recognition operation). They call withReadDb() in
//   lib/public-api.ts and lib/fhir/api.ts, for the route handlers and the production server's fast path
//   alike. A replica lags the primary by its replication delay (usually milliseconds): a decision shows
//   there that much later, well inside the 60 s a public answer may be cached anyway (SHORT_CACHE).
// - The primary, always: every write — the batch rate-limit takes (lib/server/rate-limit*), the caller's
//   unmapped local codes (recordLocalCodeMisses writes to primaryOf(db) even when handed a replica), API
//   token "last used" and audit rows — and every read of what the caller itself may just have written:
//   the caller's local-code map in a batch (a hospital uploads its map and verifies with it at once:
//   localCodeMap reads primaryOf(db), one indexed statement, while the batch's certifications come from
//   the replica), token and session resolution, and everything signed in (hospital workspace, lab and
//   regulator pages, token-scoped APIs): those use getDb(), the primary.
// - One call of withReadDb runs on one database from start to end: the in-memory indexes kept per
//   handle (lib/services/recognition/pair-index.ts, the policy cache) hold rows of that database only,
//   each replica its own, so a lagging replica never leaves an index stamped newer than its rows
//   (the price: one pair index per replica in use, and one for the primary after a fallback).
//
// Choice: the least busy replica pool (connections in use + requests waiting), ties taken in turn.
// Failure: a read whose replica fails (connection refused or lost, connect timeout, an SQL error such as
// a recovery conflict) is run again, whole, on the primary, so the public call still answers. A
// connection failure takes the replica out for DOWN_MS (logged once, and once when it answers again);
// then one read tries it. Application refusals (an unknown lab, a bad date) are answers, not failures.
// Pools: DATABASE_REPLICA_POOL_SIZE connections per replica (default half of DATABASE_POOL_SIZE, at least 2).
import type pg from 'pg';
import type { DB } from './client';
import { describePostgresUrl } from './pg/url';
import { openPostgres } from './pg/client';

/** How long a replica that failed to connect is left out before one read tries it again. */
export const DOWN_MS = 10_000;
/** A replica that does not accept a connection within this long counts as failed (a black-holed host). */
const CONNECT_TIMEOUT_MS = 2_000;

interface Replica {
  label: string;
  db: DB;
  pool: pg.Pool;
  /** out since a connection failure (logged), until a read on it succeeds */
  down: boolean;
  /** while down: no read tries it before this instant */
  retryAt: number;
  /** SQL errors of this replica are logged once */
  queryErrorLogged: boolean;
}

export interface ReplicaSet {
  primary: DB;
  replicas: Replica[];
  /** where the next tie starts (round-robin) */
  turn: number;
  end: () => Promise<void>;
}

/** replica pool → the primary's handle (primaryOf) */
const primaries = new WeakMap<object, DB>();

/** Open a pool per replica (connections are made on first use). */
export function openReplicaSet(urls: readonly string[], primary: DB, poolSize: number): ReplicaSet {
  const replicas = urls.map((url): Replica => {
    const pgdb = openPostgres(url, { max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    const db = pgdb as unknown as DB;
    primaries.set(pgdb.$client, primary);
    return { label: describePostgresUrl(url), db, pool: pgdb.$client, down: false, retryAt: 0, queryErrorLogged: false };
  });
  return { primary, replicas, turn: 0, end: async () => void (await Promise.all(replicas.map((r) => r.pool.end()))) };
}

/** The handle that takes writes and own-writes reads for a handle: the primary when `db` is a replica's. */
export function primaryOf(db: DB): DB {
  return primaries.get(db.$client) ?? db;
}

/** Whether a handle is a replica's (tests, logs). */
export function isReplica(db: DB): boolean {
  return primaries.has(db.$client);
}

function busy(r: Replica): number {
  return r.pool.totalCount - r.pool.idleCount + r.pool.waitingCount;
}

/** The replica for the next read, or null (none configured, or all out). */
function choose(set: ReplicaSet, now: number): Replica | null {
  const n = set.replicas.length;
  let best: Replica | null = null;
  let bestBusy = Infinity;
  for (let i = 0; i < n; i++) {
    const r = set.replicas[(set.turn + i) % n];
    if (r.down) {
      if (r.retryAt > now) continue;
      // a replica that is out gets one trial read per DOWN_MS (the next trial waits for this one)
      r.retryAt = now + DOWN_MS;
      return r;
    }
    const b = busy(r);
    if (b < bestBusy) {
      best = r;
      bestBusy = b;
    }
  }
  set.turn = (set.turn + 1) % Math.max(n, 1);
  return best;
}

/** What a failed read tells about its replica: 'connection' (take it out), 'query' (an SQL error:
 * this read goes to the primary), or null (not the database: an application refusal, rethrown). */
export function failureKind(e: unknown): 'connection' | 'query' | null {
  for (let x = e, depth = 0; x && depth < 6; x = (x as { cause?: unknown }).cause, depth++) {
    const err = x as { code?: unknown; severity?: unknown; syscall?: unknown; message?: unknown };
    if (typeof err.severity === 'string' && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) {
      // class 08 connection exception, 57P admin shutdown / crash / cannot connect now, 53 insufficient resources
      return /^(08|57P|53)/.test(err.code) ? 'connection' : 'query';
    }
    if (typeof err.syscall === 'string' && typeof err.code === 'string') return 'connection';
    // node-postgres / pg-pool's own errors (plain Errors without a code): lost, closed or timed-out connections
    if ((x as object).constructor === Error && typeof err.message === 'string' && /connection terminated|trying to connect|connection timeout|client was closed|client has encountered a connection error|pool after calling end/i.test(err.message)) return 'connection';
  }
  return null;
}

/** Run a read on a replica of the set, or again on the primary when that replica fails (see the rule above). */
export async function readOn<T>(set: ReplicaSet, read: (db: DB) => Promise<T>): Promise<T> {
  const now = Date.now();
  const r = choose(set, now);
  if (!r) return read(set.primary);
  let answer: T;
  try {
    answer = await read(r.db);
  } catch (e) {
    const kind = failureKind(e);
    if (!kind) throw e;
    const why = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
    if (kind === 'connection') {
      if (!r.down) console.error(`[labqc] read replica ${r.label} failed (${why}); its reads go to the primary, retried every ${DOWN_MS / 1000} s`);
      r.down = true;
      r.retryAt = now + DOWN_MS;
    } else if (!r.queryErrorLogged) {
      r.queryErrorLogged = true;
      console.error(`[labqc] read replica ${r.label}: a read failed (${why}); answered by the primary (further such failures are not logged)`);
    }
    return read(set.primary);
  }
  if (r.down) {
    r.down = false;
    console.error(`[labqc] read replica ${r.label} answers again`);
  }
  return answer;
}
