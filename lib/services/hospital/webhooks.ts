// Webhook endpoints of a hospital's systems, the test event, and the dispatcher that sends the
// outbox (webhook_deliveries). Deliveries are inserted by the transaction that made the event
// (db/queries/webhook-outbox.ts); the dispatcher runs apart from it: the production server calls
// runWebhookTick on an interval (lib/server/webhooks.ts), tests call dispatchWebhooks directly.
//
// Each send: POST the frozen JSON body with `LabQC-Signature: t=<unix>,v1=<hex>` (HMAC-SHA256 of
// `${t}.${body}` with the endpoint's secret, ./webhook-signature.ts), a timeout, no redirects; the
// connection goes only to an address that passes the check (./webhook-url.ts: no loopback, private or
// link-local targets), made as it connects (./webhook-send.ts). A 2xx
// ends the delivery; anything else (status, timeout, network error) is retried after 1, 2, 4, 8, …
// minutes (capped at an hour) until 24 h after the event, then the delivery is `failed`. Every
// attempt is logged (status, duration, error). Due rows are leased with one UPDATE … RETURNING, so
// two app instances on one database never send a row twice.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { disableEndpoint, findEndpoint, finishAttempt, insertDelivery, insertEndpoint, leaseDueDeliveries, listDeliveries, listEndpoints } from '@/db/queries/hospital';
import { WEBHOOK_RETRY_WINDOW_MS } from '@/db/queries/webhook-outbox';
import type { Actor } from '@/lib/auth/core';
import { dayOf } from '@/lib/calendar';
import { AppError, fieldError } from '@/lib/errors';
import { expireCertifications } from '@/lib/services/recognition/decisions';
import { ownerAudit, requireOwner } from './access';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';
import { sendWebhook, WebhookRefused } from './webhook-send';
import { staticUrlProblem, webhookUrlProblem, type Resolver, type UrlProblem } from './webhook-url';
import { withTx } from '@/db/tx';

/** Delay before retry n (n = attempts made so far, ≥ 1): 1 min · 2^(n-1), at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attempts - 1));
}

const endpointInput = z.object({
  name: z.string().trim().min(1).max(80),
  url: z
    .string()
    .trim()
    .max(2000)
    .refine((u) => staticUrlProblem(u, true) === null),
});

/** Add an endpoint; its signing secret is returned once (`secret`, shown by the form). Refuses URLs
 * that are, or resolve to, the server's own or private network (./webhook-url.ts). */
export async function createEndpoint(db: DB, actor: Actor, input: unknown, opts: { now?: number; resolve?: Resolver } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const p = endpointInput.safeParse(input);
  if (!p.success) throw AppError.invalid('Invalid endpoint', p.error.issues.map((i) => (i.path[0] === 'url' ? fieldError(staticUrlProblem(String((input as { url?: unknown })?.url ?? ''), true)?.reason ?? 'webhook.urlInvalid', {}, 'url') : fieldError('common.invalid', {}, String(i.path[0] ?? 'name')))));
  const problem = await webhookUrlProblem(p.data.url, { resolve: opts.resolve });
  if (problem) throw AppError.invalid('Invalid endpoint', [fieldError(problem.reason, problem.params, 'url')]);
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const row = await insertEndpoint(tx, { ownerId, name: p.data.name, url: p.data.url, secret }, now);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'webhook.create', entityType: 'webhook_endpoint', entityId: row.id, details: { name: p.data.name, url: p.data.url }, at: now });
    return { id: row.id, name: p.data.name, url: p.data.url, secret };
  });
}

async function ownEndpoint(db: DB, ownerId: number, input: unknown) {
  const id = z.coerce.number().int().positive().safeParse((input as { id?: unknown })?.id);
  const ep = id.success ? await findEndpoint(db, id.data) : undefined;
  if (!ep || ep.ownerId !== ownerId) throw new AppError('webhook.notFound');
  return ep;
}

export async function disableWebhookEndpoint(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const ep = await ownEndpoint(tx as unknown as DB, ownerId, input);
    if (!ep.active) return { id: ep.id, disabled: false };
    await disableEndpoint(tx, ep.id, now);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'webhook.disable', entityType: 'webhook_endpoint', entityId: ep.id, details: { url: ep.url }, at: now });
    return { id: ep.id, disabled: true };
  });
}

