// The server's storage upkeep (lib/server/storage-upkeep.ts): what the database needs ahead of time is
// made sure of every few hours, not only by a migration at start-up or a cron job. On PostgreSQL that is
// the coming months' iqc_results partitions; on SQLite nothing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDb, type TestDb } from '../support/db';
import { rawAll } from '@/db/dialect';
import { ensureStorageAhead } from '@/db/migrate';
import { startStorageUpkeep } from '@/lib/server/storage-upkeep';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

/** The monthly partitions of iqc_results (PostgreSQL), by name. */
const partitions = async () =>
  t.backend === 'pg'
    ? (await rawAll<{ name: string }>(t.db, sql`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'iqc_results'::regclass`)).map((r) => r.name).sort()
    : [];

describe('storage upkeep', () => {
  it('makes sure of this month and the next three: created once, a second round finds them there', async () => {
    const at = Date.UTC(2031, 4, 20, 23, 30); // 20 May 2031, 23:30Z
    const created = await ensureStorageAhead(t.db, at);
    if (t.backend === 'pg') {
      expect(created).toEqual(['iqc_results_y2031m05', 'iqc_results_y2031m06', 'iqc_results_y2031m07', 'iqc_results_y2031m08']);
      expect(await partitions()).toEqual(expect.arrayContaining(created));
    } else {
      expect(created).toEqual([]);
    }
    expect(await ensureStorageAhead(t.db, at)).toEqual([]);
  });

  it('the server’s loop does it every interval, without a restart or a cron job, and stops', async () => {
    const errors = vi.spyOn(console, 'error');
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    let now = Date.UTC(2032, 0, 10);
    const stop = startStorageUpkeep(t.db, { everyMs: 25, now: () => now });
    const has = async (name: string) => (await partitions()).includes(name);
    try {
      if (t.backend === 'pg') {
        await vi.waitFor(async () => expect(await has('iqc_results_y2032m04')).toBe(true), { timeout: 5_000, interval: 25 });
        expect(logs).toHaveBeenCalledWith(expect.stringContaining('iqc_results_y2032m01'));
        // months later, still running: the months then ahead
        now = Date.UTC(2032, 5, 1);
        await vi.waitFor(async () => expect(await has('iqc_results_y2032m09')).toBe(true), { timeout: 5_000, interval: 25 });
      } else {
        await new Promise((r) => setTimeout(r, 150));
      }
      expect(errors).not.toHaveBeenCalled();
    } finally {
      await stop();
      errors.mockRestore();
      logs.mockRestore();
    }
    // stopped: no round creates the months that would come next
    now = Date.UTC(2033, 0, 1);
    await new Promise((r) => setTimeout(r, 150));
    expect(await partitions()).not.toContain('iqc_results_y2033m01');
  });
});
