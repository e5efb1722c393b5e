import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { ROLES, TOKEN_SCOPES } from '../enums';
import { id, createdAt } from './columns';
import { regions, laboratories } from './geography';

// People and access

export const users = sqliteTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    labId: integer('lab_id').references(() => laboratories.id),
    regionId: integer('region_id').references(() => regions.id),
    locale: text('locale'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    deactivatedAt: integer('deactivated_at'),
    /** set for a temporary password (new account, reset): the user must choose their own first */
    mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(false),
    /** raised by every password change or reset; a session signed with an older value has ended */
    sessionVersion: integer('session_version').notNull().default(0),
    passwordChangedAt: integer('password_changed_at'),
  },
  (t) => [uniqueIndex('users_email_uq').on(t.email), index('users_lab_idx').on(t.labId), index('users_region_idx').on(t.regionId), index('users_role_name_idx').on(t.role, t.name)],
);

/** Failed sign-ins counted per key (an account, an unknown email's hash, or a client address) in a
 * 15-minute window; ten failures lock the key. Rows are fixed-size and deleted when their window
 * ends (after one aggregated audit row), so an attacker cannot grow the table or the audit log. */
export const signInThrottle = sqliteTable('sign_in_throttle', {
  key: text('key').primaryKey(),
  userId: integer('user_id'),
  windowStart: integer('window_start').notNull(),
  failures: integer('failures').notNull(),
  /** attempts refused while locked (not checked, not counted as failures) */
  refused: integer('refused').notNull().default(0),
  lockedUntil: integer('locked_until'),
  lastAt: integer('last_at').notNull(),
  lastReason: text('last_reason'),
});

/** LIS/middleware tokens of a lab. Only a SHA-256 of the token is stored; `prefix` identifies it in
 * lists. A token acts with the rights of its creator, and stops working when revoked or when the
 * creator is deactivated. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: id(),
    /** the lab whose LIS uses it; null for a hospital's or a regulator's platform token (scope `verify`) */
    labId: integer('lab_id').references(() => laboratories.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    /** what the token may do; tokens created before scopes existed keep all three (they were used for both) */
    scopes: text('scopes', { mode: 'json' })
      .$type<(typeof TOKEN_SCOPES)[number][]>()
      .notNull()
      .default(sql`'["read","iqc:write","eqa:submit"]'`),
    expiresAt: integer('expires_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash_uq').on(t.tokenHash), index('api_tokens_lab_idx').on(t.labId)],
);

/** Snapshot of an entity before each administrative edit (regions, labs, users, analytes,
 * policies...), so edits keep history without a history table per entity. */
export const entityVersions = sqliteTable(
  'entity_versions',
  {
    id: id(),
    entityType: text('entity_type').notNull(),
    entityId: integer('entity_id').notNull(),
    version: integer('version').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
    reason: text('reason'),
    changedBy: integer('changed_by').references(() => users.id),
    changedAt: integer('changed_at').notNull(),
  },
  (t) => [uniqueIndex('entity_versions_uq').on(t.entityType, t.entityId, t.version)],
);

/** Append-only: triggers in the migrations refuse UPDATE and DELETE. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: id(),
    at: integer('at').notNull(),
    actorId: integer('actor_id'),
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    labId: integer('lab_id'),
    regionId: integer('region_id'),
    details: text('details', { mode: 'json' }),
    ip: text('ip'),
    /** the previous row's hash (64 zeros for the first row): the rows form a chain (db/queries/audit-chain.ts) */
    prevHash: text('prev_hash'),
    /** SHA-256 (hex) of prevHash and this row's canonical content; set once, in the row's transaction */
    hash: text('hash'),
  },
  (t) => [
    index('audit_at_idx').on(t.at),
    index('audit_entity_idx').on(t.entityType, t.entityId),
    index('audit_lab_idx').on(t.labId, t.at),
    index('audit_action_idx').on(t.action, t.at),
  ],
);

// ---------------------------------------------------------------------------------------------

export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
