// Read replicas (issue 14, db/replicas.ts): with DATABASE_REPLICA_URLS the public reads — verify (single
// and batch), labs, a lab's certifications, the catalogue, FHIR — come from a replica, while writes and
// reads of the caller's own writes stay on the primary, and a dead replica's reads fall back to the
// primary. On PostgreSQL two test databases stand for primary and replica; the "replica" holds
// deliberately different data (a certification the primary lacks, a lab renamed, an item renamed), so
// every answer shows which database gave it. On SQLite: DATABASE_REPLICA_URLS is refused at start-up.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSeededTestDb, sqlRows, sqlRun, testBackend, useAsProcessDb } from '@/test/support/db';
import { closeDb, getDb, withReadDb } from '@/db/client';
import { isReplica } from '@/db/replicas';
import { insertCertification, insertCertificationEvent } from '@/db/queries/certifications';
import { publicApi, publicVerifyBatch } from '@/lib/public-api';
import { fhirRead, fhirVerify } from '@/lib/fhir/api';
import { publicFastPath } from '@/lib/server/public-fast';
import { verifyBatchLimiter } from '@/lib/server/rate-limit';
import { CLIENT_ADDRESS_HEADER } from '@/lib/server/headers';
import { verifyRecognition } from '@/lib/services/recognition/verification';
import { ITEM_CODE_SYSTEM } from '@/lib/fhir/constants';
import { fhirPostRoute } from '@/lib/fhir/route';
import { verifyBatchRoute } from '@/lib/public-batch';
import { actorForUserId } from '@/lib/auth/resolve';
import { createHospitalToken } from '@/lib/services/hospital/tokens';
import { analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;

const call = async (url: string) => {
  const u = new URL(url, 'http://x');
  return (await publicApi(u.pathname, u.searchParams, { now: NOW }))!;
};
const NOW = Date.UTC(2026, 2, 1, 4); // 2026-03-01, noon in UTC+8
const VERIFY = '/api/v1/verify?lab=GZ-001&analyte=K&date=2026-02-20&asOf=2026-02-25';
const REPLICA_LAB_NAME = '副本：广州市越秀中心医院检验科';

/** A port nothing listens on (taken from the system, then let go). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(testBackend === 'pg')('DATABASE_REPLICA_URLS with SQLite', () => {
  afterAll(async () => {
    delete process.env.DATABASE_REPLICA_URLS;
    await closeDb();
  });
  it('is refused when the process opens its database (read replicas need PostgreSQL)', async () => {
    await closeDb();
    process.env.DATABASE_REPLICA_URLS = 'postgres://replica.example/labqc';
    expect(() => getDb()).toThrow('DATABASE_REPLICA_URLS is set but DATABASE_URL is not a postgres:// URL: read replicas need PostgreSQL');
    delete process.env.DATABASE_REPLICA_URLS;
  });
});

describe.skipIf(testBackend !== 'pg')('read replicas on PostgreSQL (skipped without TEST_DATABASE_URL: the integration-pg project runs this)', () => {
  let primary: World;
  let replica: World;
  let hospitalId: number;

  beforeAll(async () => {
    [primary, replica] = await Promise.all([createSeededTestDb(), createSeededTestDb()]);
    // only the "replica" has GZ-001 certified for potassium, and its own names for the lab and the item
    const lab = await labId(replica.db, 'GZ-001');
    const k = await analyteId(replica.db, 'K');
    const region = (await sqlRows<{ id: number }>(replica.db, `SELECT region_id AS id FROM laboratories WHERE id = ?`, lab))[0].id;
    const cert = await insertCertification(replica.db, { labId: lab, analyteId: k, scopeRegionId: region, scope: '广州', mark: '广州HR', certificateNo: 'REPLICA-0001', status: 'active', validFrom: '2026-01-01', validTo: '2026-12-31', createdAt: NOW, updatedAt: NOW });
    await insertCertificationEvent(replica.db, { certificationId: cert.id, labId: lab, analyteId: k, action: 'approve', fromStatus: null, toStatus: 'active', effectiveOn: '2026-01-01', reason: 'replica only', actorId: null, at: NOW });
    await sqlRun(replica.db, `UPDATE laboratories SET name = ? WHERE code = 'GZ-001'`, REPLICA_LAB_NAME);
    await sqlRun(replica.db, `UPDATE analytes SET name_en = 'Potassium (replica)' WHERE code = 'K'`);
    hospitalId = (await sqlRows<{ id: number }>(primary.db, `SELECT id FROM users WHERE role = 'hospital' ORDER BY id LIMIT 1`))[0].id;
    await useAsProcessDb(primary);
    process.env.DATABASE_REPLICA_URLS = replica.file;
  }, 120_000);
  afterAll(async () => {
    delete process.env.DATABASE_REPLICA_URLS;
    await closeDb();
    await Promise.all([primary?.close(), replica?.close()]);
  });

  it('the two databases differ as arranged (the primary does not recognise GZ-001 for K)', async () => {
    expect(await verifyRecognition(primary.db, { lab: 'GZ-001', analyte: 'K', date: '2026-02-20', asOf: '2026-02-25' }, { now: NOW })).toMatchObject({ recognized: false, reason: 'not_certified' });
    expect(await verifyRecognition(replica.db, { lab: 'GZ-001', analyte: 'K', date: '2026-02-20', asOf: '2026-02-25' }, { now: NOW })).toMatchObject({ recognized: true, certificateNo: 'REPLICA-0001' });
  });

  it('public verify, labs, certifications and the catalogue are answered by the replica', async () => {
    expect((await call(VERIFY)).body).toMatchObject({ recognized: true, certificateNo: 'REPLICA-0001', status: 'active' });
    expect((await call('/api/v1/labs?q=GZ-001')).body).toEqual({ labs: [expect.objectContaining({ code: 'GZ-001', name: REPLICA_LAB_NAME })], more: false });
    expect((await call('/api/v1/labs/GZ-001/certifications?date=2026-02-20')).body).toEqual([expect.objectContaining({ analyteCode: 'K', certificateNo: 'REPLICA-0001', status: 'active' })]);
    const items = (await call('/api/v1/analytes')).body as { code: string; nameEn: string }[];
    expect(items.find((a) => a.code === 'K')?.nameEn).toBe('Potassium (replica)');
    // an unknown lab is the replica's answer too (a refusal, not a failure)
    expect((await call('/api/v1/verify?lab=NOPE&analyte=K&date=2026-02-20')).status).toBe(404);
  });

  it('an anonymous batch is read from the replica', async () => {
    const a = await publicVerifyBatch(JSON.stringify({ checks: [{ lab: 'GZ-001', analyte: 'K', date: '2026-02-20', asOf: '2026-02-25' }, { lab: 'GZ-001', analyte: 'NA', date: '2026-02-20' }] }), { now: NOW });
    expect((a.body as { results: unknown[] }).results).toEqual([
      expect.objectContaining({ recognized: true, certificateNo: 'REPLICA-0001' }),
      expect.objectContaining({ recognized: false, reason: 'not_certified' }),
    ]);
  });

  it('FHIR reads and $verify-recognition are read from the replica', async () => {
    const org = await fhirRead('/fhir/Organization/GZ-001', new URLSearchParams(), { base: 'http://x/fhir', now: NOW });
    expect(org.status).toBe(200);
    expect((org.body as { name?: string }).name).toBe(REPLICA_LAB_NAME);
    const results = await fhirRead('/fhir/VerificationResult', new URLSearchParams({ target: 'Organization/GZ-001' }), { base: 'http://x/fhir', now: NOW });
    expect(JSON.stringify(results.body)).toContain('REPLICA-0001');
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: ITEM_CODE_SYSTEM, code: 'K' }] }, effectiveDateTime: '2026-02-20T08:30:00+08:00', performer: [{ reference: 'Organization/GZ-001' }] } }],
    };
    const v = await fhirVerify(JSON.stringify(bundle), new URLSearchParams({ asOf: '2026-02-25' }), { now: NOW });
    if (v.status === 200) expect(JSON.stringify(v.body)).toContain('REPLICA-0001');
    else expect.fail(`$verify-recognition answered ${v.status}: ${JSON.stringify(v.body)}`);
  });

  it("writes and the caller's own writes stay on the primary: the local-code map just saved, the unmapped codes recorded", async () => {
    // the hospital maps its code "XK01" to potassium on the primary; the replica has not seen it yet
    await sqlRun(primary.db, `INSERT INTO analyte_local_codes (owner_id, local_code, analyte_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, hospitalId, 'XK01', await analyteId(primary.db, 'K'), hospitalId, NOW, NOW);
    const a = await publicVerifyBatch(JSON.stringify({ checks: [{ lab: 'GZ-001', analyte: 'XK01', date: '2026-02-20', asOf: '2026-02-25' }, { lab: 'GZ-001', analyte: 'UNMAPPED-7', date: '2026-02-20' }] }), { now: NOW, ownerId: hospitalId });
    // the map from the primary, the certification from the replica
    expect((a.body as { results: unknown[] }).results).toEqual([expect.objectContaining({ recognized: true, certificateNo: 'REPLICA-0001' }), expect.objectContaining({ code: 'analyte.notFound' })]);
    // the miss is written to the primary (a replica refuses writes), never to the replica
    const misses = `SELECT local_code AS code FROM analyte_local_code_misses WHERE owner_id = ?`;
    expect(await sqlRows(primary.db, misses, hospitalId)).toEqual([{ code: 'UNMAPPED-7' }]);
    expect(await sqlRows(replica.db, misses, hospitalId)).toEqual([]);
    // everything else of the app (sign-in, workspaces, decisions) uses getDb(): the primary
    expect(isReplica(getDb())).toBe(false);
    expect(await withReadDb(async (db) => isReplica(db))).toBe(true);
  });

  it("a hospital's verify token through the Next routes: the token and its local map, both only on the primary, resolve; the certification comes from the replica", async () => {
    await verifyBatchLimiter.reset();
    // the token is created on the primary: the replica does not know it (resolved there, it would be a 401)
    const { token } = await createHospitalToken(primary.db, (await actorForUserId(primary.db, hospitalId))!, { name: 'HIS', expiresInDays: '' });
    await sqlRun(primary.db, `INSERT INTO analyte_local_codes (owner_id, local_code, analyte_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, hospitalId, 'XK02', await analyteId(primary.db, 'K'), hospitalId, NOW, NOW);
    const headers = { authorization: `Bearer ${token}`, [CLIENT_ADDRESS_HEADER]: '203.0.113.62' };
    const batch = await verifyBatchRoute(new Request('http://x/api/v1/verify', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ checks: [{ lab: 'GZ-001', analyte: 'XK02', date: '2026-02-20', asOf: '2026-02-25' }] }) }));
    expect(batch.status).toBe(200);
    expect(((await batch.json()) as { results: unknown[] }).results).toEqual([expect.objectContaining({ recognized: true, certificateNo: 'REPLICA-0001' })]);
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://hospital.example/lis-codes', code: 'XK02' }] }, effectiveDateTime: '2026-02-20T08:30:00+08:00', performer: [{ reference: 'Organization/GZ-001' }] } }],
    };
    const fhirAnswer = await fhirPostRoute(new Request('http://x/fhir/Observation/$verify-recognition?asOf=2026-02-25', { method: 'POST', headers: { ...headers, 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) }));
    expect(fhirAnswer.status).toBe(200);
    expect(await fhirAnswer.text()).toContain('REPLICA-0001');
    // the token's "last used" is written to the primary
    expect((await sqlRows<{ used: number | null }>(primary.db, `SELECT last_used_at AS used FROM api_tokens WHERE user_id = ?`, hospitalId))[0].used).not.toBeNull();
  });

  it("the production server's fast path reads from the replica; the batch rate limit counts on the primary", async () => {
    await verifyBatchLimiter.reset();
    const server = http.createServer(async (req, res) => {
      req.headers[CLIENT_ADDRESS_HEADER] = '203.0.113.61';
      if (!await publicFastPath(req, res)) {
        res.writeHead(599);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}${VERIFY}`)).json()).toMatchObject({ recognized: true, certificateNo: 'REPLICA-0001' });
      const batch = await fetch(`${base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ checks: [{ lab: 'GZ-001', analyte: 'K', date: '2026-02-20', asOf: '2026-02-25' }] }) });
      expect(((await batch.json()) as { results: unknown[] }).results).toEqual([expect.objectContaining({ recognized: true, certificateNo: 'REPLICA-0001' })]);
      const org = await fetch(`${base}/fhir/Organization/GZ-001`);
      expect(((await org.json()) as { name: string }).name).toBe(REPLICA_LAB_NAME);
      const windows = `SELECT key FROM rate_limit_windows WHERE key LIKE 'verify-batch:%'`;
      expect((await sqlRows<{ key: string }>(primary.db, windows)).map((r) => r.key)).toEqual([expect.stringContaining('203.0.113.61')]);
      expect(await sqlRows(replica.db, windows)).toEqual([]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("a dead replica (nothing listening) falls back to the primary: the public call answers correctly, logged once", async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await closeDb();
      process.env.DATABASE_REPLICA_URLS = `postgres://postgres@127.0.0.1:${await closedPort()}/labqc`;
      for (let i = 0; i < 3; i++) {
        const a = await call(VERIFY);
        expect([a.status, a.body]).toEqual([200, expect.objectContaining({ recognized: false, reason: 'not_certified' })]);
      }
      expect((await call('/api/v1/labs?q=GZ-001')).body).toEqual({ labs: [expect.objectContaining({ name: '广州市越秀中心医院检验科' })], more: false });
      const org = await fhirRead('/fhir/Organization/GZ-001', new URLSearchParams(), { base: 'http://x/fhir', now: NOW });
      expect([org.status, (org.body as { name?: string }).name]).toEqual([200, '广州市越秀中心医院检验科']);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/read replica 127\.0\.0\.1:\d+\/labqc failed \(.*ECONNREFUSED.*\); its reads go to the primary/)]);

      // a dead replica beside a live one: after the dead one's first failure every read goes to the live one
      await closeDb();
      process.env.DATABASE_REPLICA_URLS = `postgres://postgres@127.0.0.1:${await closedPort()}/labqc,${replica.file}`;
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(((await call(VERIFY)).body as { recognized: boolean }).recognized);
      expect(answers.slice(1)).toEqual(Array(5).fill(true));
    } finally {
      log.mockRestore();
      await closeDb();
      process.env.DATABASE_REPLICA_URLS = replica.file;
    }
  });
});
