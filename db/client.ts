// The one better-sqlite3 handle of the process. Opened lazily so that `next build` and modules that
// only import types never touch the database file.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import fs from 'node:fs';
import path from 'node:path';
import * as schema from './schema';

export type DB = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** The database or a transaction of it: what every query function takes. */
export type Conn = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

const globalForDb = globalThis as unknown as { __labqcDb?: { path: string; db: DB } };

export function databasePath(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.DATABASE_PATH ?? 'data/labqc.sqlite');
}

/** Owner read/write only: the database holds accounts, password hashes and audit history. */
export const DB_FILE_MODE = 0o600;

/**
 * Create `file` (and its folder, 0700) readable by the owner only before SQLite opens it; an existing
 * file is narrowed to 0600. SQLite gives the -wal and -shm files the main file's permissions.
 */
export function secureDatabaseFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, DB_FILE_MODE));
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
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // WAL makes NORMAL durable against application crashes; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  return drizzle(sqlite, { schema }) as DB;
}

/** The process-wide database (path from DATABASE_PATH, default data/labqc.sqlite). */
export function getDb(): DB {
  const file = databasePath();
  const cached = globalForDb.__labqcDb;
  if (cached && cached.path === file) return cached.db;
  const db = openDatabase(file);
  globalForDb.__labqcDb = { path: file, db };
  return db;
}

/** Close and forget the process-wide handle (tests switch DATABASE_PATH between files). */
export function closeDb(): void {
  globalForDb.__labqcDb?.db.$client.close();
  globalForDb.__labqcDb = undefined;
}
