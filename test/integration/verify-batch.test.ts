// Issue 13: batch verification, recognition windows per item, item codes by LOINC and by a
// hospital's local codes, and cacheable public answers — on the demo data (seedRecognition:
// certifications active, suspended, revoked and expired under 广东HR, 深圳HR and 浙江HR marks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSeededTestDb, fakeActor, sqlRows, sqlRun, testBackend, useAsProcessDb } from '@/test/support/db';
import { executeJob } from '@/lib/jobs';
import { createRandom } from '@/db/seed/random';
import { seedRecognition } from '@/db/seed/recognition';
import { openDatabase } from '@/db/client';
import { errorBody } from '@/lib/errors';
import { addDays } from '@/lib/calendar';
import { createPolicyVersion, effectivePolicyFor, resolvePolicy } from '@/lib/services/recognition/policy';
import { policyWindows, verifyRecognition, verifyRound } from '@/lib/services/recognition/verification';
import { publicApi } from '@/lib/public-api';
import { SYSTEM_WINDOWS } from '@/lib/services/recognition/window';
import { listAllPolicies } from '@/db/queries/recognition';
import { MAX_MISSES_PER_OWNER, publicCertificationStamp, publicPairsChangedSince, recordLocalCodeMisses } from '@/db/queries/public';
import { sqlitePlans } from '@/test/support/sqlite-plans';
import { decide } from '@/lib/services/recognition/decisions';
import { createApiToken } from '@/lib/services/tokens';
import { MAX_BATCH_CHECKS, verifyBatch, verifyBatchBody } from '@/lib/services/recognition/verify-batch';
import { publicApiRoute } from '@/lib/http';
import { verifyBatchRoute } from '@/lib/public-batch';
import { verifyBatchLimiter } from '@/lib/server/rate-limit';
import { CLIENT_ADDRESS_HEADER } from '@/lib/server/headers';
import { NOW, TODAY, addGoodEvidence, analyteId, labId } from './recognition-fixtures';
import { mapSeq } from '@/lib/async';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
type Check = { lab?: unknown; analyte?: unknown; date?: unknown; asOf?: unknown };

let w: World;
const rows = async <T,>(sql: string, ...p: unknown[]) => await sqlRows<T>(w.db, sql, ...p);
const single = async (c: Check) => {
  try {
    return await verifyRecognition(w.db, c, { now: NOW });
  } catch (e) {
    return errorBody(e).body;
  }
};
const batch = async (checks: unknown[], ownerId: number | null = null) => (await verifyBatch(w.db, { checks }, { now: NOW, ownerId })).results;
let hospitalId: number;

// Hubei's windows as the issue gives them, set here on Guangdong's policy from today on
const HUBEI_WINDOWS = 'K 7\nNA 7\nCL 7\nTP 30\nALB 30\nTG 30\nCHOL 30\nHBA1C 60\n* 30';

beforeAll(async () => {
  w = await createSeededTestDb();
  for (const lab of ['GZ-001', 'GZ-002', 'GZ-003', 'SZ-001', 'SZ-002', 'HZ-001', 'HZ-002', 'NB-001'])
    for (const a of ['K', 'NA', 'GLU', 'ALT']) await addGoodEvidence(w.db, await labId(w.db, lab), await analyteId(w.db, a));
  await seedRecognition({ db: w.db, now: NOW, random: createRandom(1), admin: w.admin, regulators: w.regulators, labManagers: w.labManagers, log: () => {} });
  const gd = (await effectivePolicyFor(w.db, '/100000/440000/', TODAY))!;
  await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: TODAY, analyteCodes: gd.analyteCodes, validityMonths: gd.validityMonths, windows: HUBEI_WINDOWS, reason: 'windows of issue 13' }, { now: NOW });
  hospitalId = (await rows<{ id: number }>(`SELECT id FROM users WHERE role = 'hospital' LIMIT 1`))[0].id;
  // the hospital's own codes: its LIS calls potassium "XK01" and HbA1c "tang-hua"
  const ins = `INSERT INTO analyte_local_codes (owner_id, local_code, analyte_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`;
  await sqlRun(w.db, ins, hospitalId, 'XK01', await analyteId(w.db, 'K'), hospitalId, NOW, NOW);
  await sqlRun(w.db, ins, hospitalId, 'TANG-HUA', await analyteId(w.db, 'HBA1C'), hospitalId, NOW, NOW);
}, 120_000);
afterAll(async () => {
  await w.close();
});

