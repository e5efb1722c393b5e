// The webhook outbox's producer side: a certification event that a watcher is told about
// (NOTIFIED_ACTIONS) becomes one delivery row per active endpoint of each account watching the lab,
// in the transaction that inserted the event (insertCertificationEvent calls it). Nothing is sent
// here: the dispatcher (lib/services/hospital/webhooks.ts) sends later from a background loop.
import type { Conn } from '../client';
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
