// Which database the process runs on, decided once at start-up (issue 14):
// DATABASE_URL=postgres://… selects PostgreSQL; otherwise SQLite at DATABASE_PATH (db/client.ts).
// TEST_BACKEND=pg (the vitest project integration-pg) selects the PostgreSQL tables for test databases
// made by test/support/db.ts. Only db/ reads this; nothing outside db/ knows which backend runs.
import { isPostgresUrl } from './pg/url';

export type Backend = 'sqlite' | 'pg';

export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): Backend {
  if (isPostgresUrl(env.DATABASE_URL)) return 'pg';
  if (env.TEST_BACKEND === 'pg') return 'pg';
  return 'sqlite';
}

/** The backend of this process. */
export const BACKEND: Backend = backendFromEnv();
