// The production server's webhook loop (run by its own worker thread, lib/server/webhook-worker.ts,
// started by lib/server/main.ts; in that thread when the worker is not compiled): every WEBHOOK_INTERVAL_MS
// (default 15 s) send the due outbox rows (lib/services/hospital/webhooks.ts dispatchWebhooks), and
// every hour (and at start) turn certifications past their validity into `expired`, which queues
// their webhooks once, and start the day's eligibility run if no instance has yet (runDailyEligibility).
// Several instances on one database may run it: deliveries are leased, the day's run is claimed.
import type { DB } from '@/db/client';
import { checkExpiries, dispatchWebhooks } from '@/lib/services/hospital/webhooks';
import { runDailyEligibility } from '@/lib/services/recognition/eligibility';

/** Start the loop; `keepAlive` keeps the thread alive for it (the dispatcher's own worker thread).
 * Returns its stop: no further round, and resolves once the round under way has ended (a delivery
 * in flight is answered and recorded). */
export function startWebhookDispatcher(db: DB, opts: { intervalMs?: number; expiryEveryMs?: number; keepAlive?: boolean } = {}): () => Promise<void> {
  const intervalMs = opts.intervalMs ?? (Number(process.env.WEBHOOK_INTERVAL_MS) || 15_000);
  const expiryEveryMs = opts.expiryEveryMs ?? 3_600_000;
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastExpiry = 0;
  const tick = () => (running ??= round().finally(() => (running = null)));
  const round = async () => {
    try {
      if (Date.now() - lastExpiry >= expiryEveryMs) {
        lastExpiry = Date.now();
        await checkExpiries(db);
        await runDailyEligibility(db);
      }
      // drain: a full batch means more may be due
      for (let i = 0; i < 10 && !stopped; i++) {
        const r = await dispatchWebhooks(db);
        if (r.delivered + r.retrying + r.failed < 20) break;
      }
    } catch (e) {
      console.error('[labqc] webhook dispatch failed:', (e as Error)?.message ?? e);
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  if (!opts.keepAlive) timer.unref();
  void tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
