// The migrated PostgreSQL database that every integration-pg test database is copied from
// (CREATE DATABASE … TEMPLATE, a file copy, instead of running the migrations once per test).
// Named after a hash of db/migrations-pg, made once on the server under an advisory lock.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openPostgres } from '@/db/pg/client';
import { runPgMigrations } from '@/db/pg/migrate';
import { pgUrl } from './pg';

let made: Promise<string> | undefined;

function migrationsHash(): string {
  const h = createHash('sha256');
  const dir = path.resolve('db/migrations-pg');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(e.name).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  h.update(fs.readFileSync(path.resolve('db/pg/partitions.ts')));
  return h.digest('hex').slice(0, 12);
}

async function make(): Promise<string> {
  if (!pgUrl) throw new Error('TEST_DATABASE_URL is not set');
  // partitions are made for the month of the run and the next ones: one template per month
  const name = `labqc_tpl_${migrationsHash()}_${new Date().toISOString().slice(0, 7).replace('-', '')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', ['labqc:test-template']);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}" TEMPLATE template0 ENCODING 'UTF8'`);
      const u = new URL(pgUrl);
      u.pathname = `/${building}`;
      const db = openPostgres(u.toString(), { max: 1 });
      try {
        await runPgMigrations(db);
      } finally {
        await db.$client.end();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    }
    await admin.query('SELECT pg_advisory_unlock(hashtext($1))', ['labqc:test-template']);
  } finally {
    await admin.end();
  }
  return name;
}

/** The template's database name (made on first use in this process). */
export function migratedTemplate(): Promise<string> {
  made ??= make().catch((e) => {
    made = undefined;
    throw e;
  });
  return made;
}
