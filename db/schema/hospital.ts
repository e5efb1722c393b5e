import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { id, createdAt } from './columns';
import { users } from './access';
import { analytes } from './geography';

// Hospitals and regional platforms that reuse results (issue 13)

/** A hospital's (or a regulator's platform's) own item codes mapped to catalogue items. The batch
 * verification API resolves a check's `analyte` through the calling account's map (session or API
 * token). `localCode` is stored normalised (trimmed, upper case): matching is case-insensitive. */
export const analyteLocalCodes = sqliteTable(
  'analyte_local_codes',
  {
    id: id(),
    /** the account (a hospital user, or a regulator for their platform) whose code this is */
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id),
    localCode: text('local_code').notNull(),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('analyte_local_codes_uq').on(t.ownerId, t.localCode)],
);

/** Local codes an account sent that resolved to nothing (neither its map, a catalogue code nor a
 * LOINC code), one row per account × code with how often and when: the mapping page lists them. */
export const analyteLocalCodeMisses = sqliteTable(
  'analyte_local_code_misses',
  {
    id: id(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id),
    localCode: text('local_code').notNull(),
    seen: integer('seen').notNull().default(1),
    firstSeenAt: integer('first_seen_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [uniqueIndex('analyte_local_code_misses_uq').on(t.ownerId, t.localCode), index('analyte_local_code_misses_recent_idx').on(t.ownerId, t.lastSeenAt)],
);

export type AnalyteLocalCode = typeof analyteLocalCodes.$inferSelect;
export type AnalyteLocalCodeMiss = typeof analyteLocalCodeMisses.$inferSelect;
