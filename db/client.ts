// The one database handle of the process. Opened lazily so that `next build` and modules that
// only import types never touch the database.
// DATABASE_URL=postgres://… runs on PostgreSQL (drizzle node-postgres over the pg tables, db/backend.ts);
// otherwise SQLite at DATABASE_PATH. Either way the handle is typed as `DB`: the tables' row types are
// the same (db/pg/schema/row-types.ts), and what differs in raw SQL lives in db/dialect.ts.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import fs from 'node:fs';
import path from 'node:path';
import * as schema from './schema';
import { BACKEND } from './backend';
import { openPostgres } from './pg/client';
import { isPostgresUrl, replicaUrlsFromEnv } from './pg/url';
import { openReplicaSet, readOn, type ReplicaSet } from './replicas';
import { refuseNulText } from './nul-text';

export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** The database or a transaction of it: what every query function takes. */
export type Conn = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

const globalForDb = globalThis as unknown as { __labqcDb?: { path: string; db: DB; replicas?: ReplicaSet; end: () => Promise<void> } };

export function databasePath(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.DATABASE_PATH ?? 'data/labqc.sqlite');
}

/** Owner read/write only: the database holds accounts, password hashes and audit history. */
export const DB_FILE_MODE = 0o600;

/**
 * Create `file` (and its folder, 0700) readable by the owner only before SQLite opens it; an existing
 * file is narrowed to 0600. SQLite gives the -wal and -shm files the main file's permissions.
 *
 * An existing file is never opened here: closing any descriptor of a file drops every POSIX lock this
 * process holds on it, the locks of SQLite's open connections included (the server's request thread
 * while a job worker opens its own connection). Another process closing its connection then finds
 * the database unused, checkpoints and deletes the WAL under the server, whose later commits go to
 * the deleted file: lost, and new connections fail with I/O errors. O_EXCL creates a missing file
 * and refuses an existing one without opening it.
 */
export function secureDatabaseFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, DB_FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      fs.chmodSync(file + suffix, DB_FILE_MODE);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

export function openDatabase(file: string): DB {
  secureDatabaseFile(file);
  const sqlite = new Database(file);
  refuseNulText(sqlite);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // WAL makes NORMAL durable against application crashes; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  return drizzle(sqlite, { schema }) as DB;
}

/** The PostgreSQL server of the process (DATABASE_URL), when PostgreSQL runs. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!isPostgresUrl(url)) throw new Error('PostgreSQL is the backend but DATABASE_URL is not a postgres:// URL');
  return url;
}

/** Pool size of the process-wide PostgreSQL handle (DATABASE_POOL_SIZE, default 10). */
function poolSize(): number {
  const n = Number(process.env.DATABASE_POOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 10;
}

/** Connections per read replica (DATABASE_REPLICA_POOL_SIZE, default half of DATABASE_POOL_SIZE, at least 2). */
function replicaPoolSize(): number {
  const n = Number(process.env.DATABASE_REPLICA_POOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : Math.max(2, Math.ceil(poolSize() / 2));
}

/** The process-wide database: PostgreSQL at DATABASE_URL, or the SQLite file at DATABASE_PATH.
 * The primary: writes, and reads that must see them (the replicas, DATABASE_REPLICA_URLS, serve withReadDb). */
export function getDb(): DB {
  const where = BACKEND === 'pg' ? `${databaseUrl()} ${process.env.DATABASE_REPLICA_URLS ?? ''}` : databasePath();
  const cached = globalForDb.__labqcDb;
  if (cached && cached.path === where) return cached.db;
  if (BACKEND === 'pg') {
    const urls = replicaUrlsFromEnv();
    const pgdb = openPostgres(databaseUrl(), { max: poolSize() });
    const db = pgdb as unknown as DB;
    const replicas = urls.length ? openReplicaSet(urls, db, replicaPoolSize()) : undefined;
    globalForDb.__labqcDb = { path: where, db, replicas, end: async () => void (await Promise.all([pgdb.$client.end(), replicas?.end()])) };
    return db;
  }
  if (process.env.DATABASE_REPLICA_URLS?.trim()) {
    throw new Error('DATABASE_REPLICA_URLS is set but DATABASE_URL is not a postgres:// URL: read replicas need PostgreSQL (SQLite has none). Set DATABASE_URL, or unset DATABASE_REPLICA_URLS.');
  }
  const db = openDatabase(where);
  globalForDb.__labqcDb = { path: where, db, end: async () => void db.$client.close() };
  return db;
}

/**
 * Run a public read (see the rule in db/replicas.ts) on a read replica when DATABASE_REPLICA_URLS names
 * any, else on getDb(). A failing replica's read runs again on the primary. The read gets one handle for
 * its whole run: what it writes must go through primaryOf(db) (db/replicas.ts).
 */
export function withReadDb<T>(read: (db: DB) => Promise<T>): Promise<T> {
  const db = getDb();
  const replicas = globalForDb.__labqcDb?.replicas;
  return replicas ? readOn(replicas, read) : read(db);
}

/** Close and forget the process-wide handle (tests switch DATABASE_PATH / DATABASE_URL between databases);
 * waits for a close still under way too. */
export async function closeDb(): Promise<void> {
  const cached = globalForDb.__labqcDb;
  globalForDb.__labqcDb = undefined;
  if (cached) closing = cached.end();
  await closing;
}
let closing: Promise<void> = Promise.resolve();
