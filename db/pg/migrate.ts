// PostgreSQL migrations (issue 14): the committed db/migrations-pg (drizzle-kit, drizzle.pg.config.ts),
// then this month's and the next 3 months' partitions of iqc_results. Several app instances may
// start at once: an advisory lock lets one migrate while the others wait.
import path from 'node:path';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { PgDB } from './client';
import { ensureMonthlyPartitions, monthOf } from './partitions';

const migrationsFolder = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'db/migrations-pg');

/** Months of iqc_results partitions every migrate makes sure of, from the current one. */
export const PARTITION_MONTHS_AHEAD = 4;

export async function runPgMigrations(db: PgDB, now: number = Date.now()): Promise<{ partitionsCreated: string[] }> {
  const client = await db.$client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['labqc:migrate']);
    try {
      await migrate(drizzle(client as unknown as pg.Client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['labqc:migrate']);
    }
  } finally {
    client.release();
  }
  const partitionsCreated = await ensureMonthlyPartitions(db.$client, monthOf(now), PARTITION_MONTHS_AHEAD);
  return { partitionsCreated };
}
