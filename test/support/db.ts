// Integration tests run against a real database with the committed migrations applied: a SQLite file,
// or with TEST_BACKEND=pg (the vitest project integration-pg) a fresh PostgreSQL database on
// TEST_DATABASE_URL (test/support/pg.ts), copied from a migrated template made once per run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeDb, openDatabase, type DB } from '@/db/client';
import { BACKEND } from '@/db/backend';
import { runMigrations } from '@/db/migrate';
import { seedBase } from '@/db/seed/base';
import type { Actor } from '@/lib/auth/core';
import { startedJobsSettled } from '@/lib/jobs';
import { createPgTestDatabase } from './pg';

process.env.LABQC_BCRYPT_COST ??= '4';

/** The backend the tests of this run use (TEST_BACKEND=pg: PostgreSQL). */
export const testBackend = BACKEND;

export interface TestDb {
  db: DB;
  /** the SQLite file, or on PostgreSQL the database's URL */
  file: string;
  backend: 'sqlite' | 'pg';
  close: () => Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  if (BACKEND === 'pg') {
    const [{ openPostgres }, { migratedTemplate }] = await Promise.all([import('@/db/pg/client'), import('./pg-template')]);
    const created = await createPgTestDatabase('labqc_it', await migratedTemplate());
    const pgdb = openPostgres(created.url, { max: 4 });
    return {
      db: pgdb as unknown as DB,
      file: created.url,
      backend: 'pg',
      close: async () => {
        // the jobs a route started in the background end first (they may use the process-wide handle)
        await startedJobsSettled();
        // the process-wide handle on this database (useAsProcessDb) ends before the database goes
        if (process.env.DATABASE_URL === created.url) delete process.env.DATABASE_URL;
        await closeDb();
        await pgdb.$client.end();
        await (await import('@/lib/server/rate-limit-pg')).closeRateLimitDb(created.url);
        await created.drop();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-it-'));
  const file = path.join(dir, 'test.sqlite');
  const db = openDatabase(file);
  await runMigrations(db);
  return {
    db,
    file,
    backend: 'sqlite',
    close: async () => {
      await startedJobsSettled();
      if (process.env.DATABASE_PATH === file) {
        delete process.env.DATABASE_PATH;
        await closeDb();
      }
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Point the process-wide handle (getDb(): route handlers, the public API) at a test database. */
export async function useAsProcessDb(t: { file: string }): Promise<void> {
  await closeDb();
  if (BACKEND === 'pg') process.env.DATABASE_URL = t.file;
  else process.env.DATABASE_PATH = t.file;
}

/** A migrated database with the demo regions, catalogue, labs and accounts (no QC data). */
export async function createSeededTestDb(): Promise<TestDb & Awaited<ReturnType<typeof seedBase>>> {
  const t = await createTestDb();
  return { ...t, ...await seedBase(t.db) };
}

/** An actor that is not in the database, for pure can() checks. */
export function fakeActor(over: Partial<Actor>): Actor {
  return { userId: 999, email: 'x@test', name: 'X', role: 'hospital', labId: null, labCode: null, regionId: null, regionCode: null, regionPath: null, via: 'session', ...over };
}

/** `?` placeholders → `$1, $2, …` and camelCase aliases quoted, for a raw PostgreSQL statement. */
function pgText(text: string): string {
  let i = 0;
  const aliases = new Set([...text.matchAll(/\bAS\s+([a-z][a-z0-9]*[A-Z]\w*)\b/g)].map((m) => m[1]));
  let out = text.replace(/\?/g, () => `$${++i}`);
  for (const a of aliases) out = out.replace(new RegExp(`(?<!["'.\\w])${a}(?!["\\w])`, 'g'), `"${a}"`);
  return out;
}

/** Rows of a raw SQL statement written for both backends (`?` placeholders; true/false literals). */
export async function sqlRows<T = Record<string, unknown>>(db: DB, text: string, ...params: unknown[]): Promise<T[]> {
  if (BACKEND === 'pg') return (await (db.$client as unknown as import('pg').Pool).query(pgText(text), params)).rows as T[];
  return db.$client.prepare(text).all(...params) as T[];
}

/** Run a raw SQL statement written for both backends; how many rows it changed. */
export async function sqlRun(db: DB, text: string, ...params: unknown[]): Promise<number> {
  if (BACKEND === 'pg') return (await (db.$client as unknown as import('pg').Pool).query(pgText(text), params)).rowCount ?? 0;
  return db.$client.prepare(text).run(...params).changes;
}

/** A second, independent connection to a test database (a restart, another app instance). */
export async function reopenTestDb(t: { file: string }): Promise<{ db: DB; close: () => Promise<void> }> {
  if (BACKEND === 'pg') {
    const { openPostgres } = await import('@/db/pg/client');
    const pgdb = openPostgres(t.file, { max: 2 });
    return { db: pgdb as unknown as DB, close: () => pgdb.$client.end() };
  }
  const db = openDatabase(t.file);
  return { db, close: async () => void db.$client.close() };
}
