// GET /api/v1/labs/{labCode}/eligibility through its route handler (lib/http withActor → service →
// db): the shape of issue 9's Automation API, the per-group CV evidence of the issue's lot-change
// fixture, published-only EQA, and who may ask. The session is stood in for by a mocked apiActor;
// bearer tokens go through the real token resolution.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';

let sessionActor: Actor | null = null;
// without a bearer token the "session" is `sessionActor` (test/support/api-actor.ts)
vi.mock('@/lib/auth', async () => (await import('../support/api-actor')).apiActorMock(() => sessionActor));

import { createSeededTestDb, useAsProcessDb } from '../support/db';
import { createApiToken } from '@/lib/services/tokens';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { GET } from '@/app/api/v1/labs/[labCode]/eligibility/route';
import { GET as iqcResultsGET } from '@/app/api/v1/iqc/results/route';
import { GET as exportGET } from '@/app/api/v1/eqa/rounds/[roundCode]/export/route';
import { GET as certificationsGET } from '@/app/api/v1/labs/[labCode]/certifications/route';
import { createHospitalToken } from '@/lib/services/hospital/tokens';
import { labEligibility } from '@/lib/services/recognition/eligibility';
import { NOW, addControlSeries, addEqa, addIqc, alternating, analyteId, labId } from './recognition-fixtures';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let token: string;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  t = await createSeededTestDb();
  await useAsProcessDb(t);
  await createPolicyVersion(t.db, t.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['K', 'NA'], reason: 'initial list' }, { now: NOW });
  const K = await analyteId(t.db, 'K');
  const gz1 = await labId(t.db, 'GZ-001');
  // issue 9, item 3: K level 1 on lot A (mean 3.50) then lot B (mean 3.80), SD 0.05; level 2 on lot C
  await addControlSeries(t.db, gz1, K, [
    { lot: 'A', level: '1', firstDay: 0, values: alternating(3.5, 0.05, 30) },
    { lot: 'B', level: '1', firstDay: 30, values: alternating(3.8, 0.05, 30) },
    { lot: 'C', level: '2', firstDay: 0, values: alternating(6.0, 0.05, 60) },
  ]);
  await addEqa(t.db, gz1, K, ['S', 'S']);
  // a newer round evaluated (unsatisfactory) but not published: it must not count
  await addEqa(t.db, gz1, K, ['U'], { status: 'evaluated', endDaysAgo: 5 });
  token = (await createApiToken(t.db, t.labManagers.get('GZ-001')!, { name: 'LIS', scopes: ['read'] })).token;
});
afterAll(async () => {
  vi.useRealTimers();
  await t.close();
});