/** Queue a `test` event for one endpoint (sent by the dispatcher like any other). */
export async function sendTestEvent(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const ep = await ownEndpoint(tx as unknown as DB, ownerId, input);
    if (!ep.active) throw new AppError('webhook.disabled');
    const body = JSON.stringify({ id: `test_${now}`, event: 'test', lab: 'TEST-LAB', analyte: 'GLU', status: 'suspended', effectiveOn: dayOf(now), certificationId: null, test: true, occurredAt: new Date(now).toISOString() });
    const row = await insertDelivery(tx, { endpointId: ep.id, event: 'test', certificationEventId: null, payload: body, now, giveUpAt: now + WEBHOOK_RETRY_WINDOW_MS });
    await insertAudit(tx, { ...ownerAudit(actor), action: 'webhook.test', entityType: 'webhook_endpoint', entityId: ep.id, at: now });
    return { id: row?.id ?? null };
  });
}

export async function webhookWorkspace(db: DB, actor: Actor) {
  const ownerId = requireOwner(actor, 'watchList.manage');
  return { endpoints: await listEndpoints(db, ownerId), deliveries: await listDeliveries(db, ownerId) };
}

export interface DispatchOptions {
  /** the clock (tests move it); default Date.now */
  now?: () => number;
  /** who holds the leases (one per process); default host:pid:random */
  owner?: string;
  limit?: number;
  timeoutMs?: number;
  /** host → addresses for the address check of each send (tests); default the system resolver */
  resolve?: Resolver;
}

const PROCESS_OWNER = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * Send the due deliveries once: lease them, POST each (in parallel, each with its timeout), record
 * the attempt and reschedule or close. Returns what happened to each leased row.
 */
export async function dispatchWebhooks(db: DB, opts: DispatchOptions = {}): Promise<{ delivered: number; retrying: number; failed: number }> {
  const clock = opts.now ?? Date.now;
  const owner = opts.owner ?? PROCESS_OWNER;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const start = clock();
  const leased = await leaseDueDeliveries(db, owner, start, start + timeoutMs + 60_000, opts.limit ?? 20);
  const out = { delivered: 0, retrying: 0, failed: 0 };
  await Promise.all(
    leased.map(async (d) => {
      const ep = await findEndpoint(db, d.endpointId);
      const sentAt = clock();
      let statusCode: number | null = null;
      let error: string | null = null;
      const t0 = performance.now();
      // a literal address in the URL is checked here; a name, by the connection's lookup (./webhook-send.ts)
      const refused = ep && ep.active && ep.ownerActive ? staticUrlProblem(ep.url) : null;
      if (!ep || !ep.active) error = 'endpoint disabled';
      else if (!ep.ownerActive) error = 'account deactivated';
      else if (refused) error = refusal(refused);
      else {
        try {
          statusCode = await sendWebhook(ep.url, {
            headers: { 'content-type': 'application/json', 'user-agent': 'LabQC-Webhooks/1', [SIGNATURE_HEADER]: signatureHeader(ep.secret, d.payload, sentAt), 'LabQC-Delivery': String(d.id) },
            body: d.payload,
            timeoutMs,
            resolve: opts.resolve,
          });
          if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
        } catch (e) {
          const err = e as Error;
          error = e instanceof WebhookRefused ? refusal(e.problem) : err.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : String((err.cause as Error | undefined)?.message ?? err.message).slice(0, 300);
        }
      }
      const durationMs = Math.round(performance.now() - t0);
      const at = clock();
      const attempts = d.attempts + 1;
      const next = at + retryDelayMs(attempts);
      const status = error === null ? 'delivered' : !ep || !ep.active || next > d.giveUpAt ? 'failed' : 'pending';
      if (await finishAttempt(db, { id: d.id, owner, at, statusCode, durationMs, error, status, nextAttemptAt: status === 'pending' ? next : at, attempts })) out[status === 'delivered' ? 'delivered' : status === 'failed' ? 'failed' : 'retrying']++;
    }),
  );
  return out;
}

/** An attempt's logged error for a refused address. */
function refusal(p: UrlProblem): string {
  return p.reason === 'webhook.urlPrivate' ? `refused: ${p.params.host} is not at a public address (${p.params.kind})` : `refused: ${p.reason}`;
}

/** The periodic check: certifications whose validity ended become `expired` (once: the status
 * changes, with a certification event that queues its webhooks). */
export async function checkExpiries(db: DB, now = Date.now()): Promise<number> {
  return await expireCertifications(db, { now });
}
