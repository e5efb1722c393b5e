import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { CERTIFICATION_STATUSES, CERTIFICATION_ACTIONS, CALENDAR_DAY_KINDS } from '../enums';
import { id, createdAt } from './columns';
import { users } from './access';
import { regions, laboratories, analytes } from './geography';

// Mutual recognition

/** Recognition policy of a region, versioned by effective date; a city without its own policy
 * inherits its province's. `criteria` holds the configurable thresholds, `windows` the recognition
 * window per item. */
export const recognitionPolicies = sqliteTable(
  'recognition_policies',
  {
    id: id(),
    regionId: integer('region_id')
      .notNull()
      .references(() => regions.id),
    version: integer('version').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    criteria: text('criteria', { mode: 'json' }).notNull(),
    analyteCodes: text('analyte_codes', { mode: 'json' }).$type<string[]>().notNull(),
    validityMonths: integer('validity_months').notNull().default(12),
    /** recognition window per item: how many days after its day a result stays recognisable (item
     * code → days, null = no limit) and the days of items not listed; null column = system default */
    windows: text('windows', { mode: 'json' }).$type<{ defaultDays: number | null; items: Record<string, number | null> }>(),
    reason: text('reason'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('recognition_policies_uq').on(t.regionId, t.version), index('recognition_policies_effective_idx').on(t.regionId, t.effectiveFrom)],
);

/** The working calendar: days that break the Monday–Friday rule (official holidays on weekdays,
 * make-up working days on weekends). `regionId` null is the national calendar (seeded with the State
 * Council's arrangement); a region's entries apply to its labs and override the national entry of
 * the same day. Working days count IQC coverage for recognition and the regional overview. */
export const calendarDays = sqliteTable(
  'calendar_days',
  {
    id: id(),
    regionId: integer('region_id').references(() => regions.id),
    day: text('day').notNull(),
    kind: text('kind', { enum: CALENDAR_DAY_KINDS }).notNull(),
    name: text('name').notNull(),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('calendar_days_uq').on(sql`coalesce(${t.regionId}, 0)`, t.day), index('calendar_days_day_idx').on(t.day)],
);

/** Latest eligibility verdict per lab × analyte, with one line per criterion. */
export const eligibilityResults = sqliteTable(
  'eligibility_results',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    policyId: integer('policy_id').references(() => recognitionPolicies.id),
    eligible: integer('eligible', { mode: 'boolean' }).notNull(),
    criteria: text('criteria', { mode: 'json' }).notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [
    uniqueIndex('eligibility_results_uq').on(t.labId, t.analyteId),
    index('eligibility_results_eligible_idx').on(t.eligible, t.labId),
    // the recognition queue sorted by test, or by when the verdict was computed
    index('eligibility_results_analyte_idx').on(t.analyteId, t.eligible, t.labId),
    index('eligibility_results_computed_idx').on(t.eligible, t.computedAt),
  ],
);

/** A certification of lab × analyte within a region (the scope of its HR mark). Status changes are
 * recorded as events with an effective date, so the status on any past date can be answered. */
export const certifications = sqliteTable(
  'certifications',
  {
    id: id(),
    labId: integer('lab_id')
      .notNull()
      .references(() => laboratories.id),
    analyteId: integer('analyte_id')
      .notNull()
      .references(() => analytes.id),
    scopeRegionId: integer('scope_region_id')
      .notNull()
      .references(() => regions.id),
    scope: text('scope').notNull(),
    mark: text('mark').notNull(),
    certificateNo: text('certificate_no').notNull(),
    status: text('status', { enum: CERTIFICATION_STATUSES }).notNull(),
    validFrom: text('valid_from').notNull(),
    validTo: text('valid_to').notNull(),
    flagged: integer('flagged', { mode: 'boolean' }).notNull().default(false),
    flagReason: text('flag_reason'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('certifications_no_uq').on(t.certificateNo),
    index('certifications_lab_analyte_idx').on(t.labId, t.analyteId, t.validFrom),
    index('certifications_status_idx').on(t.status, t.flagged),
  ],
);

/** Every certificate number issued, and its lab and certification: numbers are public (the
 * certificate, FHIR identifiers, verification by number) and unique nationally. Certifications are
 * kept by lab (on PostgreSQL their keys include lab_id, so that Citus can shard them by lab), so
 * this small table, a reference table on Citus, is what keeps a number from being issued twice
 * across labs; it also tells which lab holds a number. Written with the certification
 * (db/queries/certifications.ts insertCertification). */
export const certificateNumbers = sqliteTable('certificate_numbers', {
  certificateNo: text('certificate_no').primaryKey(),
  labId: integer('lab_id')
    .notNull()
    .references(() => laboratories.id),
  certificationId: integer('certification_id').notNull(),
});

/** Decision history: every approval, rejection, suspension, reinstatement, revocation, expiry and
 * flag, with who, when, why and the day it takes effect. */
export const certificationEvents = sqliteTable(
  'certification_events',
  {
    id: id(),
    certificationId: integer('certification_id').references(() => certifications.id),
    labId: integer('lab_id').notNull(),
    analyteId: integer('analyte_id').notNull(),
    action: text('action', { enum: CERTIFICATION_ACTIONS }).notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    effectiveOn: text('effective_on').notNull(),
    reason: text('reason').notNull(),
    actorId: integer('actor_id').references(() => users.id),
    at: integer('at').notNull(),
  },
  // certification_events_at_idx: the watchers' "recent changes" (db/queries/hospital.ts recentChangesForOwner)
  // walk the events newest first and stop after the page, instead of sorting every event
  (t) => [index('certification_events_cert_idx').on(t.certificationId, t.effectiveOn), index('certification_events_lab_idx').on(t.labId, t.analyteId), index('certification_events_at_idx').on(t.at, t.id)],
);

export type Certification = typeof certifications.$inferSelect;
export type CertificationEvent = typeof certificationEvents.$inferSelect;
