// The production server's storage upkeep: every LABQC_STORAGE_UPKEEP_MS (default 6 hours) it makes
// sure of what the database needs ahead of time (db/migrate.ts ensureStorageAhead: on PostgreSQL the
// coming months' iqc_results partitions), so that a server running for months does not depend on a
// cron job for them. Start-up has done it once already (migrations). Several instances may run it: one
// creates a partition at a time, and a month that exists is left alone.
import type { DB } from '@/db/client';
import { ensureStorageAhead } from '@/db/migrate';

/** Start the periodic upkeep; returns its stop (no further round; resolves when the round under way ends). */
export function startStorageUpkeep(db: DB, opts: { everyMs?: number; now?: () => number } = {}): () => Promise<void> {
  const everyMs = opts.everyMs ?? (Number(process.env.LABQC_STORAGE_UPKEEP_MS) || 6 * 3_600_000);
  const now = opts.now ?? Date.now;
  let running: Promise<void> | null = null;
  const round = async () => {
    try {
      const created = await ensureStorageAhead(db, now());
      if (created.length) console.log(`[labqc] storage upkeep: created ${created.join(', ')}`);
    } catch (e) {
      // the next round tries again; until then new rows of a month without its partition wait in the default one
      console.error('[labqc] storage upkeep failed:', (e as Error)?.message ?? e);
    }
  };
  const timer = setInterval(() => void (running ??= round().finally(() => (running = null))), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
