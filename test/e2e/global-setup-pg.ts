// Project e2e-pg (only when TEST_DATABASE_URL is set): the browser tests against the production server
// on PostgreSQL, a new database of the TEST_DATABASE_URL server, migrated, seeded with the demo data
// (`tsx db/cli.ts seed`) and dropped afterwards (test/e2e/global-setup.ts).
import type { TestProject } from 'vitest/node';
import { startE2eServer } from './global-setup';

export default function setup(project: TestProject) {
  return startE2eServer(project, 'pg');
}