describe('batch answers equal single answers', () => {
  it('for every check of random batches over the demo data (property)', async () => {
    const certs = (await rows<{ lab: string; analyte: string; loinc: string | null; validFrom: string; validTo: string }>(
      `SELECT l.code AS lab, a.code AS analyte, a.loinc, c.valid_from AS validFrom, c.valid_to AS validTo
       FROM certifications c JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id`,
    ));
    expect(new Set((await rows<{ status: string }>('SELECT status FROM certifications')).map((r) => r.status))).toEqual(new Set(['active', 'suspended', 'revoked', 'expired']));
    const eventDays = (await rows<{ d: string }>('SELECT DISTINCT effective_on AS d FROM certification_events')).map((r) => r.d);
    const edges = [...new Set([...certs.flatMap((c) => [c.validFrom, c.validTo]), ...eventDays])];
    const days = [...new Set(edges.flatMap((d) => [addDays(d, -1), d, addDays(d, 1)])), TODAY, addDays(TODAY, 40)];
    const labs = [...new Set(certs.map((c) => c.lab)), 'GZ-005', ' GZ-001 ', 'XX-999', '', 'gz-001', '检验科-1'];
    const items = [
      ...new Set(certs.flatMap((c) => [c.analyte, c.analyte.toLowerCase(), ...(c.loinc ? [`loinc:${c.loinc}`, `LOINC: ${c.loinc}`] : [])])),
      'HBA1C',
      'loinc:4548-4',
      'loinc:0000-0',
      'NOPE',
      'XK01',
      'local:K',
      'x'.repeat(41),
    ];
    const arbCheck: fc.Arbitrary<unknown> = fc.oneof(
      { weight: 20, arbitrary: fc.record(
        {
          lab: fc.constantFrom(...labs),
          analyte: fc.constantFrom(...items),
          date: fc.oneof(fc.constantFrom(...days), fc.constantFrom(undefined, '', '2026-02-30', '15/01/2026')),
          asOf: fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 70 }), fc.constantFrom('bad', '2026-13-01')),
        },
        { requiredKeys: ['lab', 'analyte'] },
      ).map((c) => ({ ...c, asOf: typeof c.asOf === 'number' ? addDays(typeof c.date === 'string' && /^\d{4}-\d\d-\d\d$/.test(c.date) && !c.date.endsWith('30') ? c.date : TODAY, c.asOf) : c.asOf })) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 7, [], { lab: 5, analyte: 'K' }, { lab: 'GZ-001' }, { lab: 'GZ-001', analyte: 'K', date: 20260101 }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arbCheck, { minLength: 1, maxLength: 120 }), async (checks) => {
        const results = await batch(checks);
        expect(results).toHaveLength(checks.length);
        for (const [i, c] of checks.entries()) { expect(results[i]).toEqual(await single((c && typeof c === 'object' && !Array.isArray(c) ? c : {}) as Check)); }
        // the fast path's JSON text is these very answers, keys in the same order
        expect((await verifyBatchBody(w.db, { checks }, { now: NOW })).toString('utf8')).toBe(JSON.stringify({ results }));
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('answers recognised, suspended, revoked and expired pairs as the GET does, in order', async () => {
    const sample = (await rows<{ lab: string; analyte: string; validFrom: string; status: string }>(
      `SELECT l.code AS lab, a.code AS analyte, c.valid_from AS validFrom, c.status FROM certifications c
       JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id ORDER BY c.id`,
    ));
    const checks = sample.map((c) => ({ lab: c.lab, analyte: c.analyte, date: TODAY > c.validFrom ? addDays(TODAY, -1) : c.validFrom, asOf: TODAY }));
    const results = await batch(checks);
    expect(results.map((r) => ('reason' in r ? r.reason : r.code))).toEqual((await mapSeq(checks, async (c) => (await single(c) as { reason: string }).reason)));
    expect(new Set(results.map((r) => ('reason' in r ? r.reason : '')))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect(results.some((r) => 'recognized' in r && r.recognized)).toBe(true);
    expect(results.some((r) => 'reason' in r && r.reason === 'revoked')).toBe(true);
  });
});

describe('lab codes in small letters', () => {
  it('name the lab registered in capitals, alike in the single check, the verify round, the batch and the certifications', async () => {
    const sample = await rows<{ lab: string; analyte: string; validFrom: string }>(
      `SELECT l.code AS lab, a.code AS analyte, c.valid_from AS validFrom FROM certifications c
       JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id ORDER BY c.id LIMIT 6`,
    );
    const checks = sample.map((c) => ({ lab: c.lab, analyte: c.analyte, date: TODAY > c.validFrom ? addDays(TODAY, -1) : c.validFrom, asOf: TODAY }));
    const lower = checks.map((c) => ({ ...c, lab: c.lab.toLowerCase() }));
    expect(lower.some((c, i) => c.lab !== checks[i].lab)).toBe(true);
    const answers = await mapSeq(checks, single);
    expect(answers.some((a) => 'recognized' in a && a.recognized)).toBe(true);
    expect(await mapSeq(lower, single)).toEqual(answers);
    expect(await batch(lower)).toEqual(await batch(checks));
    // the round of queued single checks reads set-wise (PostgreSQL only)
    if (testBackend === 'pg') expect((await verifyRound(w.db, lower)).map((r) => ('value' in r ? r.value : r))).toEqual(answers);
    await useAsProcessDb(w);
    const certs = await publicApi(`/api/v1/labs/${sample[0].lab.toLowerCase()}/certifications`, new URLSearchParams());
    expect([certs?.status, certs?.body]).toEqual([200, (await publicApi(`/api/v1/labs/${sample[0].lab}/certifications`, new URLSearchParams()))?.body]);
    // a code that is no lab in any case stays unknown
    expect(await single({ lab: 'gz-999', analyte: 'K' })).toMatchObject({ code: 'lab.notFound' });
  });
});

describe('a day between two certificates of a pair', () => {
  it('is answered expired (the one before it ended), not not_certified because of the later one; before the first, not_yet_certified; alike single, batch and round', async () => {
    const { insertCertification, insertCertificationEvent } = await import('@/db/queries/certifications');
    const [pair] = await rows<{ lab: string; labId: number; analyte: string; analyteId: number; regionId: number }>(
      `SELECT l.code AS lab, l.id AS "labId", a.code AS analyte, a.id AS "analyteId", l.region_id AS "regionId" FROM laboratories l, analytes a
       WHERE l.code = 'HZ-002' AND a.active AND NOT EXISTS (SELECT 1 FROM certifications c WHERE c.lab_id = l.id AND c.analyte_id = a.id) ORDER BY a.code LIMIT 1`,
    );
    const certify = async (no: string, validFrom: string, validTo: string) => {
      const c = await insertCertification(w.db, { labId: pair.labId, analyteId: pair.analyteId, scopeRegionId: pair.regionId, scope: '浙江', mark: '浙江HR', certificateNo: no, status: 'active', validFrom, validTo, createdAt: NOW, updatedAt: NOW });
      await insertCertificationEvent(w.db, { certificationId: c.id, labId: pair.labId, analyteId: pair.analyteId, action: 'approve', fromStatus: null, toStatus: 'active', effectiveOn: validFrom, reason: 'gap test', actorId: null, at: NOW });
    };
    const reasonOn = async (date: string) => {
      const check = { lab: pair.lab, analyte: pair.analyte, date, asOf: TODAY };
      const one = (await single(check)) as { reason: string };
      const [many] = (await batch([check])) as { reason: string }[];
      expect(many.reason, date).toBe(one.reason);
      if (testBackend === 'pg') expect(((await verifyRound(w.db, [check]))[0] as { value: { reason: string } }).value.reason, date).toBe(one.reason);
      return one.reason;
    };
    await certify('HR-GAP-TEST-1', '2024-01-01', '2024-12-31');
    expect(await reasonOn('2025-03-01')).toBe('expired');
    // a later certificate does not turn the gap's answer into not_certified
    await certify('HR-GAP-TEST-2', '2025-06-01', '2026-05-31');
    expect([await reasonOn('2023-06-01'), await reasonOn('2025-03-01'), await reasonOn('2024-06-01'), await reasonOn('2025-07-01')]).toEqual(['not_yet_certified', 'expired', 'recognized', 'recognized']);
  });
});

describe('recognition windows', () => {
  // GZ-001's K certification is active today (the demo seed approves GZ-001 K)
  const gzK = async (asOf: string | undefined, date = TODAY, lab = 'GZ-001', analyte = 'K') => await single({ lab, analyte, date, asOf }) as unknown as Record<string, unknown>;

  it('potassium: day 7 after the result is within the window, day 8 is not (Guangzhou inherits Guangdong)', async () => {
    expect(await gzK(addDays(TODAY, 7))).toMatchObject({ windowDays: 7, withinWindow: true, asOf: '2026-06-22' });
    expect(await gzK(addDays(TODAY, 8))).toMatchObject({ windowDays: 7, withinWindow: false, asOf: '2026-06-23' });
    expect((await batch([{ lab: 'GZ-001', analyte: 'K', date: TODAY, asOf: '2026-06-22' }, { lab: 'GZ-001', analyte: 'K', date: TODAY, asOf: '2026-06-23' }])).map((r) => (r as { withinWindow: boolean }).withinWindow)).toEqual([true, false]);
  });

  it('HbA1c 60 days, an unlisted item the policy default of 30', async () => {
    expect(await gzK(addDays(TODAY, 60), TODAY, 'GZ-001', 'HBA1C')).toMatchObject({ windowDays: 60, withinWindow: true });
    expect(await gzK(addDays(TODAY, 61), TODAY, 'GZ-001', 'HBA1C')).toMatchObject({ windowDays: 60, withinWindow: false });
    expect(await gzK(addDays(TODAY, 30), TODAY, 'GZ-001', 'ALT')).toMatchObject({ windowDays: 30, withinWindow: true });
    expect(await gzK(addDays(TODAY, 31), TODAY, 'GZ-001', 'ALT')).toMatchObject({ windowDays: 30, withinWindow: false });
  });

  it('the policy in force on asOf decides: before today Guangdong had no windows (system default 30)', async () => {
    expect(await gzK(addDays(TODAY, -1), addDays(TODAY, -20))).toMatchObject({ windowDays: 30, withinWindow: true });
  });

  it('Shenzhen follows its own override, and "none" means no limit', async () => {
    expect(await gzK(addDays(TODAY, 8), TODAY, 'SZ-001')).toMatchObject({ windowDays: 30, withinWindow: true });
    const sz = (await effectivePolicyFor(w.db, '/100000/440000/440300/', TODAY))!;
    await createPolicyVersion(w.db, w.regulators.sz, { regionCode: '440300', effectiveFrom: addDays(TODAY, 1), analyteCodes: sz.analyteCodes, windows: { defaultDays: 14, items: { K: null } }, reason: 'no limit for K' }, { now: NOW });
    expect(await gzK('2030-01-01', TODAY, 'SZ-001')).toMatchObject({ windowDays: null, withinWindow: true });
    expect(await gzK(addDays(TODAY, 15), TODAY, 'SZ-001', 'NA')).toMatchObject({ windowDays: 14, withinWindow: false });
    expect((await batch([{ lab: 'SZ-001', analyte: 'K', date: TODAY, asOf: '2030-01-01' }]))[0]).toMatchObject({ windowDays: null, withinWindow: true });
  });

  it('the windows resolver chooses the policy resolvePolicy chooses, for every region and day', async () => {
    const policies = await listAllPolicies(w.db);
    const resolve = await policyWindows(w.db);
    const paths = (await rows<{ path: string }>('SELECT path FROM regions')).map((r) => r.path);
    const days = [...new Set(policies.flatMap((p) => [addDays(p.effectiveFrom, -1), p.effectiveFrom, addDays(p.effectiveFrom, 1)]))];
    expect(policies.length).toBeGreaterThanOrEqual(5);
    for (const path of paths) for (const day of days) expect(resolve(path, day)).toEqual(resolvePolicy(policies, path, day)?.windows ?? SYSTEM_WINDOWS);
  });

  it('asOf before the result day is a 422 with its own code, in the GET and as a batch entry', async () => {
    expect(await gzK(addDays(TODAY, -1))).toMatchObject({ code: 'verify.asOfBeforeDate' });
    expect(errorBody(await catchOf(async () => await verifyRecognition(w.db, { lab: 'GZ-001', analyte: 'K', date: TODAY, asOf: addDays(TODAY, -1) }, { now: NOW }))).status).toBe(422);
    const r = await batch([{ lab: 'GZ-001', analyte: 'K', date: TODAY, asOf: '2026-06-14' }, { lab: 'GZ-001', analyte: 'K', date: TODAY }]);
    expect(r[0]).toMatchObject({ code: 'verify.asOfBeforeDate' });
    expect(r[1]).toMatchObject({ recognized: true, asOf: TODAY, windowDays: 7, withinWindow: true });
  });

  it('regulators set windows through the policy form text; a bad line is refused with its line number; the change is audited', async () => {
    expect(await catchOf(async () => await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: TODAY, analyteCodes: ['K'], windows: 'K 7\nNA seven', reason: 'typo' }, { now: NOW }))).toMatchObject({
      errors: [expect.objectContaining({ field: 'windows', code: 'recognition.windowLine', params: { line: 2, text: 'NA seven' } })],
    });
    expect(await catchOf(async () => await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: TODAY, analyteCodes: ['K'], windows: 'NOSUCH 7', reason: 'typo' }, { now: NOW }))).toMatchObject({ reason: 'analyte.unknownList' });
    const audit = (await rows<{ details: string | object }>(`SELECT details FROM audit_log WHERE action = 'policy.create' ORDER BY id DESC LIMIT 2`)).map((r) => (typeof r.details === 'string' ? JSON.parse(r.details) : r.details));
    expect(audit.map((d) => d.windows)).toEqual([{ defaultDays: 14, items: { K: null } }, expect.objectContaining({ defaultDays: 30, items: expect.objectContaining({ K: 7, HBA1C: 60 }) })]);
  });
});

