// Recognition of a qualitative item end to end (issue 12), through the route handlers on a real SQLite
// file: a serology scheme (HBsAg) with two rounds whose intended results grade the labs (published),
// negative and positive controls posted to the IQC API, GET /api/v1/labs/{lab}/eligibility with the
// criteria of a qualitative item (IQC coverage with both controls, CV not applicable), the
// regulator's approval (the decision service the regulator's page calls), then the public
// verify and certifications answers. A lab whose positive control runs on only half of the working
// days is not eligible and the coverage line says why.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';

let sessionActor: Actor | null = null;
vi.mock('@/lib/auth', async () => (await import('../support/api-actor')).apiActorMock(() => sessionActor));

import { createSeededTestDb, useAsProcessDb } from '../support/db';
import { callRoute } from '../support/route-call';
import { appError } from '../support/errors';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { decide } from '@/lib/services/recognition/decisions';
import { certificateForLab } from '@/lib/services/recognition/certificates';
import { startOfDay } from '@/lib/calendar';
import { NOW, TODAY, analyteId, labId, workingDays90 } from './recognition-fixtures';

const schemesRoute = await import('@/app/api/v1/eqa/schemes/route');
const enrolRoute = await import('@/app/api/v1/eqa/schemes/[schemeCode]/enrolments/route');
const roundsRoute = await import('@/app/api/v1/eqa/rounds/route');
const submissionsRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/submissions/route');
const evaluateRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/evaluate/route');
const publishRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/publish/route');
const lotsRoute = await import('@/app/api/v1/iqc/lots/route');
const resultsRoute = await import('@/app/api/v1/iqc/results/route');
const eligibilityRoute = await import('@/app/api/v1/labs/[labCode]/eligibility/route');
const verifyRoute = await import('@/app/api/v1/verify/route');
const certificationsRoute = await import('@/app/api/v1/labs/[labCode]/certifications/route');

const DAY = 86_400_000;
const LABS = Array.from({ length: 10 }, (_, i) => `GZ-${String(i + 1).padStart(3, '0')}`);
const iso = (t: number) => new Date(t).toISOString();
const at = (t: number) => vi.setSystemTime(t);

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
const as = (a: Actor) => (sessionActor = a);
async function ok(p: Promise<{ status: number; body: any }>, status = 200) {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

/** A round of 4 HBsAg samples with intended results, every lab answering them right, evaluated and published. */
async function publishedRound(code: string, closesDaysAgo: number) {
  const closesAt = NOW - closesDaysAgo * DAY;
  const intended = { [`${code}-1`]: 'positive', [`${code}-2`]: 'negative', [`${code}-3`]: 'positive', [`${code}-4`]: 'negative' };
  const samples = Object.keys(intended);
  at(closesAt - 30 * DAY);
  as(t.regulators.gd);
  const referenceValues = samples.map((sample) => ({ sample, analyte: 'HBSAG', category: intended[sample] }));
  await ok(callRoute(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: 'SERO', code, opensAt: iso(closesAt - 20 * DAY), closesAt: iso(closesAt), samples, analytes: ['HBSAG'], referenceValues }), 201);
  at(closesAt - 5 * DAY);
  for (const lab of LABS) {
    as(t.labManagers.get(lab)!);
    // answers as a LIS sends them: aliases of the catalogue codes
    const results = samples.map((sample) => ({ sample, analyte: 'HBSAG', value: intended[sample] === 'positive' ? 'reactive' : 'neg' }));
    await ok(callRoute(submissionsRoute.POST, 'POST', `/eqa/rounds/${code}/submissions`, { roundCode: code }, { results }), 201);
  }
  at(closesAt + DAY);
  as(t.regulators.gd);
  await ok(callRoute(evaluateRoute.POST, 'POST', `/eqa/rounds/${code}/evaluate`, { roundCode: code }));
  await ok(callRoute(publishRoute.POST, 'POST', `/eqa/rounds/${code}/publish`, { roundCode: code }));
}

