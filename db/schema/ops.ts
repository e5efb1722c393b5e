import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';

// What several app instances on one PostgreSQL database share (issue 14). SQLite has one process
// per database, which keeps these in memory (rate limits) or runs jobs in process (lib/jobs.ts), so
// there the tables stay empty; they exist on both so the schemas stay alike.

/** One fixed window of a rate limit per key (`<limiter>:<client>`): opened by the key's first take,
 * counted by one atomic upsert per take (db/queries/rate-limit.ts); ended windows are pruned. */
export const rateLimitWindows = sqliteTable(
  'rate_limit_windows',
  {
    key: text('key').primaryKey(),
    windowStart: integer('window_start').notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [index('rate_limit_windows_start_idx').on(t.windowStart)],
);

/** A queued job whose effect is committed (lib/jobs/pg-boss.ts): written in the same transaction as
 * the job's work, so a retry after a crash between that commit and the queue's completion skips it. */
export const jobRuns = sqliteTable('job_runs', {
  /** the queue's job id (pg-boss uuid) */
  jobId: text('job_id').primaryKey(),
  name: text('name').notNull(),
  /** the app instance that ran it */
  instance: text('instance').notNull(),
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at'),
  /** the job's reply ({ ok, value } or { ok: false, error }), as the queue's completion holds it */
  output: text('output', { mode: 'json' }).$type<unknown>(),
});
