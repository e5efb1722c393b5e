// The lab's IQC run window (issue 9: "setting per lab, default 30 min") through GET/PUT
// /api/v1/iqc/settings (route handlers with plain Requests): the default, the grouping it decides for
// results ingested after a change (two levels 15 min apart: one run at 30 min, two at 10 min; stored
// runs keep theirs), who may change it, the 1–720 range, and the audit row. The session is stood in
// for by a mocked apiActor; bearer tokens go through the real token resolution
// (test/support/api-actor.ts).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '@/lib/auth/core';
import { first } from '@/db/dialect';

let sessionActor: Actor | null = null;
vi.mock('@/lib/auth', async () => (await import('../support/api-actor')).apiActorMock(() => sessionActor));

import { createSeededTestDb, useAsProcessDb } from '../support/db';
import { auditLog, laboratories } from '@/db/schema';
import { createApiToken } from '@/lib/services/tokens';
import { getRuns, postResults } from '@/lib/services/iqc/api';
import { GET, PUT } from '@/app/api/v1/iqc/settings/route';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let gz: Actor;
let gzId: number;

beforeAll(async () => {
  t = await createSeededTestDb();
  await useAsProcessDb(t);
  gz = t.labManagers.get('GZ-001')!;
  gzId = gz.labId!;
});
afterAll(async () => {
  await t.close();
});

const ctx = { params: Promise.resolve({}) };
/** Session writes must come from the application's own origin (lib/http.ts crossSiteRefusal). */
const sameOrigin = { origin: 'http://localhost', host: 'localhost', 'content-type': 'application/json' };

async function getSettings(as: Actor | null, query = '', bearer?: string) {
  sessionActor = as;
  const res = await GET(new Request(`http://localhost/api/v1/iqc/settings${query}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} }), ctx);
  return { status: res.status, body: await res.json() };
}

async function putSettings(as: Actor | null, body: unknown, opts: { query?: string; bearer?: string } = {}) {
  sessionActor = as;
  const headers: Record<string, string> = opts.bearer ? { authorization: `Bearer ${opts.bearer}`, 'content-type': 'application/json' } : sameOrigin;
  const res = await PUT(new Request(`http://localhost/api/v1/iqc/settings${opts.query ?? ''}`, { method: 'PUT', headers, body: JSON.stringify(body) }), ctx);
  return { status: res.status, body: await res.json() };
}

const storedMinutes = async (labId: number) => first(await t.db.select({ m: laboratories.runWindowMinutes }).from(laboratories).where(eq(laboratories.id, labId)).limit(1))!.m;

/** K level 1 at `at` and level 2 15 minutes later on `instrument`; the runs the ingest formed. */
async function twoLevels15MinApart(instrument: string, at: number) {
  const r = (level: string, value: number, time: number) => ({ analyte: 'K', level, lot: `K${level}-RW`, value, measuredAt: new Date(time).toISOString(), instrument });
  const req = new Request('http://localhost/api/v1/iqc/results', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ results: [r('1', 4.0, at), r('2', 6.0, at + 15 * MIN)] }),
  });
  return (await postResults(t.db, gz, req, NOW)).runs;
}

const runsOf = async (instrument: string) => (await getRuns(t.db, gz, new Request(`http://localhost/api/v1/iqc/runs?analyte=K&instrument=${instrument}&from=2026-11-01&to=2026-11-30`), NOW)).runs;

