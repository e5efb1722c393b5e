import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import type { DB } from './client';
import { dialectOf } from './dialect';
import { sealUnchainedAuditRows } from './queries/audit-chain';

// npm scripts, tests and the server all run from the repository root.
const migrationsFolder = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'db/migrations');

/** How many migrations the database has seen. */
function appliedCount(db: DB): number {
  const table = db.$client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  return table ? (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n : 0;
}

/** Apply every committed drizzle-kit migration that the database has not seen yet: db/migrations on
 * SQLite, db/migrations-pg (and the coming months' iqc_results partitions) on PostgreSQL. */
export async function runMigrations(db: DB): Promise<void> {
  if (dialectOf(db) === 'pg') {
    // audit rows are chained from the first PostgreSQL migration on: nothing to seal
    const { runPgMigrations } = await import('./pg/migrate');
    await runPgMigrations(db as unknown as import('./pg/client').PgDB);
    return;
  }
  // a migration that changes a table rebuilds it (new table, copy, drop, rename), which SQLite allows
  // only with foreign keys off, and that cannot change inside the migrator's transaction; every key
  // is checked once new migrations are in
  const before = appliedCount(db);
  db.$client.pragma('foreign_keys = OFF');
  try {
    migrate(db, { migrationsFolder });
    const broken = appliedCount(db) === before ? [] : (db.$client.pragma('foreign_key_check') as { table: string; parent: string }[]);
    if (broken.length) throw new Error(`after migrating, ${broken.length} rows point at missing rows (first: ${broken[0].table} → ${broken[0].parent})`);
  } finally {
    db.$client.pragma('foreign_keys = ON');
  }
  // the rows written before the audit log became a hash chain are sealed once, in order
  await sealUnchainedAuditRows(db);
}

/** What the database must have ahead of time, made sure of between migrations (the server runs it
 * periodically, lib/server/storage-upkeep.ts): on PostgreSQL the iqc_results partitions of this
 * month and the next ones (a month without one keeps its rows in the DEFAULT partition, which every
 * query by period then reads too); nothing on SQLite. Returns the partitions created. */
export async function ensureStorageAhead(db: DB, now: number = Date.now()): Promise<string[]> {
  if (dialectOf(db) !== 'pg') return [];
  const [{ ensureMonthlyPartitions, monthOf }, { PARTITION_MONTHS_AHEAD }] = await Promise.all([import('./pg/partitions'), import('./pg/migrate')]);
  return await ensureMonthlyPartitions((db as unknown as import('./pg/client').PgDB).$client, monthOf(now), PARTITION_MONTHS_AHEAD);
}
