// The webhook outbox's producer side: a certification event that a watcher is told about
// (NOTIFIED_ACTIONS) becomes one delivery row per active endpoint of each account watching the lab,
// in the transaction that inserted the event (insertCertificationEvent calls it). Nothing is sent
// here: the dispatcher (lib/services/hospital/webhooks.ts) sends later from a background loop, on
// every app instance: each claims the due rows it sends (leaseDueDeliveries in ./hospital.ts, on
// PostgreSQL leaseDueDeliveriesPg below), so one delivery is sent by one instance.
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { rawAll } from '../dialect';
import { webhookDeliveries as d } from '../schema';
import { certificationEventFacts, endpointsWatchingLab, insertDelivery, NOTIFIED_ACTIONS } from './hospital';

/** Retries stop 24 h after the event. */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 3_600_000;

const EVENT_NAME: Record<(typeof NOTIFIED_ACTIONS)[number], string> = {
  suspend: 'certification.suspended',
  revoke: 'certification.revoked',
  expire: 'certification.expired',
  reinstate: 'certification.reinstated',
};

/** The JSON body of a certification event's webhook (its fields are the README's contract). */
export async function certificationEventBody(db: Conn, eventId: number): Promise<{ event: string; body: string } | null> {
  const f = await certificationEventFacts(db, eventId);
  if (!f || !(NOTIFIED_ACTIONS as readonly string[]).includes(f.action)) return null;
  const event = EVENT_NAME[f.action as (typeof NOTIFIED_ACTIONS)[number]];
  const body = {
    id: `evt_${f.id}`,
    event,
    lab: f.labCode,
    labName: f.labName,
    analyte: f.analyteCode,
    analyteName: f.analyteName,
    loinc: f.loinc ?? null,
    status: f.toStatus,
    previousStatus: f.fromStatus,
    effectiveOn: f.effectiveOn,
    certificationId: f.certificationId,
    certificateNo: f.certificateNo ?? null,
    mark: f.mark ?? null,
    validTo: f.validTo ?? null,
    reason: f.reason,
    occurredAt: new Date(f.at).toISOString(),
  };
  return { event, body: JSON.stringify(body) };
}

/** Queue the event's deliveries (idempotent per endpoint × event). Returns how many were queued. */
export async function enqueueCertificationWebhooks(db: Conn, e: { id: number; labId: number; action: string }, now: number): Promise<number> {
  if (!(NOTIFIED_ACTIONS as readonly string[]).includes(e.action)) return 0;
  const endpoints = await endpointsWatchingLab(db, e.labId);
  if (!endpoints.length) return 0;
  const made = await certificationEventBody(db, e.id);
  if (!made) return 0;
  let n = 0;
  for (const ep of endpoints) if (await insertDelivery(db, { endpointId: ep.id, event: made.event, certificationEventId: e.id, payload: made.body, now, giveUpAt: now + WEBHOOK_RETRY_WINDOW_MS })) n++;
  return n;
}

/**
 * PostgreSQL: lease up to `limit` due deliveries for `owner` until `leaseUntil`. The rows are picked
 * with FOR UPDATE SKIP LOCKED, so two instances leasing at once take different rows, and the UPDATE
 * repeats the due condition: a statement that waited for another's commit (read committed) re-checks
 * the row as committed and leaves a row just leased by the other. (Without both, the second
 * instance's UPDATE … WHERE id IN (subquery) would take over the first's lease and send it again.)
 */
export async function leaseDueDeliveriesPg(db: Conn, owner: string, now: number, leaseUntil: number, limit: number) {
  const due = sql`${d.status} = 'pending' AND ${d.nextAttemptAt} <= ${now} AND (${d.leaseUntil} IS NULL OR ${d.leaseUntil} <= ${now})`;
  return await rawAll<{ id: number; endpointId: number; payload: string; attempts: number; giveUpAt: number; createdAt: number }>(
    db,
    sql`UPDATE ${d} SET lease_owner = ${owner}, lease_until = ${leaseUntil}
        WHERE ${d.id} IN (SELECT ${d.id} FROM ${d} WHERE ${due} ORDER BY ${d.nextAttemptAt} LIMIT ${limit} FOR UPDATE SKIP LOCKED) AND ${due}
        RETURNING ${d.id} AS id, ${d.endpointId} AS endpointId, ${d.payload} AS payload, ${d.attempts} AS attempts, ${d.giveUpAt} AS giveUpAt, ${d.createdAt} AS createdAt`,
  );
}
