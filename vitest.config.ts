import { defineConfig } from 'vitest/config';
import path from 'node:path';
import { PG_READY } from './test/support/pg-ready';

const root = path.dirname(new URL(import.meta.url).pathname);
// prints "PostgreSQL: <version> at <host:port>" or "PostgreSQL: skipped (TEST_DATABASE_URL not set)" once
const pgBanner = './test/support/pg-global-setup.ts';

// The same integration files on PostgreSQL (TEST_BACKEND=pg: db/schema hands out the pg tables and
// createTestDb() a fresh PostgreSQL database), those listed in test/support/pg-ready.ts; only when a
// server is given (TEST_DATABASE_URL), otherwise the banner above says PostgreSQL was skipped.
const integrationPg = process.env.TEST_DATABASE_URL
  ? [
      {
        extends: true as const,
        test: {
          name: 'integration-pg',
          // TEST_PG_ALL=1: every integration file, to try one that is not on the list yet
          include: process.env.TEST_PG_ALL ? ['test/integration/**/*.test.ts'] : PG_READY.length ? PG_READY : ['test/integration/__none__'],
          environment: 'node' as const,
          env: { TEST_BACKEND: 'pg' },
          globalSetup: [pgBanner],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ]
  : [];

// The browser tests again with the production server on PostgreSQL (test/e2e/global-setup-pg.ts: a new
// database on the TEST_DATABASE_URL server, migrated and seeded by `tsx db/cli.ts seed`, dropped
// afterwards); the app is built once for both e2e projects. groupOrder 1: after every other project, so
// the two browser suites never share the machine's cores with each other.
const e2ePg = process.env.TEST_DATABASE_URL
  ? [
      {
        extends: true as const,
        test: {
          name: 'e2e-pg',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node' as const,
          // the tests' own reads and fixtures go through the PostgreSQL tables (db/schema)
          env: { TEST_BACKEND: 'pg' },
          globalSetup: ['./test/e2e/global-setup-pg.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ]
  : [];

export default defineConfig({
  resolve: { alias: { '@': root } },
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', globalSetup: [pgBanner] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: [pgBanner],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      ...integrationPg,
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      ...e2ePg,
    ],
  },
});
