// Integration tests run against a real SQLite file with the committed migrations applied.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DB } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { seedBase } from '@/db/seed/base';
import type { Actor } from '@/lib/auth/core';

process.env.LABQC_BCRYPT_COST ??= '4';

export interface TestDb {
  db: DB;
  file: string;
  close: () => void;
}

export async function createTestDb(): Promise<TestDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-it-'));
  const file = path.join(dir, 'test.sqlite');
  const db = openDatabase(file);
  await runMigrations(db);
  return {
    db,
    file,
    close: () => {
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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