/** The lab's negative and weak-positive HBsAg controls (POST /iqc/lots) and their readings on the
 * given working days (POST /iqc/results): the negative control every day, the positive on `positiveDays`. */
async function controls(lab: string, days: string[], positiveDays: Set<string>) {
  at(NOW);
  as(t.labManagers.get(lab)!);
  const from = iso(startOfDay(days[0]) - DAY);
  await ok(callRoute(lotsRoute.POST, 'POST', '/iqc/lots', {}, { analyte: 'HBSAG', level: 'NEG', lot: `N-${lab}`, instrument: 'Architect', expected: 'negative', effectiveFrom: from }), 201);
  await ok(callRoute(lotsRoute.POST, 'POST', '/iqc/lots', {}, { analyte: 'HBSAG', level: 'WPOS', lot: `P-${lab}`, instrument: 'Architect', expected: 'positive', mean: 2.5, sd: 0.25, effectiveFrom: from }), 201);
  let k = 0;
  const results = days.flatMap((day) => {
    const t0 = startOfDay(day) + 9 * 3600_000;
    const neg = { analyte: 'HBSAG', level: 'NEG', lot: `N-${lab}`, instrument: 'Architect', value: 'negative', signal: 0.2, measuredAt: iso(t0) };
    if (!positiveDays.has(day)) return [neg];
    // the weak positive's S/CO alternates about its target mean (no Westgard rule fires)
    const pos = { analyte: 'HBSAG', level: 'WPOS', lot: `P-${lab}`, instrument: 'Architect', value: 'positive', signal: k++ % 2 ? 2.6 : 2.4, measuredAt: iso(t0 + 60_000) };
    return [neg, pos];
  });
  const body = await ok(callRoute(resultsRoute.POST, 'POST', '/iqc/results', {}, { results }), 201);
  expect(body.inserted).toBe(results.length);
}

let days: string[];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  at(NOW - 400 * DAY);
  t = await createSeededTestDb();
  await useAsProcessDb(t);
  await createPolicyVersion(t.db, t.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['HBSAG', 'K'], reason: 'serology list' }, { now: NOW - 400 * DAY });
  as(t.regulators.gd);
  await ok(callRoute(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'SERO', name: '乙肝血清学', analytes: ['HBSAG'] }), 201);
  await ok(callRoute(enrolRoute.POST, 'POST', '/eqa/schemes/SERO/enrolments', { schemeCode: 'SERO' }, { labs: LABS }));
  await publishedRound('SERO-2026-1', 100);
  await publishedRound('SERO-2026-2', 30);
  days = await workingDays90(t.db);
  await controls('GZ-001', days, new Set(days));
  // GZ-002: the positive control only on every other working day
  await controls('GZ-002', days, new Set(days.filter((_, i) => i % 2 === 0)));
  at(NOW);
});
afterAll(async () => {
  vi.useRealTimers();
  await t.close();
});

const eligibility = async (lab: string, by: Actor) => {
  as(by);
  const body = await ok(callRoute(eligibilityRoute.GET, 'GET', `/labs/${lab}/eligibility`, { labCode: lab }));
  return body.find((r: { analyte: string }) => r.analyte === 'HBSAG');
};
const publicGet = async (route: { GET: (req: Request, ctx: any) => Promise<Response> | Response }, path: string) => {
  const res = await route.GET(new Request(`http://localhost/api/v1${path}`), { params: Promise.resolve({}) });
  return { status: res.status, body: (await res.json()) as any };
};

