// The hospital's batch check page through its server action: checked in a job worker and held to the
// batch verification's limit per client address (the API's own limit), which it skipped.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';
import { actorForUserId } from '@/lib/auth/resolve';
import { createSeededTestDb, sqlRows } from '../support/db';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const state: { w: World | null; actor: Actor | null; address: string } = { w: null, actor: null, address: '203.0.113.9' };
vi.mock('@/lib/auth', () => ({ currentActor: async () => state.actor }));
vi.mock('@/db/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('@/db/client')>()), getDb: () => state.w!.db }));
vi.mock('next/cache', () => ({ revalidatePath: () => undefined }));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'x-labqc-client-address': state.address }) }));

const { batchCheckAction } = await import('@/app/(hospital)/hospital/actions');
const { verifyBatchLimiter } = await import('@/lib/server/rate-limit');

beforeAll(async () => {
  state.w = await createSeededTestDb();
  const [{ id }] = await sqlRows<{ id: number }>(state.w.db, `SELECT id FROM users WHERE role = 'hospital' LIMIT 1`);
  state.actor = (await actorForUserId(state.w.db, Number(id)))!;
  await verifyBatchLimiter.reset();
});
afterAll(async () => {
  await verifyBatchLimiter.reset();
  state.w?.close();
});

function form(text: string) {
  const f = new FormData();
  f.set('text', text);
  return f;
}

describe('the batch check page', () => {
  it('answers as the service does, and after the per-minute limit of one address refuses (verify.rateLimited) while another address is answered', async () => {
    const first = await batchCheckAction({ ok: false }, form('GZ-001,K,2026-06-01'));
    expect(first).toMatchObject({ ok: true, data: expect.objectContaining({ rows: [expect.objectContaining({ lab: 'GZ-001' })] }) });
    for (let i = 1; i < 60; i++) expect((await batchCheckAction({ ok: false }, form('GZ-001,K,2026-06-01'))).ok).toBe(true);
    const refused = await batchCheckAction({ ok: false }, form('GZ-001,K,2026-06-01'));
    expect(refused).toMatchObject({ ok: false, reason: 'verify.rateLimited' });
    state.address = '203.0.113.10';
    expect((await batchCheckAction({ ok: false }, form('GZ-001,K,2026-06-01'))).ok).toBe(true);
  });
});