describe('item codes', () => {
  it('LOINC codes resolve to the catalogue item (K = 2823-3, HbA1c = 4548-4)', async () => {
    const [a, b, c] = await batch([
      { lab: 'GZ-001', analyte: 'loinc:2823-3', date: TODAY },
      { lab: 'GZ-001', analyte: 'K', date: TODAY },
      { lab: 'GZ-001', analyte: 'loinc:4548-4', date: TODAY, asOf: addDays(TODAY, 61) },
    ]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ recognized: true, windowDays: 7 });
    expect(c).toMatchObject({ windowDays: 60, withinWindow: false });
    expect(await single({ lab: 'GZ-001', analyte: 'loinc:2823-3', date: TODAY })).toEqual(b);
  });

  it("a hospital's local codes resolve for that hospital only; unmapped codes are remembered for its mapping page", async () => {
    const checks = [
      { lab: 'GZ-001', analyte: 'xk01', date: TODAY },
      { lab: 'GZ-001', analyte: 'local:TANG-HUA', date: TODAY, asOf: addDays(TODAY, 60) },
      { lab: 'GZ-001', analyte: 'K', date: TODAY },
      { lab: 'GZ-001', analyte: 'UNMAPPED-9', date: TODAY },
    ];
    const mine = await batch(checks, hospitalId);
    expect(mine[0]).toEqual(await single({ lab: 'GZ-001', analyte: 'K', date: TODAY }));
    expect(mine[1]).toMatchObject({ windowDays: 60, withinWindow: true });
    expect(mine[2]).toEqual(mine[0]);
    expect(mine[3]).toMatchObject({ code: 'analyte.notFound' });
    const anonymous = await batch(checks);
    expect(anonymous.map((r) => ('code' in r ? r.code : 'ok'))).toEqual(['analyte.notFound', 'analyte.notFound', 'ok', 'analyte.notFound']);
    await batch([{ lab: 'GZ-001', analyte: 'unmapped-9', date: TODAY }], hospitalId);
    expect((await rows(`SELECT owner_id AS ownerId, local_code AS code, seen FROM analyte_local_code_misses`))).toEqual([{ ownerId: hospitalId, code: 'UNMAPPED-9', seen: 2 }]);
  });

  it('a code holding a NUL character names nothing, as an unknown code, on either backend (PostgreSQL refused the whole batch), and is no miss to map', async () => {
    const checks = [
      { lab: 'GZ-001\u0000', analyte: 'K', date: TODAY },
      { lab: 'GZ-001', analyte: 'K\u0000', date: TODAY },
      { lab: 'GZ-001', analyte: 'loinc:2823-3\u0000', date: TODAY },
      { lab: 'GZ-001', analyte: 'K', date: TODAY },
    ];
    for (const owner of [null, hospitalId]) {
      const out = await batch(checks, owner);
      expect(out.slice(0, 3).map((r) => ('code' in r ? r.code : 'ok'))).toEqual(['lab.notFound', 'analyte.notFound', 'analyte.notFound']);
      expect(out[3]).toEqual(await single({ lab: 'GZ-001', analyte: 'K', date: TODAY }));
    }
    expect(await single(checks[0])).toMatchObject({ code: 'lab.notFound' });
    expect(await single(checks[1])).toMatchObject({ code: 'analyte.notFound' });
    await recordLocalCodeMisses(w.db, hospitalId, ['K\u0000'], NOW);
    expect(await rows(`SELECT local_code AS code FROM analyte_local_code_misses WHERE local_code LIKE 'K%'`)).toEqual([]);
  });

  it('the route hands unmapped codes to a job (the write stays off the request thread)', async () => {
    const handed: string[][] = [];
    await verifyBatch(w.db, { checks: [{ lab: 'GZ-001', analyte: 'unmapped-9' }, { lab: 'GZ-001', analyte: 'local:k' }, { lab: 'GZ-001', analyte: 'loinc:0000-0' }] }, { now: NOW, ownerId: hospitalId, recordMisses: (c) => handed.push(c) });
    // LOINC codes are the catalogue's, never the hospital's: not a local miss
    expect(handed).toEqual([['UNMAPPED-9', 'K']]);
    await executeJob(w.db, 'verify.recordMisses', fakeActor({ userId: hospitalId, role: 'hospital' }), { codes: handed[0], at: NOW + 1 });
    expect((await rows(`SELECT local_code AS code, seen, last_seen_at - first_seen_at AS span FROM analyte_local_code_misses ORDER BY local_code`))).toEqual([
      { code: 'K', seen: 1, span: 0 },
      { code: 'UNMAPPED-9', seen: 3, span: 1 },
    ]);
  });

  it('keeps the most recent 5,000 unresolved codes of an account', async () => {
    const codes = Array.from({ length: MAX_MISSES_PER_OWNER + 10 }, (_, i) => `JUNK-${i}`);
    await recordLocalCodeMisses(w.db, hospitalId, codes.slice(0, 10), NOW + 10);
    await recordLocalCodeMisses(w.db, hospitalId, codes.slice(10), NOW + 20);
    expect((await rows<{ n: number }>(`SELECT count(*) AS n FROM analyte_local_code_misses WHERE owner_id = ?`, hospitalId))[0].n).toBe(MAX_MISSES_PER_OWNER);
    expect((await rows(`SELECT local_code AS code FROM analyte_local_code_misses WHERE local_code IN ('JUNK-0', 'UNMAPPED-9', 'JUNK-10')`))).toEqual([{ code: 'JUNK-10' }]);
    await sqlRun(w.db, 'DELETE FROM analyte_local_code_misses');
  });
});

