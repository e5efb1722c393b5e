// The database's answer to a health check: one round trip that needs no table (SELECT 1), on the
// primary (the handle given), so that a load balancer takes an instance out when its database is gone.
import { sql } from 'drizzle-orm';
import type { DB } from '../client';
import { rawAll } from '../dialect';

/** Resolves when the database answers a trivial statement; rejects with the driver's error otherwise. */
export async function pingDatabase(db: DB): Promise<void> {
  await rawAll(db, sql`SELECT 1 AS ok`);
}