describe('recognition of a qualitative item (HBsAg)', () => {
  it('the lab with both controls on every working day and two satisfactory rounds is eligible; the CV criterion is not applicable', async () => {
    const hbs = await eligibility('GZ-001', t.labManagers.get('GZ-001')!);
    expect(hbs.kind).toBe('qualitative');
    expect(hbs.eligible).toBe(true);
    const byId = Object.fromEntries(hbs.criteria.map((c: { id: string }) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(['listed', 'eqaSatisfactory', 'eqaNoUnsuccessful', 'iqcCoverage', 'correctiveActions', 'cv']);
    // 4 of 4 samples agree with the intended result in both rounds: score 100, newest first
    expect(byId.eqaSatisfactory).toMatchObject({ met: true, value: '100 / 100', limit: 2, detail: { kind: 'eqa_round', ref: 'SERO-2026-2' } });
    expect(byId.eqaNoUnsuccessful).toMatchObject({ met: true, value: 0 });
    const n = days.length;
    expect(byId.iqcCoverage).toEqual({
      id: 'iqcCoverage',
      met: true,
      value: 100,
      limit: 80,
      detail: { kind: 'iqc_month', ref: expect.any(String), href: expect.any(String), controls: { rule: 'negativeAndPositive', workingDays: n, negativeDays: n, positiveDays: n, coveredDays: n } },
    });
    expect(byId.cv).toEqual({ id: 'cv', met: true, applicable: false, detail: null });
  });

  it('the lab whose positive control ran on half of the working days is not eligible, and the coverage line says so', async () => {
    const hbs = await eligibility('GZ-002', t.regulators.gd);
    expect(hbs.eligible).toBe(false);
    const coverage = hbs.criteria.find((c: { id: string }) => c.id === 'iqcCoverage');
    const n = days.length;
    const half = Math.ceil(n / 2);
    expect(coverage.met).toBe(false);
    expect(coverage.value).toBe(Math.round((1000 * half) / n) / 10);
    expect(coverage.detail.controls).toEqual({ rule: 'negativeAndPositive', workingDays: n, negativeDays: n, positiveDays: half, coveredDays: half });
    // every other criterion is met: only the missing positive control keeps it out
    expect(hbs.criteria.filter((c: { met: boolean }) => !c.met).map((c: { id: string }) => c.id)).toEqual(['iqcCoverage']);
  });

  it('the regulator approves GZ-001 (not GZ-002); the public verify and certifications answers and the certificate list HBsAg like any test', async () => {
    await computeEligibility(t.db, { now: NOW });
    const hbsId = await analyteId(t.db, 'HBSAG');
    const approved = await decide(t.db, t.regulators.gd, { action: 'approve', labId: await labId(t.db, 'GZ-001'), analyteId: hbsId, reason: '符合互认政策', effectiveOn: TODAY }, { now: NOW });
    expect(approved.certificateNo).toMatch(/^HR-440000-2026-\d{6}$/);
    expect((await appError(async () => await decide(t.db, t.regulators.gd, { action: 'approve', labId: await labId(t.db, 'GZ-002'), analyteId: hbsId, reason: '符合互认政策', effectiveOn: TODAY }, { now: NOW }))).reason).toBe('recognition.notEligible');

    const yes = await publicGet(verifyRoute, `/verify?lab=GZ-001&analyte=HBSAG&date=${TODAY}`);
    expect(yes.status).toBe(200);
    expect(yes.body).toMatchObject({ recognized: true, reason: 'recognized', certificateNo: approved.certificateNo, validFrom: TODAY });
    // by its LOINC code (5196-1, HBsAg in serum by immunoassay) the same answer
    expect((await publicGet(verifyRoute, `/verify?lab=GZ-001&analyte=loinc:5196-1&date=${TODAY}`)).body).toEqual(yes.body);
    expect((await publicGet(verifyRoute, `/verify?lab=GZ-002&analyte=HBSAG&date=${TODAY}`)).body).toMatchObject({ recognized: false, reason: 'not_certified' });

    const certs = await publicGet(certificationsRoute, '/labs/GZ-001/certifications');
    expect(certs.status).toBe(200);
    expect(JSON.stringify(certs.body)).toContain('HBSAG');
    expect((await certificateForLab(t.db, 'GZ-001', { now: NOW })).recognised.map((c) => c.analyteCode)).toEqual(['HBSAG']);
  });
});
