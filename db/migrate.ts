import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import path from 'node:path';
import type { DB } from './client';
import { sealUnchainedAuditRows } from './queries/audit-chain';

// npm scripts, tests and the server all run from the repository root.
const migrationsFolder = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'db/migrations');

/** Apply every committed drizzle-kit migration that the database has not seen yet. */
export function runMigrations(db: DB): void {
  migrate(db, { migrationsFolder });
  // the rows written before the audit log became a hash chain are sealed once, in order
  sealUnchainedAuditRows(db);
}
