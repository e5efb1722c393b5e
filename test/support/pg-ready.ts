// The integration test files that pass on PostgreSQL (vitest project integration-pg, TEST_BACKEND=pg).
// A file joins the list once `TEST_PG_ALL=1 TEST_BACKEND=pg npx vitest run --project integration-pg <file>`
// is green; SQLite-specific files (pragmas, file permissions, backup/restore, the pg-* files that open
// their own PostgreSQL databases) stay off it.
export const PG_READY: string[] = [
  'test/integration/foundation.test.ts',
  'test/integration/auth-access.test.ts',
  'test/integration/public-api.test.ts',
  'test/integration/recognition-verify.test.ts',
  'test/integration/verify-batch.test.ts',
  'test/integration/recognition-eligibility.test.ts',
  'test/integration/paged-lists.test.ts',
  'test/integration/catalogue-items.test.ts',
  'test/integration/eqa-evaluation.test.ts',
  'test/integration/eqa-api.test.ts',
  'test/integration/eqa-limits.test.ts',
  'test/integration/eqa-submissions.test.ts',
  'test/integration/eqa-categorical.test.ts',
  'test/integration/eqa-categorical-reports.test.ts',
  'test/integration/eqa-regulator-forms.test.ts',
  'test/integration/eqa-background.test.ts',
  'test/integration/admin-audit.test.ts',
  'test/integration/admin-regions-labs.test.ts',
  'test/integration/admin-users-registry.test.ts',
  'test/integration/scope-read-models.test.ts',
  'test/integration/recognition-decisions.test.ts',
  'test/integration/recognition-calendar.test.ts',
  'test/integration/recognition-policy.test.ts',
  'test/integration/recognition-seed.test.ts',
  'test/integration/recognition-overview.test.ts',
  'test/integration/verify-fast-path.test.ts',
  'test/integration/fhir.test.ts',
  'test/integration/security-auth.test.ts',
];