describe('GET/PUT /api/v1/iqc/settings: the run window', () => {
  it('is 30 minutes by default (issue 9)', async () => {
    expect(await getSettings(gz)).toEqual({ status: 200, body: { runWindowMinutes: 30 } });
  });

  it('at 30 min, two levels 15 min apart form one run', async () => {
    const runs = await twoLevels15MinApart('AU-30', Date.UTC(2026, 10, 20, 0, 0));
    expect(runs).toHaveLength(1);
    expect((await runsOf('AU-30')).map((r) => r.results.map((x) => x.level))).toEqual([['1', '2']]);
  });

  it('set to 10 by the lab manager: the same two levels 15 min apart form two runs; stored runs keep their grouping', async () => {
    expect(await putSettings(gz, { runWindowMinutes: 10 })).toEqual({ status: 200, body: { runWindowMinutes: 10 } });
    expect(await getSettings(gz)).toEqual({ status: 200, body: { runWindowMinutes: 10 } });
    expect(await storedMinutes(gzId)).toBe(10);
    const runs = await twoLevels15MinApart('AU-10', Date.UTC(2026, 10, 21, 0, 0));
    expect(runs).toHaveLength(2);
    expect((await runsOf('AU-10')).map((r) => r.results.map((x) => x.level))).toEqual([['1'], ['2']]);
    // the run formed at 30 min is not regrouped by the change
    expect((await runsOf('AU-30')).map((r) => r.results.map((x) => x.level))).toEqual([['1', '2']]);
  });

  it('two levels posted at once in separate requests form one run, as they would one after the other (writers of a lab take turns)', async () => {
    const at = Date.UTC(2026, 10, 22, 0, 0);
    const post = (level: string, value: number, time: number) =>
      postResults(t.db, gz, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results: [{ analyte: 'K', level, lot: `K${level}-RW`, value, measuredAt: new Date(time).toISOString(), instrument: 'AU-AT-ONCE' }] }) }), NOW);
    await Promise.all([post('1', 4.0, at), post('2', 6.0, at + 5 * MIN), post('1', 4.1, at + 60 * MIN), post('2', 6.1, at + 62 * MIN)]);
    expect((await runsOf('AU-AT-ONCE')).map((r) => r.results.map((x) => x.level).sort())).toEqual([['1', '2'], ['1', '2']]);
  });

  it('is audited with the value before and after', async () => {
    const rows = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'iqc.runWindow.set'), eq(auditLog.labId, gzId)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: gz.userId, entityType: 'laboratory', entityId: String(gzId) });
    expect(rows[0].details).toEqual({ before: 30, after: 10 });
  });

  it('is refused (403) to another lab\'s manager and to a regulator, and nothing changes', async () => {
    const hz = t.labManagers.get('HZ-001')!;
    expect((await putSettings(hz, { runWindowMinutes: 45 }, { query: '?lab=GZ-001' })).status).toBe(403);
    expect((await putSettings(hz, { runWindowMinutes: 45, lab: 'GZ-001' })).status).toBe(403);
    // the regulator over GZ-001 may read it, never set it
    expect((await putSettings(t.regulators.gd, { runWindowMinutes: 45 }, { query: '?lab=GZ-001' })).status).toBe(403);
    expect((await putSettings(t.regulators.gd, { runWindowMinutes: 45 })).status).toBe(403);
    expect(await getSettings(t.regulators.gd, '?lab=GZ-001')).toEqual({ status: 200, body: { runWindowMinutes: 10 } });
    expect(await storedMinutes(gzId)).toBe(10);
    // the other lab's own window is its own
    expect(await getSettings(hz)).toEqual({ status: 200, body: { runWindowMinutes: 30 } });
  });

  it.each([
    ['0', 0],
    ['721', 721],
    ['a fraction', 7.5],
    ['a negative number', -5],
  ])('answers 422 for %s with the field error', async (_title, minutes) => {
    const { status, body } = await putSettings(gz, { runWindowMinutes: minutes });
    expect(status).toBe(422);
    expect(body.code).toBe('iqc.invalidRunWindow');
    expect(body.errors).toEqual([{ field: 'runWindowMinutes', code: 'value.integerRange', params: { min: 1, max: 720 }, message: 'A whole number from 1 to 720' }]);
    expect(await storedMinutes(gzId)).toBe(10);
  });

  it('answers 422 for a missing or non-numeric value', async () => {
    expect((await putSettings(gz, {})).body.errors).toEqual([expect.objectContaining({ field: 'runWindowMinutes', code: 'value.required' })]);
    expect((await putSettings(gz, { runWindowMinutes: 'ten' })).body.errors).toEqual([expect.objectContaining({ field: 'runWindowMinutes', code: 'value.notNumber' })]);
  });

  it('accepts the bounds 1 and 720', async () => {
    expect((await putSettings(gz, { runWindowMinutes: 1 })).body).toEqual({ runWindowMinutes: 1 });
    expect((await putSettings(gz, { runWindowMinutes: 720 })).body).toEqual({ runWindowMinutes: 720 });
    expect(await storedMinutes(gzId)).toBe(720);
  });

  it('a lab token sets it with iqc:write, and is refused (403) with only read', async () => {
    const write = (await createApiToken(t.db, gz, { name: 'LIS write', scopes: ['iqc:write'] })).token;
    const read = (await createApiToken(t.db, gz, { name: 'LIS read', scopes: ['read'] })).token;
    expect(await putSettings(null, { runWindowMinutes: 20 }, { bearer: write })).toEqual({ status: 200, body: { runWindowMinutes: 20 } });
    expect((await putSettings(null, { runWindowMinutes: 25 }, { bearer: read })).status).toBe(403);
    expect(await getSettings(null, '', read)).toEqual({ status: 200, body: { runWindowMinutes: 20 } });
  });

  it('refuses a session write from another origin (403)', async () => {
    sessionActor = gz;
    const res = await PUT(new Request('http://localhost/api/v1/iqc/settings', { method: 'PUT', headers: { origin: 'https://evil.example', host: 'localhost', 'content-type': 'application/json' }, body: JSON.stringify({ runWindowMinutes: 5 }) }), ctx);
    expect(res.status).toBe(403);
    expect(await storedMinutes(gzId)).toBe(20);
  });
});