describe('batch limits', () => {
  it('takes 10,000 checks, refuses 10,001 (413) and an empty list (422)', async () => {
    const many = Array.from({ length: MAX_BATCH_CHECKS }, (_, i) => ({ lab: i % 2 ? 'GZ-001' : 'SZ-001', analyte: i % 3 ? 'K' : 'NA', date: addDays(TODAY, -(i % 200)), asOf: TODAY }));
    const t0 = performance.now();
    expect(await batch(many)).toHaveLength(MAX_BATCH_CHECKS);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(errorBody(await catchOf(async () => await batch([...many, many[0]]))).status).toBe(413);
    expect(errorBody(await catchOf(async () => await batch([])))).toMatchObject({ status: 422, body: { code: 'verify.noChecks' } });
  });
});

describe('over HTTP (route handlers, as Next serves them)', () => {
  beforeAll(async () => {
    await useAsProcessDb(w);
  });
  const post = (body: unknown, address = '203.0.113.7') =>
    verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', headers: { 'content-type': 'application/json', [CLIENT_ADDRESS_HEADER]: address }, body: JSON.stringify(body) }));

  it('POST answers { results } in order; a bad check does not fail the batch', async () => {
    await verifyBatchLimiter.reset();
    const res = await post({ checks: [{ lab: 'XX-999', analyte: 'K', date: '2026-01-15' }, { lab: 'GZ-001', analyte: 'K', date: '2026-01-15', asOf: '2026-01-20' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Record<string, unknown>[] };
    expect(body.results[0]).toMatchObject({ code: 'lab.notFound', error: expect.any(String) });
    expect(body.results[1]).toMatchObject({ date: '2026-01-15', asOf: '2026-01-20', windowDays: 30, withinWindow: true });
  });

  it('rate-limits batches per client address (429 with Retry-After), other clients unaffected', async () => {
    await verifyBatchLimiter.reset();
    process.env.VERIFY_BATCH_RATE_LIMIT = '3';
    try {
      const checks = { checks: [{ lab: 'GZ-001', analyte: 'K' }] };
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(checks)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await post(checks);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ code: 'verify.rateLimited' });
      expect((await post(checks, '198.51.100.9')).status).toBe(200);
    } finally {
      delete process.env.VERIFY_BATCH_RATE_LIMIT;
      await verifyBatchLimiter.reset();
    }
  });

  it('a bad body or an invalid token is refused', async () => {
    await verifyBatchLimiter.reset();
    const notJson = await verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', body: '{checks' }));
    expect(notJson.status).toBe(422);
    const lone = await verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', body: '{"checks":[{"lab":"GZ-001\\ud800","analyte":"K"}]}' }));
    expect([lone.status, (await lone.json()).code]).toEqual([422, 'body.unpairedSurrogate']);
    const token = await verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{"checks":[]}' }));
    expect(token.status).toBe(401);
  });

  it('an API token needs the read scope (a lab token without it: 403; with it: answered)', async () => {
    await verifyBatchLimiter.reset();
    const manager = w.labManagers.get('GZ-001')!;
    const reader = await createApiToken(w.db, manager, { name: 'his', scopes: ['read'] });
    const writer = await createApiToken(w.db, manager, { name: 'lis', scopes: ['iqc:write'] });
    const call = (token: string) =>
      verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ checks: [{ lab: 'GZ-001', analyte: 'K' }] }) }));
    expect((await call(writer.token)).status).toBe(403);
    const ok = await call(reader.token);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { results: unknown[] }).results).toHaveLength(1);
  });

  it('GET answers carry an ETag and Cache-Control; the same request with If-None-Match gets 304', async () => {
    const url = 'http://x/api/v1/verify?lab=GZ-001&analyte=K&date=2026-01-15&asOf=2026-01-20';
    const first = await publicApiRoute(new Request(url));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    // both days are long past: an hour (see lib/public-api.ts for why not immutable)
    expect(first.headers.get('cache-control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
    const again = await publicApiRoute(new Request(url, { headers: { 'if-none-match': etag } }));
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    expect((await publicApiRoute(new Request(url, { headers: { 'if-none-match': '"other"' } }))).status).toBe(200);
    // without asOf the answer depends on today: a short max-age
    expect((await publicApiRoute(new Request('http://x/api/v1/verify?lab=GZ-001&analyte=K&date=2026-01-15'))).headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300');
    for (const u of ['http://x/api/v1/labs?q=GZ', 'http://x/api/v1/labs/GZ-001/certifications']) {
      const r = await publicApiRoute(new Request(u));
      expect(r.headers.get('etag')).toBeTruthy();
      expect((await publicApiRoute(new Request(u, { headers: { 'if-none-match': r.headers.get('etag')! } }))).status).toBe(304);
    }
    const missing = await publicApiRoute(new Request('http://x/api/v1/verify?lab=XX-999&analyte=K'));
    expect([missing.status, missing.headers.get('etag'), missing.headers.get('cache-control')]).toEqual([404, null, 'no-store']);
  });
});

describe('the in-memory pair index follows certification changes', () => {
  it('a suspension, and a first certification of a pair already asked about, show in the next batch', async () => {
    const checks = [{ lab: 'GZ-001', analyte: 'K', date: TODAY }, { lab: 'GZ-009', analyte: 'TP', date: TODAY }];
    expect((await batch(checks)).map((r) => (r as { reason: string }).reason)).toEqual(['recognized', 'not_certified']);
    await decide(w.db, w.regulators.gd, { labId: await labId(w.db, 'GZ-001'), analyteId: await analyteId(w.db, 'K'), action: 'suspend', reason: 'EQA under review', effectiveOn: TODAY }, { now: NOW });
    // a certification written as the decision service writes one: the row and its approval event
    const cert = Number(
      (await sqlRows<{ id: number }>(
        w.db,
        `INSERT INTO certifications (lab_id, analyte_id, scope_region_id, scope, mark, certificate_no, status, valid_from, valid_to, flagged, created_at, updated_at)
          VALUES (?, ?, (SELECT id FROM regions WHERE code = '440000'), '广东', '广东HR', 'HR-440000-2026-TEST01', 'active', ?, '2027-06-14', false, ?, ?) RETURNING id`,
        await labId(w.db, 'GZ-009'), await analyteId(w.db, 'TP'), TODAY, NOW, NOW,
      ))[0].id,
    );
    await sqlRun(
      w.db,
      `INSERT INTO certification_events (certification_id, lab_id, analyte_id, action, from_status, to_status, effective_on, reason, actor_id, at) VALUES (?, ?, ?, 'approve', NULL, 'active', ?, 'test', NULL, ?)`,
      cert, await labId(w.db, 'GZ-009'), await analyteId(w.db, 'TP'), TODAY, NOW,
    );
    const after = await batch(checks);
    expect(after.map((r) => (r as { reason: string }).reason)).toEqual(['suspended', 'recognized']);
    for (const [i, c] of checks.entries()) { expect(after[i]).toEqual(await single(c)); }
  });

  it('the pairs changed since a stamp are read by id from the stamp on (SQLite: a range of the table, not a read of every row)', async () => {
    const stamp = await publicCertificationStamp(w.db);
    const [{ lastEvent }] = await sqlRows<{ lastEvent: number }>(w.db, 'SELECT max(id) - 2 AS lastEvent FROM certification_events');
    const since = { lastEvent: Number(lastEvent), lastCert: stamp.lastCert - 1 };
    const want = await sqlRows<{ labId: number; analyteId: number }>(
      w.db,
      'SELECT lab_id AS "labId", analyte_id AS "analyteId" FROM certification_events WHERE id > ? UNION SELECT lab_id, analyte_id FROM certifications WHERE id > ?',
      since.lastEvent, since.lastCert,
    );
    const key = (p: { labId: number; analyteId: number }) => `${p.labId}/${p.analyteId}`;
    expect(new Set((await publicPairsChangedSince(w.db, since)).map(key))).toEqual(new Set(want.map(key)));
    if (w.backend !== 'sqlite') return; // PostgreSQL plans by its own statistics
    // a handle of its own, whose statements are prepared (and seen) anew
    const fresh = openDatabase(w.file);
    try {
      const plans = await sqlitePlans(fresh, /WHERE id > \?/, () => publicPairsChangedSince(fresh, since));
      expect(plans).toEqual([['SEARCH certification_events USING INTEGER PRIMARY KEY (rowid>?)'], ['SEARCH certifications USING INTEGER PRIMARY KEY (rowid>?)']]);
    } finally {
      fresh.$client.close();
    }
  });
});

async function catchOf(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a refusal');
}
