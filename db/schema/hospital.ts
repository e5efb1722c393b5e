import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { id, createdAt } from './columns';
import { users } from './access';
import { analytes, laboratories, regions } from './geography';

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

/** What a hospital watches: one lab (`labId`) or every lab of a region and its cities (`regionId`).
 * A suspension, revocation or expiry of a certification of a watched lab shows on its page and is
 * sent to its webhook endpoints. Unwatching deletes the row (audited). */
export const hospitalWatches = sqliteTable(
  'hospital_watches',
  {
    id: id(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id),
    labId: integer('lab_id').references(() => laboratories.id),
    regionId: integer('region_id').references(() => regions.id),
    createdAt: createdAt(),
  },
  // one watch per owner and lab or region (NULLs are distinct: a lab watch never meets a region watch),
  // so the same watch added twice at once is one row on PostgreSQL too (db/tx.ts retries the other)
  (t) => [
    uniqueIndex('hospital_watches_owner_lab_uq').on(t.ownerId, t.labId),
    uniqueIndex('hospital_watches_owner_region_uq').on(t.ownerId, t.regionId),
    index('hospital_watches_lab_idx').on(t.labId),
    index('hospital_watches_region_idx').on(t.regionId),
  ],
);

/** A hospital system's HTTPS endpoint that receives signed certification events. `secret` signs
 * each body (HMAC-SHA256, lib/services/hospital/webhook-signature.ts); it is shown once at creation.
 * A disabled endpoint gets no new deliveries. */
export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: id(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    disabledAt: integer('disabled_at'),
  },
  (t) => [index('webhook_endpoints_owner_idx').on(t.ownerId)],
);

/** The outbox: one row per endpoint × event, inserted in the transaction that made the event; the
 * dispatcher (lib/services/hospital/webhooks.ts) leases due rows, sends them and reschedules.
 * status: pending (to send at nextAttemptAt), delivered (a 2xx), failed (24 h of refusals). */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: id(),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    event: text('event').notNull(),
    /** the certification event it reports (null for a test event) */
    certificationEventId: integer('certification_event_id'),
    /** the JSON body, frozen when the event happened */
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /** retries stop after this instant (created + 24 h) */
    giveUpAt: integer('give_up_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
    uniqueIndex('webhook_deliveries_event_uq').on(t.endpointId, t.certificationEventId),
  ],
);

/** Every attempt to send a delivery: HTTP status (null when no answer), duration and error. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: id(),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    at: integer('at').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.at)],
);

export type AnalyteLocalCode = typeof analyteLocalCodes.$inferSelect;
export type AnalyteLocalCodeMiss = typeof analyteLocalCodeMisses.$inferSelect;
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
