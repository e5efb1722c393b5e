// Issue 13, FHIR R4: /fhir/metadata, Organization read and search, VerificationResult search and
// Observation/$verify-recognition through the route handlers as Next serves them, on the demo data
// (seedRecognition: certifications active, suspended, revoked and expired under 广东HR, 深圳HR, 浙江HR).
// Every resource answered is validated against the official R4 definitions (test/support/fhir.ts);
// every mark is compared with what POST /api/v1/verify answers for the same check.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSeededTestDb, useAsProcessDb, sqlRows, sqlRun, testBackend } from '@/test/support/db';
import { fhirProblems } from '@/test/support/fhir';
import { createRandom } from '@/db/seed/random';
import { seedRecognition } from '@/db/seed/recognition';
import { addDays, dayOf } from '@/lib/calendar';
import { publicApiRoute } from '@/lib/http';
import { verifyBatchRoute } from '@/lib/public-batch';
import { verifyBatchLimiter } from '@/lib/server/rate-limit';
import { API_CSP, CLIENT_ADDRESS_HEADER } from '@/lib/server/headers';
import { publicFastPath } from '@/lib/server/public-fast';
import { refuseMalformed } from '@/lib/server/limits';
import { fhirGetRoute, fhirPostRoute } from '@/lib/fhir/route';
import { fhirVerify } from '@/lib/fhir/api';
import { verifyBatch } from '@/lib/services/recognition/verify-batch';
import { actorForUserId } from '@/lib/auth/resolve';
import { createHospitalToken } from '@/lib/services/hospital/tokens';
import { labCodeOfFhirId, labFhirId } from '@/lib/fhir/resources';
import { ACCREDITED_EXT, CERTIFICATE_SYSTEM, ITEM_CODE_SYSTEM, LAB_CODE_SYSTEM, LOINC_SYSTEM, MARK_SYSTEM, QUALIFICATION_EXT, RECOGNITION_CHECK_EXT, REGION_CODE_SYSTEM } from '@/lib/fhir/constants';
import { NOW, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let w: World;
const rows = async <T,>(sql: string, ...p: unknown[]) => await sqlRows<T>(w.db, sql, ...p);
// the route handlers read the clock: it is set to the demo's day (Date only; timers stay real)
const today = () => dayOf(Date.now());
let hospitalId: number;

const BASE = 'http://labqc.test/fhir';
const get = async (path: string, headers: Record<string, string> = {}) => await fhirGetRoute(new Request(`${BASE}${path}`, { headers }));
const post = (path: string, body: unknown, address = '203.0.113.50') =>
  fhirPostRoute(new Request(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', [CLIENT_ADDRESS_HEADER]: address }, body: typeof body === 'string' ? body : JSON.stringify(body) }));
async function fhir(res: Response, status = 200): Promise<Json> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
  const body = (await res.json()) as Json;
  expect(fhirProblems(body)).toEqual([]);
  // every refusal says why as a reason code, beside its sentence (README: FHIR R4)
  if (status >= 400) expect(body.issue.map((i: Json) => i.details?.coding?.[0]?.system === 'urn:labqc:reason' && typeof i.details.coding[0].code === 'string'), JSON.stringify(body)).toEqual(body.issue.map(() => true));
  return body;
}
const ext = (r: Json, url: string) => (r.extension ?? []).filter((e: Json) => e.url === url);
const sub = (e: Json, url: string) => e.extension.find((x: Json) => x.url === url);

beforeAll(async () => {
  w = await createSeededTestDb();
  for (const lab of ['GZ-001', 'GZ-002', 'GZ-003', 'SZ-001', 'SZ-002', 'HZ-001', 'HZ-002', 'NB-001'])
    for (const a of ['K', 'NA', 'GLU', 'ALT']) await addGoodEvidence(w.db, await labId(w.db, lab), await analyteId(w.db, a));
  await seedRecognition({ db: w.db, now: NOW, random: createRandom(1), admin: w.admin, regulators: w.regulators, labManagers: w.labManagers, log: () => {} });
  hospitalId = (await rows<{ id: number }>(`SELECT id FROM users WHERE role = 'hospital' LIMIT 1`))[0].id;
  // the hospital's LIS calls potassium "XK01"
  await sqlRun(w.db, `INSERT INTO analyte_local_codes (owner_id, local_code, analyte_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, hospitalId, 'XK01', await analyteId(w.db, 'K'), hospitalId, NOW, NOW);
  await useAsProcessDb(w);
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
}, 180_000);
afterAll(async () => {
  vi.useRealTimers();
  await w.close();
});

describe('ids', () => {
  it('lab codes map to FHIR ids one to one (_ is not allowed in an id, . is not allowed in a code)', async () => {
    expect(labFhirId('GZ-001')).toBe('GZ-001');
    expect(labFhirId('LAB_7_B')).toBe('LAB.7.B');
    expect(labCodeOfFhirId(labFhirId('LAB_7_B'))).toBe('LAB_7_B');
  });
});

describe('GET /fhir/metadata', () => {
  it('is a CapabilityStatement of what is supported', async () => {
    const cs = await fhir(await get('/metadata'));
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', kind: 'instance', fhirVersion: '4.0.1', status: 'active' });
    const byType = Object.fromEntries(cs.rest[0].resource.map((r: Json) => [r.type, r]));
    expect(byType.Organization.interaction.map((i: Json) => i.code)).toEqual(['read', 'search-type']);
    expect(byType.Organization.searchParam.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['identifier', 'name']));
    expect(byType.VerificationResult.searchParam.map((p: Json) => p.name)).toEqual(['target']);
    expect(byType.Observation.operation.map((o: Json) => o.name)).toEqual(['verify-recognition']);
  });
});

describe('Organization', () => {
  it('a lab with its certifications in force as R5 qualification extensions (item, LOINC, period, issuer), the same ones GET /api/v1/labs/{lab}/certifications lists as active', async () => {
    const org = await fhir(await get('/Organization/GZ-001'));
    expect(org).toMatchObject({ resourceType: 'Organization', id: 'GZ-001', name: '广州市越秀中心医院检验科', alias: ['Guangzhou Yuexiu Central Hospital Laboratory'], identifier: [{ system: LAB_CODE_SYSTEM, value: 'GZ-001' }] });
    const api = (await (await publicApiRoute(new Request('http://x/api/v1/labs/GZ-001/certifications'))).json()) as { analyteCode: string; status: string; validFrom: string; validTo: string; certificateNo: string; scope: string }[];
    const active = api.filter((c) => c.status === 'active');
    expect(active.length).toBeGreaterThan(0);
    const quals = ext(org, QUALIFICATION_EXT);
    expect(quals.map((q: Json) => sub(q, 'identifier').valueIdentifier.value).sort()).toEqual(active.map((c) => c.certificateNo).sort());
    for (const c of active) {
      const q = quals.find((x: Json) => sub(x, 'identifier').valueIdentifier.value === c.certificateNo);
      expect(sub(q, 'identifier').valueIdentifier.system).toBe(CERTIFICATE_SYSTEM);
      expect(sub(q, 'code').valueCodeableConcept.coding[0]).toMatchObject({ system: ITEM_CODE_SYSTEM, code: c.analyteCode });
      expect(sub(q, 'period').valuePeriod).toEqual({ start: c.validFrom, end: c.validTo });
      const scope = (await rows<{ code: string; name: string }>(`SELECT r.code, r.name FROM certifications c JOIN regions r ON r.id = c.scope_region_id WHERE c.certificate_no = ?`, c.certificateNo))[0];
      expect(sub(q, 'issuer').valueReference).toMatchObject({ reference: `Organization/region-${scope.code}`, identifier: { system: REGION_CODE_SYSTEM, value: scope.code }, display: c.scope });
    }
    // potassium carries its LOINC code (2823-3) beside the catalogue code
    const k = quals.find((q: Json) => sub(q, 'code').valueCodeableConcept.coding[0].code === 'K');
    expect(k).toBeDefined(); // the demo seed approves GZ-001 for K
    expect(sub(k, 'code').valueCodeableConcept.coding).toContainEqual({ system: LOINC_SYSTEM, code: '2823-3' });
  });

  it('a region as the issuing authority, part of its parent region', async () => {
    const gd = await fhir(await get('/Organization/region-440000'));
    expect(gd).toMatchObject({ id: 'region-440000', name: '广东', alias: ['Guangdong'], identifier: [{ system: REGION_CODE_SYSTEM, value: '440000' }], partOf: { reference: 'Organization/region-100000' } });
  });

  it('an unknown lab or region is a 404 OperationOutcome', async () => {
    const o = await fhir(await get('/Organization/XX-999'), 404);
    expect(o).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', details: { coding: [{ code: 'lab.notFound' }] } }] });
    expect((await fhir(await get('/Organization/region-999999'), 404)).issue[0].code).toBe('not-found');
  });

  it('search by identifier (with or without the system), by name prefix, :contains and :exact, paged', async () => {
    // a lab code in lower case is the lab's, as in Organization/gz-002, verification and certifications
    for (const q of [`identifier=${encodeURIComponent(`${LAB_CODE_SYSTEM}|GZ-002`)}`, 'identifier=GZ-002', 'identifier=gz-002', `identifier=${encodeURIComponent(`${LAB_CODE_SYSTEM}|gz-002`)}`]) {
      const b = await fhir(await get(`/Organization?${q}`));
      expect(b).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
      expect(b.entry).toEqual([expect.objectContaining({ fullUrl: `${BASE}/Organization/GZ-002`, search: { mode: 'match' }, resource: expect.objectContaining({ id: 'GZ-002' }) })]);
    }
    expect(await fhir(await get(`/Organization?identifier=${encodeURIComponent('http://other|GZ-002')}`))).toMatchObject({ total: 0 });
    expect((await fhir(await get(`/Organization?identifier=${encodeURIComponent(`${REGION_CODE_SYSTEM}|440300`)}`))).entry[0].resource.id).toBe('region-440300');
    // the demo has two tertiary centres per city: 广州市越秀… and 广州市海珠…
    const gz = await fhir(await get(`/Organization?name=${encodeURIComponent('广州市')}`));
    expect(gz.entry.map((e: Json) => e.resource.id)).toEqual(['GZ-001', 'GZ-002']);
    expect((await fhir(await get('/Organization?name=guangzhou'))).total).toBe(2);
    // four secondary district hospitals (…区人民医院检验科) in each of the four cities
    const contains = await fhir(await get(`/Organization?name:contains=${encodeURIComponent('人民医院')}&_count=5`));
    expect(contains.total).toBe(16);
    expect(contains.entry).toHaveLength(5);
    const next = contains.link.find((l: Json) => l.relation === 'next').url as string;
    expect(next).toContain('_offset=5');
    const page2 = await fhir(await get(next.slice(BASE.length)));
    expect(page2.entry).toHaveLength(5);
    expect(page2.entry[0].resource.id > contains.entry[4].resource.id).toBe(true);
    expect((await fhir(await get(`/Organization?name:exact=${encodeURIComponent('广州市越秀中心医院检验科')}`))).total).toBe(1);
    expect((await fhir(await get(`/Organization?name=${encodeURIComponent('人民医院')}`))).total).toBe(0);
  });

  it('search semantics of FHIR R4: :exact keeps letter case, |value has no system, system| is the whole system, a comma (OR) is refused, another server\'s Organization matches nothing', async () => {
    const gz2 = (await fhir(await get('/Organization/GZ-002'))).name as string;
    const english = ((await fhir(await get('/Organization/GZ-002'))).alias ?? []) as string[];
    expect(english.filter((a) => /[a-z]/.test(a))).not.toHaveLength(0);
    expect((await fhir(await get(`/Organization?name:exact=${encodeURIComponent(gz2)}`))).total).toBe(1);
    for (const en of english.filter((a) => /[a-z]/.test(a))) {
      expect((await fhir(await get(`/Organization?name:exact=${encodeURIComponent(en)}`))).total, en).toBe(1);
      expect((await fhir(await get(`/Organization?name:exact=${encodeURIComponent(en.toLowerCase())}`))).total, en).toBe(0);
    }
    expect((await fhir(await get(`/Organization?identifier=${encodeURIComponent('|GZ-002')}`))).total).toBe(0);
    const all = await fhir(await get(`/Organization?identifier=${encodeURIComponent(`${LAB_CODE_SYSTEM}|`)}&_count=1`));
    expect(all.total).toBe((await fhir(await get('/Organization?_count=1'))).total);
    expect(all.total).toBeGreaterThan(10);
    for (const q of ['identifier=GZ-002,GZ-003', `identifier=${encodeURIComponent(`${LAB_CODE_SYSTEM}|GZ-002,${LAB_CODE_SYSTEM}|GZ-003`)}`, 'name=Guangzhou,Hangzhou']) {
      expect((await fhir(await get(`/Organization?${q}`), 400)).issue[0].code, q).toBe('not-supported');
    }
    expect((await fhir(await get(`/Organization?name=${encodeURIComponent('Guangzhou\\,')}`))).total).toBe(0); // an escaped comma is a comma
    expect((await fhir(await get(`/VerificationResult?target=${encodeURIComponent('http://other.example/fhir/Organization/GZ-002')}`))).total).toBe(0);
    expect((await fhir(await get(`/VerificationResult?target=${encodeURIComponent(`${BASE}/Organization/GZ-002`)}`))).total).toBeGreaterThan(0);
  });

  it('refuses unknown search parameters and bad paging with 400', async () => {
    expect((await fhir(await get('/Organization?address=x'), 400)).issue[0].code).toBe('not-supported');
    expect((await fhir(await get('/Organization?_count=ten'), 400)).issue[0].code).toBe('value');
    expect((await fhir(await get('/Patient/1'), 404)).resourceType).toBe('OperationOutcome');
  });

  it('refuses a parameter given twice with 400, whichever it is (not the first value taken)', async () => {
    for (const [path, text] of [
      ['/Organization?identifier=GZ-001&identifier=HZ-001', 'identifier is given 2 times'],
      ['/Organization?name=广州&_count=1&_count=50', '_count is given 2 times'],
      ['/Organization?identifier=GZ-001&_offset=0&_offset=10&_offset=20', '_offset is given 3 times'],
      ['/VerificationResult?target=Organization/GZ-001&target=Organization/HZ-001', 'target is given 2 times'],
      ['/Organization/GZ-001?_format=json&_format=xml', '_format is given 2 times'],
      ['/metadata?_format=json&_format=json', '_format is given 2 times'],
    ]) {
      const o = await fhir(await get(path), 400);
      expect([o.issue[0].code, o.issue[0].details.text], path).toEqual(['not-supported', `Give each search parameter once (${text})`]);
    }
    expect((await fhir(await get('/Organization?name=广州&name:contains=州'), 400)).issue[0].details.text).toBe('Give one of name, name:contains and name:exact, not name and name:contains');
    expect((await fhir(await get('/Organization?identifier=GZ-001&_count=1'))).total).toBe(1);
  });
});

describe('VerificationResult', () => {
  it("each entry's fullUrl reads the same VerificationResult (GET by certificate number); an unknown number is a 404 OperationOutcome", async () => {
    const b = await fhir(await get('/VerificationResult?target=Organization/GZ-001'));
    expect(b.entry.length).toBeGreaterThan(0);
    for (const e of b.entry as Json[]) {
      expect(e.fullUrl.startsWith(`${BASE}/VerificationResult/`)).toBe(true);
      expect(await fhir(await get(e.fullUrl.slice(BASE.length)))).toEqual(e.resource);
    }
    expect((await fhir(await get('/VerificationResult/HR-000000-2026-000000'), 404)).issue[0].code).toBe('not-found');
    const cap = await fhir(await get('/metadata'));
    expect(cap.rest[0].resource.find((r: Json) => r.type === 'VerificationResult').interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
  });

  it('one per certification of the lab, target the Organization, status by its state today, the validity period kept', async () => {
    const certs = (await rows<{ no: string; status: string; validFrom: string; validTo: string; analyte: string }>(
      `SELECT c.certificate_no AS no, c.status, c.valid_from AS validFrom, c.valid_to AS validTo, a.code AS analyte FROM certifications c
       JOIN analytes a ON a.id = c.analyte_id WHERE c.lab_id = ?`,
      await labId(w.db, 'GZ-001'),
    ));
    const b = await fhir(await get('/VerificationResult?target=Organization/GZ-001'));
    expect(b.total).toBe(certs.length);
    expect(b.entry).toHaveLength(certs.length);
    for (const c of certs) {
      const vr = b.entry.map((e: Json) => e.resource).find((r: Json) => sub(ext(r, 'urn:labqc:extension:certification')[0], 'identifier').valueIdentifier.value === c.no);
      expect(vr.target).toEqual([expect.objectContaining({ reference: 'Organization/GZ-001' })]);
      const cert = ext(vr, 'urn:labqc:extension:certification')[0];
      expect(sub(cert, 'period').valuePeriod).toEqual({ start: c.validFrom, end: c.validTo });
      expect(sub(cert, 'code').valueCodeableConcept.coding[0].code).toBe(c.analyte);
      expect([vr.lastPerformed, vr.nextScheduled]).toEqual([c.validFrom, c.validTo]);
      const expected = c.validTo < today() || c.status === 'revoked' || c.status === 'expired' ? 'val-fail' : c.status === 'suspended' ? 'req-revalid' : c.validFrom <= today() ? 'validated' : 'in-process';
      expect(vr.status).toBe(expected);
    }
    expect(b.entry.some((e: Json) => e.resource.status === 'validated')).toBe(true);
  });

  it('covers suspended and revoked certifications of the demo (req-revalid, val-fail)', async () => {
    const byStatus = (await rows<{ lab: string; status: string }>(`SELECT min(l.code) AS lab, c.status FROM certifications c JOIN laboratories l ON l.id = c.lab_id WHERE c.status IN ('suspended', 'revoked') AND c.valid_to >= ? GROUP BY c.status`, today()));
    expect(byStatus.map((r) => r.status).sort()).toEqual(['revoked', 'suspended']);
    for (const r of byStatus) {
      const b = await fhir(await get(`/VerificationResult?target=${encodeURIComponent(`${BASE}/Organization/${r.lab}`)}`));
      expect(b.entry.map((e: Json) => e.resource.status)).toContain(r.status === 'suspended' ? 'req-revalid' : 'val-fail');
    }
  });

  it("statusDate is the day of the latest change of status: the system's EQA flag, which keeps the status, does not move it", async () => {
    const [flagged] = await rows<{ lab: string; certificateNo: string; flaggedOn: string; changedOn: string }>(
      `SELECT l.code AS lab, c.certificate_no AS certificateNo,
              (SELECT max(e.effective_on) FROM certification_events e WHERE e.certification_id = c.id AND e.action = 'flag') AS flaggedOn,
              (SELECT max(e.effective_on) FROM certification_events e WHERE e.certification_id = c.id AND e.action <> 'flag') AS changedOn
       FROM certifications c JOIN laboratories l ON l.id = c.lab_id WHERE c.flagged = ? ORDER BY c.id LIMIT 1`,
      testBackend === 'pg' ? true : 1,
    );
    expect(flagged.flaggedOn > flagged.changedOn).toBe(true); // the demo flags a certification approved earlier
    const b = await fhir(await get(`/VerificationResult?target=Organization/${labFhirId(flagged.lab)}`));
    const entry = b.entry.find((e: Json) => e.resource.extension?.[0].extension.find((x: Json) => x.url === 'identifier')?.valueIdentifier.value === flagged.certificateNo);
    expect([entry.resource.status, entry.resource.statusDate]).toEqual(['validated', flagged.changedOn]);
  });

  it('an unknown lab matches nothing (an outcome entry says why); no target is a 400', async () => {
    const b = await fhir(await get('/VerificationResult?target=Organization/XX-999'));
    expect(b).toMatchObject({ total: 0, entry: [{ search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome', issue: [{ code: 'not-found', severity: 'warning' }] } }] });
    expect((await fhir(await get('/VerificationResult'), 400)).issue[0].code).toBe('required');
    expect((await fhir(await get('/VerificationResult?target=Patient/1'), 400)).issue[0].code).toBe('value');
  });
});

describe('caching', () => {
  it('public reads carry an ETag and a short Cache-Control; a repeated GET with If-None-Match gets 304', async () => {
    for (const path of ['/metadata', '/Organization/GZ-001', '/Organization?name=guangzhou', '/VerificationResult?target=Organization/GZ-001']) {
      const first = await get(path);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300');
      const again = await get(path, { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      expect((await get(path, { 'if-none-match': '"other"' })).status).toBe(200);
    }
    const missing = await get('/Organization/XX-999');
    expect([missing.status, missing.headers.get('etag'), missing.headers.get('cache-control')]).toEqual([404, null, 'no-store']);
  });
});

describe('content negotiation', () => {
  it('answers JSON to a caller that accepts it, 406 to one that accepts only another format or FHIR version; _format overrides Accept', async () => {
    for (const accept of ['*/*', 'application/fhir+json', 'application/json', 'application/fhir+json; fhirVersion=4.0', 'application/fhir+xml;q=1, application/fhir+json;q=0.9'])
      expect((await fhir(await get('/Organization/GZ-001', { accept }))).id, accept).toBe('GZ-001');
    for (const accept of ['application/fhir+xml', 'application/xml', 'application/fhir+json; fhirVersion=5.0', 'text/turtle']) {
      const refused = await get('/Organization/GZ-001', { accept });
      const o = await fhir(refused, 406);
      expect([o.issue[0].code, o.issue[0].details.text], accept).toEqual(['not-supported', `This server answers FHIR R4 JSON only: accept application/fhir+json (Accept: ${accept})`]);
      expect([refused.headers.get('cache-control'), refused.headers.get('etag')]).toEqual(['no-store', null]);
    }
    expect((await fhir(await get('/metadata?_format=json', { accept: 'application/fhir+xml' }))).resourceType).toBe('CapabilityStatement');
    expect((await fhir(await get('/metadata?_format=xml'), 400)).issue[0].details.text).toBe('Only JSON is served (_format=xml)');
    // a cached read says that it depends on Accept, its 304 too
    const read = await get('/Organization/GZ-001');
    expect(read.headers.get('vary')).toBe('Accept');
    expect((await get('/Organization/GZ-001', { 'if-none-match': read.headers.get('etag')! })).headers.get('vary')).toBe('Accept');
  });

  it('$verify-recognition: a body sent as XML is a 415, an Accept of only XML a 406, before the rate limit counts it', async () => {
    await verifyBatchLimiter.reset();
    const bundle = JSON.stringify({ resourceType: 'Bundle', type: 'collection' });
    const send = (headers: Record<string, string>) => fhirPostRoute(new Request(`${BASE}/Observation/$verify-recognition`, { method: 'POST', headers: { [CLIENT_ADDRESS_HEADER]: '203.0.113.77', ...headers }, body: bundle }));
    expect((await fhir(await send({ 'content-type': 'application/fhir+xml' }), 415)).issue[0].details.text).toBe('This server reads FHIR R4 JSON only: send the body as application/fhir+json (Content-Type: application/fhir+xml)');
    expect((await fhir(await send({ 'content-type': 'application/fhir+json', accept: 'application/fhir+xml' }), 406)).issue[0].code).toBe('not-supported');
    expect((await fhir(await send({ 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }))).type).toBe('collection');
    expect((await fhir(await send({ 'content-type': 'application/json' }))).type).toBe('collection');
  });
});

describe("the production server's fast path", () => {
  it('answers FHIR reads as the route handler does (same body and ETag, 304), absolute URLs from the Host; POSTs go to Next', async () => {
    const server = http.createServer(async (req, res) => {
      if (!await publicFastPath(req, res)) {
        res.writeHead(599);
        res.end('left to Next');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const a = await fetch(`${origin}/fhir/Organization?identifier=GZ-001`);
      const body = await fhir(a);
      expect(a.headers.get('content-security-policy')).toBe(API_CSP);
      expect(body.entry[0].fullUrl).toBe(`${origin}/fhir/Organization/GZ-001`);
      expect(body.entry[0].resource).toEqual((await fhir(await get('/Organization/GZ-001'))));
      const direct = await fetch(`${origin}/fhir/Organization/GZ-001`);
      const etag = direct.headers.get('etag')!;
      expect(etag).toBe((await get('/Organization/GZ-001')).headers.get('etag'));
      expect((await fetch(`${origin}/fhir/Organization/GZ-001`, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await fhir(await fetch(`${origin}/fhir/Organization/GZ-001`, { headers: { accept: 'application/fhir+xml' } }), 406)).issue[0].code).toBe('not-supported');
      expect(direct.headers.get('vary')).toBe('Accept');
      expect((await fhir(await fetch(`${origin}/fhir/Organization/%E0%A4%A`), 400)).issue[0].code).toBe('invalid');
      // refused before any routing (lib/server/limits.ts) and still an OperationOutcome under /fhir
      const bare = http.createServer((req, res) => void (refuseMalformed(req, res) || res.end('routed')));
      await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
      try {
        const at = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
        const refused = await fetch(`${at}/fhir/Organization/%`);
        expect(refused.headers.get('content-type')).toBe('application/fhir+json');
        expect([refused.status, ((await refused.json()) as Json).issue[0].details.coding[0].code]).toEqual([400, 'request.malformedUrl']);
        expect(await (await fetch(`${at}/api/v1/labs/%`)).json()).toEqual({ error: 'Malformed URL', code: 'request.malformedUrl' });
      } finally {
        await new Promise((r) => bare.close(r));
      }
      expect((await fetch(`${origin}/fhir/Observation/$verify-recognition`, { method: 'POST', body: '{}' })).status).toBe(599);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface Case {
  lab: string;
  analyte: string;
  loinc: string | null;
  date: string;
}

/** An Observation from another hospital: performer, code and day written in one of the accepted ways. */
function observation(c: Case, i: number, extra: Json = {}): Json {
  const performer = [
    [{ reference: `Organization/${c.lab}` }],
    [{ reference: 'Practitioner/p1' }, { identifier: { system: LAB_CODE_SYSTEM, value: c.lab }, display: 'the lab' }],
    [{ reference: `urn:uuid:org-${c.lab}` }],
  ][i % 3];
  const coding = c.loinc && i % 2 ? [{ system: LOINC_SYSTEM, code: c.loinc, display: 'by LOINC' }] : [{ system: ITEM_CODE_SYSTEM, code: c.analyte }];
  const when = [{ effectiveDateTime: `${c.date}T08:30:00+08:00` }, { effectivePeriod: { start: c.date, end: c.date } }, { issued: `${c.date}T10:00:00+08:00` }][i % 3];
  return { resourceType: 'Observation', id: `obs-${i}`, status: 'final', code: { coding, text: `item ${i}` }, performer, valueQuantity: { value: 4.1 + i, unit: 'mmol/L' }, ...when, ...extra };
}

describe('POST /fhir/Observation/$verify-recognition', () => {
  let cases: Case[];
  beforeAll(async () => {
    await verifyBatchLimiter.reset();
    const certs = (await rows<{ lab: string; analyte: string; loinc: string | null; validFrom: string; validTo: string }>(
      `SELECT l.code AS lab, a.code AS analyte, a.loinc, c.valid_from AS validFrom, c.valid_to AS validTo FROM certifications c
       JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id ORDER BY c.id`,
    ));
    // recognised, suspended, revoked and expired pairs, on their first day, their last day and before them
    cases = certs.flatMap((c) => [
      { lab: c.lab, analyte: c.analyte, loinc: c.loinc, date: c.validFrom },
      { lab: c.lab, analyte: c.analyte, loinc: c.loinc, date: c.validTo < today() ? c.validTo : addDays(today(), -3) },
      { lab: c.lab, analyte: c.analyte, loinc: c.loinc, date: addDays(c.validFrom, -1) },
    ]);
  });

  const inputBundle = (asOfCases: Case[]) => {
    const labs = [...new Set(asOfCases.map((c) => c.lab))];
    return {
      resourceType: 'Bundle',
      id: 'from-platform',
      type: 'collection',
      entry: [
        ...asOfCases.map((c, i) => ({ fullUrl: `urn:uuid:obs-${i}`, resource: observation(c, i) })),
        // the Organizations the third form of performer points at, and an unrelated Patient
        ...labs.map((lab) => ({ fullUrl: `urn:uuid:org-${lab}`, resource: { resourceType: 'Organization', identifier: [{ system: LAB_CODE_SYSTEM, value: lab }], name: lab } })),
        { fullUrl: 'urn:uuid:patient-1', resource: { resourceType: 'Patient', id: 'patient-1', gender: 'female' } },
      ],
    };
  };

  it('returns the same Bundle, entries in the same order, each Observation marked as POST /api/v1/verify answers', async () => {
    const asOf = addDays(today(), 2);
    const input = inputBundle(cases);
    expect(fhirProblems(input)).toEqual([]);
    const out = await fhir(await post(`/Observation/$verify-recognition?asOf=${asOf}`, input));
    expect(out).toMatchObject({ resourceType: 'Bundle', id: 'from-platform', type: 'collection' });
    expect(out.entry).toHaveLength(input.entry.length); // every entry resolved: no outcome entries
    const batch = await verifyBatchRoute(
      new Request('http://x/api/v1/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLIENT_ADDRESS_HEADER]: '203.0.113.51' },
        body: JSON.stringify({ checks: cases.map((c) => ({ lab: c.lab, analyte: c.analyte, date: c.date, asOf })) }),
      }),
    );
    const answers = ((await batch.json()) as { results: Json[] }).results;
    let accredited = 0;
    input.entry.forEach((e, i) => {
      const got = out.entry[i];
      if (i >= cases.length) return expect(got).toEqual(e);
      const a = answers[i];
      const mark = ext(got.resource, ACCREDITED_EXT);
      expect(mark).toEqual([{ url: ACCREDITED_EXT, valueBoolean: a.recognized && a.withinWindow }]);
      if (a.recognized && a.withinWindow) accredited++;
      expect(got.resource.meta?.tag ?? []).toEqual(a.recognized && a.withinWindow ? [{ system: MARK_SYSTEM, code: a.mark, display: a.mark }] : []);
      const check = ext(got.resource, RECOGNITION_CHECK_EXT)[0];
      expect(sub(check, 'reason').valueCode).toBe(a.reason);
      expect(sub(check, 'asOf').valueDate).toBe(asOf);
      expect(sub(check, 'windowDays')?.valueInteger ?? null).toBe(a.windowDays);
      // the original fields are kept: without LabQC's additions the entry is the one sent
      const { extension: _x, meta: _m, ...rest } = got.resource;
      const { extension: _y, meta: _n, ...sent } = e.resource as Json;
      expect({ ...got, resource: rest }).toEqual({ ...e, resource: sent });
    });
    // the demo holds both answers
    expect(accredited).toBeGreaterThan(0);
    expect(accredited).toBeLessThan(cases.length);
    expect(new Set(answers.map((a) => a.reason))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    expect(answers.some((a) => a.reason === 'revoked') && answers.some((a) => a.reason === 'not_yet_certified')).toBe(true);
  });

  it("the result day is China's: a time with its offset is an instant, a date alone the day as written", async () => {
    const [ev] = await rows<{ lab: string; analyte: string; day: string }>(
      `SELECT l.code AS lab, a.code AS analyte, e.effective_on AS day FROM certification_events e JOIN laboratories l ON l.id = e.lab_id JOIN analytes a ON a.id = e.analyte_id WHERE e.action = 'suspend' ORDER BY e.id LIMIT 1`,
    );
    const dayBefore = addDays(ev.day, -1);
    const checkOf = async (when: Json) => {
      const obs = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: ITEM_CODE_SYSTEM, code: ev.analyte }] }, performer: [{ reference: `Organization/${labFhirId(ev.lab)}` }], ...when };
      const out = (await fhirVerify(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: obs }] }), new URLSearchParams({ asOf: ev.day }))).body as Json;
      return ext(out.entry[0].resource, RECOGNITION_CHECK_EXT);
    };
    const before = await checkOf({ effectiveDateTime: dayBefore });
    const on = await checkOf({ effectiveDateTime: ev.day });
    expect(before).not.toEqual(on); // the suspension holds from its day
    // 20:30 UTC the day before is 04:30 in China on the suspension's day: one instant, one answer
    expect(await checkOf({ effectiveDateTime: `${dayBefore}T20:30:00Z` })).toEqual(on);
    expect(await checkOf({ effectiveDateTime: `${ev.day}T04:30:00+08:00` })).toEqual(on);
    expect(await checkOf({ issued: `${dayBefore}T23:59:59-10:00` })).toEqual(on);
    expect(await checkOf({ effectivePeriod: { start: `${dayBefore}T15:59:59Z` } })).toEqual(before);
    expect(await checkOf({ effectiveDateTime: `${dayBefore}T23:00:00+08:00` })).toEqual(before);
  });

  it('outside the window is not accredited: asOf beyond windowDays turns a recognised result false', async () => {
    const c = cases.find((x) => x.lab === 'GZ-001' && x.date === addDays(today(), -3))!;
    const send = async (asOf: string) => (await fhirVerify(JSON.stringify(inputBundle([c])), new URLSearchParams({ asOf }))).body as Json;
    const within = await send(today());
    const check = ext(within.entry[0].resource, RECOGNITION_CHECK_EXT)[0];
    expect(sub(check, 'recognized').valueBoolean).toBe(true);
    const days = sub(check, 'windowDays').valueInteger as number;
    expect(ext(within.entry[0].resource, ACCREDITED_EXT)[0].valueBoolean).toBe(true);
    const edge = await send(addDays(c.date, days));
    expect(ext(edge.entry[0].resource, ACCREDITED_EXT)[0].valueBoolean).toBe(true);
    const late = await send(addDays(c.date, days + 1));
    expect(ext(late.entry[0].resource, ACCREDITED_EXT)[0].valueBoolean).toBe(false);
    expect(late.entry[0].resource.meta).toBeUndefined();
    // marking again replaces LabQC's marks instead of adding a second one
    const again = (await fhirVerify(JSON.stringify(edge), new URLSearchParams({ asOf: addDays(c.date, days + 1) }))).body as Json;
    expect(ext(again.entry[0].resource, ACCREDITED_EXT)).toEqual([{ url: ACCREDITED_EXT, valueBoolean: false }]);
    expect(ext(again.entry[0].resource, RECOGNITION_CHECK_EXT)).toHaveLength(1);
    expect(fhirProblems(again)).toEqual([]);
  });

  it('an OperationOutcome entry for each Observation that cannot be checked: unknown lab, unknown code, no day, no performer', async () => {
    const good = cases[0];
    const obs = [
      observation(good, 0),
      observation({ ...good, lab: 'XX-999' }, 0),
      observation(good, 0, { code: { coding: [{ system: LOINC_SYSTEM, code: '0000-0' }] } }),
      { ...observation(good, 0), effectiveDateTime: '2026-06' },
      observation(good, 0, { performer: [{ reference: 'Practitioner/p1' }] }),
    ];
    const input = { resourceType: 'Bundle', type: 'collection', entry: obs.map((resource) => ({ resource })) };
    const out = await fhir(await post('/Observation/$verify-recognition', input));
    expect(out.entry).toHaveLength(5 + 4);
    expect(ext(out.entry[0].resource, ACCREDITED_EXT)).toHaveLength(1);
    for (let i = 1; i < 5; i++) expect(out.entry[i]).toEqual(input.entry[i]); // kept as sent, unmarked
    const outcomes = out.entry.slice(5).map((e: Json) => e.resource);
    expect(outcomes.map((o: Json) => o.resourceType)).toEqual(Array(4).fill('OperationOutcome'));
    expect(outcomes.map((o: Json) => [o.issue[0].code, o.issue[0].details.coding?.[0]?.code, o.issue[0].expression[0]])).toEqual([
      ['not-found', 'lab.notFound', 'Bundle.entry[1].resource'],
      ['not-found', 'analyte.notFound', 'Bundle.entry[2].resource'],
      ['required', 'recognition.invalidDate', 'Bundle.entry[3].resource.effective'],
      ['required', 'lab.notFound', 'Bundle.entry[4].resource.performer'],
    ]);
    expect(out.entry.slice(5).every((e: Json) => /^urn:uuid:[0-9a-f-]{36}$/.test(e.fullUrl))).toBe(true);
  });

  it('an Observation that cannot be checked keeps no mark it came with; a marked Bundle sent back has its outcome entries replaced, not added to', async () => {
    const good = cases[0];
    const forged = {
      ...observation({ ...good, lab: 'XX-999' }, 0),
      meta: { tag: [{ system: MARK_SYSTEM, code: '广东HR' }, { system: 'urn:other', code: 'kept' }] },
      extension: [{ url: ACCREDITED_EXT, valueBoolean: true }, { url: 'urn:other:ext', valueString: 'kept' }],
    };
    const undated = { ...observation(good, 0), effectiveDateTime: '2026-12', extension: [{ url: ACCREDITED_EXT, valueBoolean: true }] };
    const input = { resourceType: 'Bundle', type: 'collection', entry: [observation(good, 0), forged, undated].map((resource) => ({ resource })) };
    const out = await fhir(await post('/Observation/$verify-recognition', input));
    expect(out.entry).toHaveLength(3 + 2);
    expect(out.entry[1].resource.meta).toEqual({ tag: [{ system: 'urn:other', code: 'kept' }] });
    expect(out.entry[1].resource.extension).toEqual([{ url: 'urn:other:ext', valueString: 'kept' }]);
    expect(out.entry[2].resource.extension).toBeUndefined();
    expect(out.entry.slice(3).map((e: Json) => e.resource.issue[0].details.coding[0].code)).toEqual(['lab.notFound', 'recognition.invalidDate']);
    // sent back as it came: the same entries, the same outcomes (once), the first marked as before
    const again = await fhir(await post('/Observation/$verify-recognition', out));
    expect(again.entry).toHaveLength(5);
    expect(again.entry.slice(0, 3)).toEqual(out.entry.slice(0, 3));
    expect(again.entry.slice(3).map((e: Json) => e.resource)).toEqual(out.entry.slice(3).map((e: Json) => e.resource));
  });

  it("a performer reference on another FHIR server's base is that server's Organization, not the LabQC lab of the same id; one on this server's base is", async () => {
    const good = cases.find((x) => x.lab === 'GZ-001')!;
    const input = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        observation(good, 0, { performer: [{ reference: `${BASE}/Organization/GZ-001` }] }),
        observation(good, 0, { performer: [{ reference: 'https://his.other-hospital.example/fhir/Organization/GZ-001' }] }),
        observation(good, 0, { performer: [{ reference: 'Organization/GZ-001' }] }),
      ].map((resource) => ({ resource })),
    };
    const out = await fhir(await post('/Observation/$verify-recognition', input));
    expect(out.entry).toHaveLength(3 + 1);
    expect(ext(out.entry[0].resource, RECOGNITION_CHECK_EXT)).toEqual(ext(out.entry[2].resource, RECOGNITION_CHECK_EXT));
    expect(ext(out.entry[1].resource, ACCREDITED_EXT)).toEqual([]);
    expect(out.entry[3].resource.issue[0]).toMatchObject({ details: { coding: [{ code: 'lab.notFound' }] }, expression: ['Bundle.entry[1].resource.performer'] });
  });

  it('a result time that is no FHIR dateTime (offset +99:00, hour 24, text) is refused at its field, not read as written nor passed over for issued', async () => {
    const good = cases[0];
    const base = { ...observation(good, 0), issued: `${good.date}T10:00:00+08:00` };
    const bad = ['2026-07-02T10:00:00+99:00', '2026-07-02T24:00:00Z', 'yesterday', '2026-02-30'];
    const input = { resourceType: 'Bundle', type: 'collection', entry: bad.map((effectiveDateTime) => ({ resource: { ...base, effectiveDateTime } })) };
    // read as sent back (the Observations are returned as they came, invalid times included)
    const res = await post('/Observation/$verify-recognition', input);
    expect(res.status).toBe(200);
    const out = (await res.json()) as Json;
    const outcomes = out.entry.slice(bad.length).map((e: Json) => e.resource.issue[0]);
    expect(outcomes.map((o: Json) => [o.code, o.details.coding?.[0]?.code, o.expression[0]])).toEqual(
      bad.map((_, i) => ['value', 'recognition.invalidDate', `Bundle.entry[${i}].resource.effectiveDateTime`]),
    );
    for (let i = 0; i < bad.length; i++) expect(ext(out.entry[i].resource, ACCREDITED_EXT)).toHaveLength(0);
  });

  it("a hospital's local codes resolve for that hospital (its codes of any other system); anonymous callers get an OperationOutcome", async () => {
    const c = cases.find((x) => x.lab === 'GZ-001' && x.analyte === 'K') ?? { ...cases[0], lab: 'GZ-001', analyte: 'K' };
    const input = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: observation(c, 0, { code: { coding: [{ system: 'http://hospital.example/lis-codes', code: 'xk01' }] } }) }] };
    const catalogue = { ...input, entry: [{ resource: observation(c, 0, { code: { coding: [{ system: ITEM_CODE_SYSTEM, code: 'K' }] } }) }] };
    const asK = (await fhirVerify(JSON.stringify(catalogue), new URLSearchParams())).body as Json;
    const mine = (await fhirVerify(JSON.stringify(input), new URLSearchParams(), { ownerId: hospitalId, recordMisses: () => {} })).body as Json;
    expect(mine.entry).toHaveLength(1);
    expect(ext(mine.entry[0].resource, RECOGNITION_CHECK_EXT)).toEqual(ext(asK.entry[0].resource, RECOGNITION_CHECK_EXT));
    const anonymous = (await fhirVerify(JSON.stringify(input), new URLSearchParams())).body as Json;
    expect(anonymous.entry).toHaveLength(2);
    expect(anonymous.entry[1].resource.issue[0].details.coding[0].code).toBe('analyte.notFound');
    // an unknown LOINC code falls back to the next coding
    const both = { ...input, entry: [{ resource: observation(c, 0, { code: { coding: [{ system: LOINC_SYSTEM, code: '0000-0' }, { system: 'http://hospital.example/lis-codes', code: 'XK01' }] } }) }] };
    expect(ext(((await fhirVerify(JSON.stringify(both), new URLSearchParams(), { ownerId: hospitalId, recordMisses: () => {} })).body as Json).entry[0].resource, RECOGNITION_CHECK_EXT)).toEqual(
      ext(asK.entry[0].resource, RECOGNITION_CHECK_EXT),
    );
  });

  it("a LabQC item code is the catalogue's, even when the caller maps a local code of the same name to another item", async () => {
    const c = cases.find((x) => x.lab === 'GZ-001' && x.analyte === 'K') ?? { ...cases[0], lab: 'GZ-001', analyte: 'K' };
    // the hospital's LIS calls potassium "NA"
    await sqlRun(w.db, `INSERT INTO analyte_local_codes (owner_id, local_code, analyte_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, hospitalId, 'NA', await analyteId(w.db, 'K'), hospitalId, NOW, NOW);
    try {
      const coded = (coding: Json) => JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: observation(c, 0, { code: { coding: [coding] } }) }] });
      const check = async (coding: Json, ownerId?: number) => ext(((await fhirVerify(coded(coding), new URLSearchParams(), ownerId ? { ownerId, recordMisses: () => {} } : {})).body as Json).entry[0].resource, RECOGNITION_CHECK_EXT);
      const sodium = await check({ system: ITEM_CODE_SYSTEM, code: 'NA' });
      const potassium = await check({ system: ITEM_CODE_SYSTEM, code: 'K' });
      expect(sodium).not.toEqual(potassium);
      expect(await check({ system: ITEM_CODE_SYSTEM, code: 'NA' }, hospitalId)).toEqual(sodium);
      // a code without a system is the caller's first, as a bare code in POST /api/v1/verify
      expect(await check({ code: 'NA' }, hospitalId)).toEqual(potassium);
      // and POST /api/v1/verify: `item:` insists on the catalogue as `local:` insists on the map
      const batch = async (analyte: string) => (await verifyBatch(w.db, { checks: [{ lab: c.lab, analyte, date: c.date }] }, { ownerId: hospitalId, recordMisses: () => {} })).results[0];
      const [bare, item, upper, local, k] = [await batch('NA'), await batch('item:NA'), await batch('ITEM: na'), await batch('local:na'), await batch('K')];
      expect([bare, local]).toEqual([k, k]);
      expect(item).toEqual(upper);
      expect(item).not.toEqual(k);
      expect(item).toEqual((await verifyBatch(w.db, { checks: [{ lab: c.lab, analyte: 'NA', date: c.date }] })).results[0]); // anonymous: the catalogue's NA
      // the single GET takes item: too
      expect((await (await publicApiRoute(new Request(`http://labqc.test/api/v1/verify?lab=${c.lab}&analyte=item:NA&date=${c.date}`))).json())).toEqual(item);
      // a local code as long as the mapping page allows (64) is usable, bare, with local: and through FHIR
      const long = 'L'.repeat(64);
      await sqlRun(w.db, `INSERT INTO analyte_local_codes (owner_id, local_code, analyte_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, hospitalId, long, await analyteId(w.db, 'K'), hospitalId, NOW, NOW);
      expect([await batch(long), await batch(`local:${long}`)]).toEqual([k, k]);
      expect(await check({ system: 'http://hospital.example/lis-codes', code: long }, hospitalId)).toEqual(potassium);
    } finally {
      await sqlRun(w.db, `DELETE FROM analyte_local_codes WHERE owner_id = ? AND local_code IN (?, ?)`, hospitalId, 'NA', 'L'.repeat(64));
    }
  });

  it("over HTTP with a hospital's verify token its local codes resolve; a lab's token without verify gets a 403 OperationOutcome", async () => {
    await verifyBatchLimiter.reset();
    const c = cases.find((x) => x.lab === 'GZ-001' && x.analyte === 'K') ?? { ...cases[0], lab: 'GZ-001', analyte: 'K' };
    const { token } = await createHospitalToken(w.db, (await actorForUserId(w.db, hospitalId))!, { name: 'HIS', expiresInDays: '' });
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: observation(c, 0, { code: { coding: [{ system: 'http://hospital.example/lis-codes', code: 'XK01' }] } }) }] };
    const call = (authorization?: string) =>
      fhirPostRoute(
        new Request(`${BASE}/Observation/$verify-recognition`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', [CLIENT_ADDRESS_HEADER]: '203.0.113.60', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(bundle),
        }),
      );
    const mine = await fhir(await call(`Bearer ${token}`));
    expect(mine.entry).toHaveLength(1);
    expect(sub(ext(mine.entry[0].resource, RECOGNITION_CHECK_EXT)[0], 'reason').valueCode).toBe('recognized');
    const anonymous = await fhir(await call());
    expect(anonymous.entry[1].resource.issue[0].details.coding[0].code).toBe('analyte.notFound');
    const { createApiToken } = await import('@/lib/services/tokens');
    const lis = await createApiToken(w.db, w.labManagers.get('GZ-001')!, { name: 'lis', scopes: ['iqc:write'] });
    expect((await fhir(await call(`Bearer ${lis.token}`), 403)).issue[0].code).toBe('forbidden');
  });

  it('finds the lab by a LabQC identifier first, then a referenced Organization in the request, then Organization/{id}', async () => {
    const c = cases.find((x) => x.lab === 'GZ-001')!;
    const plain = observation(c, 0);
    const forms = [
      // a practitioner's identifier without a system is not taken for a lab
      { performer: [{ reference: 'Practitioner/p1', identifier: { value: 'doc-9' } }, { reference: 'Organization/GZ-001' }] },
      // another server's id in the reference, LabQC's identifier beside it
      { performer: [{ reference: 'http://other.example/fhir/Organization/77', identifier: { system: LAB_CODE_SYSTEM, value: 'GZ-001' } }] },
      { performer: [{ reference: '#lab' }], contained: [{ resourceType: 'Organization', id: 'lab', identifier: [{ value: 'GZ-001' }], name: 'GZ' }] },
      { performer: [{ type: 'Organization', identifier: { value: 'GZ-001' } }] },
    ];
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [plain, ...forms.map((f) => ({ ...plain, ...f }))].map((resource) => ({ resource })) };
    const out = (await fhirVerify(JSON.stringify(bundle), new URLSearchParams())).body as Json;
    expect(fhirProblems(out)).toEqual([]);
    expect(out.entry).toHaveLength(forms.length + 1);
    const first = ext(out.entry[0].resource, RECOGNITION_CHECK_EXT);
    expect(sub(first[0], 'reason').valueCode).toBe('recognized');
    for (const e of out.entry.slice(1)) expect(ext(e.resource, RECOGNITION_CHECK_EXT)).toEqual(first);
  });

  it('takes Parameters (bundle, asOf) too, and a searchset whose outcome entries have search mode outcome', async () => {
    const c = cases[0];
    const bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: observation(c, 0), search: { mode: 'match' } }, { resource: observation({ ...c, lab: 'XX-999' }, 0), search: { mode: 'match' } }] };
    const params = { resourceType: 'Parameters', parameter: [{ name: 'bundle', resource: bundle }, { name: 'asOf', valueDate: c.date }] };
    expect(fhirProblems(params)).toEqual([]);
    const out = await fhirVerify(JSON.stringify(params), new URLSearchParams());
    expect(out.status).toBe(200);
    const b = out.body as Json;
    expect(fhirProblems(b)).toEqual([]);
    expect(b.entry.map((e: Json) => e.search.mode)).toEqual(['match', 'match', 'outcome']);
    expect(sub(ext(b.entry[0].resource, RECOGNITION_CHECK_EXT)[0], 'asOf').valueDate).toBe(c.date);
  });

  it('malformed requests are 400, an unsupported Bundle type 422, another POST 404, all as OperationOutcome', async () => {
    await verifyBatchLimiter.reset();
    expect((await fhir(await post('/Observation/$verify-recognition', '{"resourceType": "Bundle",'), 400)).issue[0].code).toBe('invalid');
    expect((await fhir(await post('/Observation/$verify-recognition', { resourceType: 'Patient' }), 400)).issue[0].code).toBe('invalid');
    expect((await fhir(await post('/Observation/$verify-recognition', { resourceType: 'Bundle', type: 'collection', entry: {} }), 400)).issue[0].code).toBe('structure');
    expect((await fhir(await post('/Observation/$verify-recognition?asOf=tomorrow', { resourceType: 'Bundle', type: 'collection' }), 400)).issue[0].code).toBe('value');
    expect((await fhir(await post('/Observation/$verify-recognition?asOf=2026-01-01&asOf=2026-02-01', { resourceType: 'Bundle', type: 'collection' }), 400)).issue[0].details.text).toBe('Give each search parameter once (asOf is given 2 times)');
    expect((await fhir(await post('/Observation/$verify-recognition', { resourceType: 'Bundle', type: 'transaction', entry: [] }), 422)).issue[0].code).toBe('not-supported');
    expect((await fhir(await post('/Observation/$validate', { resourceType: 'Bundle', type: 'collection' }), 404)).resourceType).toBe('OperationOutcome');
    const badToken = await fhirPostRoute(new Request(`${BASE}/Observation/$verify-recognition`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/fhir+json' }, body: '{}' }));
    expect((await fhir(badToken, 401)).issue[0].code).toBe('login');
    // an empty collection comes back as it was
    expect(await fhir(await post('/Observation/$verify-recognition', { resourceType: 'Bundle', type: 'collection' }))).toEqual({ resourceType: 'Bundle', type: 'collection' });
  });

  it('more than 10,000 Observations is a 413 OperationOutcome (too-costly), nothing checked', async () => {
    const c = cases[0];
    const one = observation(c, 0);
    const many = { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 10_001 }, () => ({ resource: one })) };
    const r = await fhirVerify(JSON.stringify(many), new URLSearchParams());
    expect(r.status).toBe(413);
    expect((r.body as Json).issue[0].code).toBe('too-costly');
    expect(fhirProblems(r.body)).toEqual([]);
  });

  it('an Observation with more than 32 codings or 16 performers is refused as too costly (its own outcome), the others checked; 20,000 unresolvable performer references are 413 at once, not read first', async () => {
    const c = cases[0];
    const one = observation(c, 0);
    const manyCodings = { ...one, code: { coding: Array.from({ length: 40_000 }, (_, i) => ({ system: 'urn:local', code: `X${i}` })) } };
    const manyPerformers = { ...one, performer: Array.from({ length: 17 }, () => ({ reference: 'urn:uuid:missing' })) };
    const started = performance.now();
    const r = await fhirVerify(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: manyCodings }, { resource: manyPerformers }, { resource: one }] }), new URLSearchParams());
    expect(r.status).toBe(200);
    const entries = (r.body as Json).entry as Json[];
    const outcomes = entries.filter((e) => (e.resource as Json).resourceType === 'OperationOutcome').map((e) => ((e.resource as Json).issue as Json[])[0]);
    expect(outcomes.map((x) => [x.code, x.expression])).toEqual([
      ['too-costly', ['Bundle.entry[0].resource.code']],
      ['too-costly', ['Bundle.entry[1].resource.performer']],
    ]);
    // the third was checked as usual
    expect(ext(entries[2].resource as Json, RECOGNITION_CHECK_EXT)).toHaveLength(1);
    const missing = { ...one, performer: [{ reference: 'urn:uuid:missing' }] };
    const unresolved = await fhirVerify(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 20_000 }, () => ({ resource: missing })) }), new URLSearchParams());
    expect(unresolved.status).toBe(413);
    // each was quadratic: 40,000 codings took seconds of CPU, 20,000 lookups by fullUrl as many
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a body nested more than 100 levels deep is 400 (structure), not a stack overflow when the Bundle is written back', async () => {
    const deep = `{"resourceType":"Bundle","type":"collection","entry":[],"meta":{"tag":${'['.repeat(6000)}${']'.repeat(6000)}}}`;
    const r = await fhirVerify(deep, new URLSearchParams());
    expect(r.status).toBe(400);
    expect((r.body as Json).issue).toEqual([expect.objectContaining({ code: 'structure' })]);
    // strings holding brackets do not count
    const text = `{"resourceType":"Bundle","type":"collection","meta":{"tag":[{"code":"${'['.repeat(500)}"}]}}`;
    expect((await fhirVerify(text, new URLSearchParams())).status).toBe(200);
  });

  it('is rate-limited per client with the batch budget: 429 OperationOutcome with Retry-After', async () => {
    await verifyBatchLimiter.reset();
    process.env.VERIFY_BATCH_RATE_LIMIT = '2';
    try {
      const body = { resourceType: 'Bundle', type: 'collection' };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post('/Observation/$verify-recognition', body, '198.51.100.77')).status);
      expect(statuses).toEqual([200, 200, 429]);
      const refused = await post('/Observation/$verify-recognition', body, '198.51.100.77');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await fhir(refused, 429)).issue[0]).toMatchObject({ code: 'throttled', details: { coding: [{ code: 'verify.rateLimited' }] } });
    } finally {
      delete process.env.VERIFY_BATCH_RATE_LIMIT;
      await verifyBatchLimiter.reset();
    }
  });
});
