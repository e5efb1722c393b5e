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

export function openDatabase(file: string): DB {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
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