async function call(labCode: string, as: Actor | null, bearer?: string) {
  sessionActor = as;
  const req = new Request(`http://localhost/api/v1/labs/${labCode}/eligibility`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const res = await GET(req, { params: Promise.resolve({ labCode }) });
  return { status: res.status, body: await res.json() };
}

describe('GET /api/v1/labs/{labCode}/eligibility', () => {
  it('gives the lab manager every analyte with its criteria; K passes with per-lot CVs (pooled it would fail at 4.37 %)', async () => {
    const { status, body } = await call('GZ-001', t.labManagers.get('GZ-001')!);
    expect(status).toBe(200);
    expect(body.map((r: { analyte: string }) => r.analyte)).toEqual(['K', 'NA']);
    const k = body[0];
    expect(k.eligible).toBe(true);
    expect(k.criteria.map((c: { id: string }) => c.id)).toEqual(['listed', 'eqaSatisfactory', 'eqaNoUnsuccessful', 'iqcCoverage', 'correctiveActions', 'cv']);
    // hand computation (see recognition-eligibility.test.ts): CV A 1.45 %, B 1.34 %, C 0.84 %
    expect(k.criteria[5]).toEqual({
      id: 'cv',
      met: true,
      value: 1.45,
      limit: 2.5,
      detail: [
        { instrument: '', lot: 'A', level: '1', n: 30, cv: 1.45 },
        { instrument: '', lot: 'B', level: '1', n: 30, cv: 1.34 },
        { instrument: '', lot: 'C', level: '2', n: 60, cv: 0.84 },
      ],
    });
    // published rounds only: the newer evaluated-but-unpublished U is not among the scores
    expect(k.criteria[1]).toMatchObject({ id: 'eqaSatisfactory', met: true, value: '100 / 100', limit: 2, detail: { kind: 'eqa_round' } });
    // an analyte without evidence: listed, not eligible, CV "no group with 20 values" (no value, empty detail)
    expect(body[1]).toMatchObject({ analyte: 'NA', eligible: false });
    expect(body[1].criteria[5]).toEqual({ id: 'cv', met: false, limit: expect.any(Number), detail: [] });
  });

  it('answers the lab’s API token holding the read scope the same', async () => {
    const viaToken = await call('GZ-001', null, token);
    const viaSession = await call('GZ-001', t.labManagers.get('GZ-001')!);
    expect(viaToken.status).toBe(200);
    expect(viaToken.body).toEqual(viaSession.body);
  });

  it.each<[string, () => Actor | null, string, number]>([
    ['the Guangdong regulator (the lab’s province)', () => t.regulators.gd, 'GZ-001', 200],
    ['an administrator (eligibility.read everywhere, as the permission matrix says)', () => t.admin, 'GZ-001', 200],
    ['another lab’s manager', () => t.labManagers.get('GZ-002')!, 'GZ-001', 403],
    ['the Shenzhen (city) regulator for a Guangzhou lab', () => t.regulators.sz, 'GZ-001', 403],
    ['the Zhejiang regulator', () => t.regulators.zj, 'GZ-001', 403],
    ['a hospital account', () => ({ ...t.admin, role: 'hospital' as const, userId: 4242 }), 'GZ-001', 403],
    ['nobody signed in', () => null, 'GZ-001', 401],
    ['the Guangdong regulator asking for an unknown lab', () => t.regulators.gd, 'NOPE-1', 404],
  ])('%s → %i', async (_title, as, lab, status) => {
    const r = await call(lab, as());
    expect(r.status).toBe(status);
    if (status !== 200) expect(r.body).toEqual({ error: expect.any(String), code: { 401: 'auth.signInRequired', 403: 'lab.outsideAccess', 404: 'lab.notFound' }[status] });
  });

  it('asks the database the same number of queries for 2 analytes as for 6 (no query per analyte)', async () => {
    const gz3 = await labId(t.db, 'GZ-003');
    for (const code of ['K', 'NA', 'CL', 'GLU', 'UREA', 'CREA']) await addIqc(t.db, gz3, await analyteId(t.db, code));
    // every statement goes through the driver's prepare (better-sqlite3) or query (node-postgres pool)
    const prepared = t.backend === 'pg' ? vi.spyOn(t.db.$client as unknown as { query: () => unknown }, 'query') : vi.spyOn(t.db.$client, 'prepare');
    const count = async (lab: string) => {
      prepared.mockClear();
      const rows = await labEligibility(t.db, t.regulators.gd, lab, { now: NOW });
      return { analytes: rows.length, queries: prepared.mock.calls.length };
    };
    const few = await count('GZ-001');
    const many = await count('GZ-003');
    prepared.mockRestore();
    expect(few.analytes).toBe(2);
    expect(many.analytes).toBe(6);
    expect(few.queries).toBeGreaterThan(0);
    expect(many.queries).toBe(few.queries);
  });

  it('a token of another lab is refused (403)', async () => {
    const other = (await createApiToken(t.db, t.labManagers.get('GZ-002')!, { name: 'LIS', scopes: ['read'] })).token;
    expect((await call('GZ-001', null, other)).status).toBe(403);
  });

  it("a token without a lab (a regulator's platform, a hospital's system), even holding read, reads verification and public data only: its account's eligibility, IQC values and round exports are refused (403)", async () => {
    const platform = (await createHospitalToken(t.db, t.regulators.gd, { name: 'platform', scopes: ['verify', 'read'] })).token;
    const bearer = { authorization: `Bearer ${platform}` };
    // the regulator's session reads the lab's eligibility; the platform's token does not
    expect((await call('GZ-001', t.regulators.gd)).status).toBe(200);
    const refused = await call('GZ-001', null, platform);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/verification/);
    const iqc = await iqcResultsGET(new Request('http://localhost/api/v1/iqc/results?lab=GZ-001', { headers: bearer }), { params: Promise.resolve({}) });
    expect(iqc.status).toBe(403);
    const csv = await exportGET(new Request('http://localhost/api/v1/eqa/rounds/ANY/export', { headers: bearer }), { params: Promise.resolve({ roundCode: 'ANY' }) });
    expect(csv.status).toBe(403);
    // the same token on the public certifications of the lab: answered
    const certs = await certificationsGET(new Request('http://localhost/api/v1/labs/GZ-001/certifications', { headers: bearer }));
    expect(certs.status).toBe(200);
  });
});
