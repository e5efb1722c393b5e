// A laboratory deactivated by its regulator (closed, merged): its active certifications are suspended
// from that day (certification events, the watchers' webhooks, audit), while every public read still
// finds the lab and answers for the days its certificates were in force (verify, batch, the lab's
// certificates, FHIR Organization with active=false). db:migrate suspends the certifications that labs
// deactivated earlier had kept. Reactivation reinstates nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows, sqlRun } from '@/test/support/db';
import type { Actor } from '@/lib/auth/core';
import { actorForUserId } from '@/lib/auth/resolve';
import { setLabActive } from '@/lib/services/labs';
import { labCertifications, verifyRecognition } from '@/lib/services/recognition/verification';
import { verifyBatch } from '@/lib/services/recognition/verify-batch';
import { decide, suspendCertificationsOfDeactivatedLabs } from '@/lib/services/recognition/decisions';
import { addWatch } from '@/lib/services/hospital/watches';
import { createEndpoint } from '@/lib/services/hospital/webhooks';
import { insertCertification, insertCertificationEvent } from '@/db/queries/recognition';
import { listAudit } from '@/db/queries/audit';
import { fhirRead } from '@/lib/fhir/api';
import { addDays, dayOf } from '@/lib/calendar';
import { analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
let w: World;
let hospital: Actor;
const today = () => dayOf(Date.now());
const rows = async <T,>(sql: string, ...p: unknown[]) => await sqlRows<T>(w.db, sql, ...p);

/** An approved certification of lab × analyte in force from 2026-01-01 to 2027-06-30. */
async function certify(lab: string, analyte: string) {
  const [l, a] = [await labId(w.db, lab), await analyteId(w.db, analyte)];
  const region = (await rows<{ id: number }>(`SELECT id FROM regions WHERE code = '440000'`))[0].id;
  const cert = await insertCertification(w.db, { labId: l, analyteId: a, scopeRegionId: region, scope: '广东省', mark: '广东HR', certificateNo: `T-${lab}-${analyte}`, status: 'active', validFrom: '2026-01-01', validTo: '2027-06-30', createdAt: Date.now(), updatedAt: Date.now() });
  await insertCertificationEvent(w.db, { certificationId: cert.id, labId: l, analyteId: a, action: 'approve', fromStatus: null, toStatus: 'active', effectiveOn: '2026-01-01', reason: 'eligible', actorId: w.regulators.gd.userId, at: Date.now() });
  return cert;
}

const check = async (lab: string, analyte: string, date: string) => await verifyRecognition(w.db, { lab, analyte, date });

beforeAll(async () => {
  w = await createSeededTestDb();
  hospital = (await actorForUserId(w.db, (await rows<{ id: number }>(`SELECT id FROM users WHERE role = 'hospital' LIMIT 1`))[0].id))!;
  process.env.WEBHOOK_ALLOW_PRIVATE = '1';
}, 60_000);
afterAll(async () => {
  delete process.env.WEBHOOK_ALLOW_PRIVATE;
  await w.close();
});

describe('deactivating a laboratory', () => {
  const yesterday = () => addDays(today(), -1);

  it('suspends its active certifications from today: events, webhooks to its watchers, audit', async () => {
    await certify('GZ-003', 'K');
    await certify('GZ-003', 'GLU');
    await addWatch(w.db, hospital, { lab: 'GZ-003' });
    await createEndpoint(w.db, hospital, { name: 'HIS', url: 'http://127.0.0.1:9/hook' });
    expect(await check('GZ-003', 'K', today())).toMatchObject({ recognized: true, status: 'active' });

    const lab = await setLabActive(w.db, w.regulators.gd, { code: 'GZ-003', active: false, reason: 'merged into GZ-001' });
    expect(lab).toMatchObject({ active: false, suspendedCertifications: 2 });

    const events = await rows<{ action: string; to_status: string; effective_on: string; reason: string }>(
      `SELECT e.action, e.to_status, e.effective_on, e.reason FROM certification_events e JOIN laboratories l ON l.id = e.lab_id WHERE l.code = 'GZ-003' AND e.action = 'suspend'`,
    );
    expect(events).toEqual([0, 1].map(() => ({ action: 'suspend', to_status: 'suspended', effective_on: today(), reason: 'laboratory deactivated: merged into GZ-001' })));
    const deliveries = await rows<{ event: string }>(`SELECT event FROM webhook_deliveries WHERE status = 'pending'`);
    expect(deliveries.map((d) => d.event)).toEqual(['certification.suspended', 'certification.suspended']);
    const audit = await listAudit(w.db, { action: 'certification.suspend' });
    expect(audit.filter((a) => (a.details as { cause?: string }).cause === 'lab.inactive')).toHaveLength(2);
    expect((await listAudit(w.db, { action: 'lab.deactivate' }))[0].details).toMatchObject({ reason: 'merged into GZ-001', suspendedCertifications: 2 });
  });

  it('the public still finds the lab: today suspended, the days before as they were (single, batch, certificates, FHIR)', async () => {
    expect(await check('GZ-003', 'K', today())).toMatchObject({ recognized: false, status: 'suspended', reason: 'suspended' });
    expect(await check('gz-003', 'K', yesterday())).toMatchObject({ recognized: true, status: 'active', certificateNo: 'T-GZ-003-K' });
    const batch = await verifyBatch(w.db, { checks: [{ lab: 'GZ-003', analyte: 'GLU', date: yesterday() }, { lab: 'GZ-003', analyte: 'GLU', date: today() }] });
    expect(batch.results).toEqual([expect.objectContaining({ recognized: true }), expect.objectContaining({ recognized: false, reason: 'suspended' })]);

    const before = await labCertifications(w.db, 'GZ-003', yesterday());
    expect(before.lab).toMatchObject({ code: 'GZ-003', active: false });
    expect(before.certifications.map((c) => [c.analyteCode, c.status])).toEqual([['GLU', 'active'], ['K', 'active']]);
    expect((await labCertifications(w.db, 'GZ-003', today())).certifications.map((c) => c.status)).toEqual(['suspended', 'suspended']);

    const org = await fhirRead('/fhir/Organization/GZ-003', new URLSearchParams(), { base: 'http://x/fhir', db: w.db });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({ resourceType: 'Organization', active: false });
    expect(org.body).not.toHaveProperty('extension'); // no qualification in force today
    const active = await fhirRead('/fhir/Organization/GZ-001', new URLSearchParams(), { base: 'http://x/fhir', db: w.db });
    expect(active.body).toMatchObject({ active: true });
  });

  it('reactivating reinstates nothing: each pair waits for its regulator, who cannot reinstate it while the lab is inactive', async () => {
    const pair = { labId: await labId(w.db, 'GZ-003'), analyteId: await analyteId(w.db, 'K') };
    await expect(decide(w.db, w.regulators.gd, { ...pair, action: 'reinstate', reason: 'too early' })).rejects.toMatchObject({ status: 409, reason: 'recognition.labInactive' });
    const lab = await setLabActive(w.db, w.regulators.gd, { code: 'GZ-003', active: true, reason: 'split again' });
    expect(lab).toMatchObject({ active: true, suspendedCertifications: 0 });
    expect(await check('GZ-003', 'K', today())).toMatchObject({ recognized: false, reason: 'suspended' });
    const statuses = await rows<{ status: string }>(`SELECT c.status FROM certifications c JOIN laboratories l ON l.id = c.lab_id WHERE l.code = 'GZ-003'`);
    expect(statuses.map((s) => s.status)).toEqual(['suspended', 'suspended']);
    await decide(w.db, w.regulators.gd, { ...pair, action: 'reinstate', reason: 'checked after the split' });
    expect(await check('GZ-003', 'K', today())).toMatchObject({ recognized: true });
  });

  it('db:migrate suspends what a lab deactivated before this kept, once', async () => {
    await certify('GZ-004', 'K');
    // as a deactivation did before it suspended anything
    await sqlRun(w.db, `UPDATE laboratories SET active = ${w.backend === 'pg' ? 'false' : '0'} WHERE code = 'GZ-004'`);
    expect(await check('GZ-004', 'K', today())).toMatchObject({ recognized: true });
    expect(await suspendCertificationsOfDeactivatedLabs(w.db)).toBe(1);
    expect(await suspendCertificationsOfDeactivatedLabs(w.db)).toBe(0);
    expect(await check('GZ-004', 'K', today())).toMatchObject({ recognized: false, reason: 'suspended' });
    expect(await check('GZ-004', 'K', yesterday())).toMatchObject({ recognized: true });
    const [audit] = await listAudit(w.db, { action: 'certification.suspend' });
    expect(audit).toMatchObject({ actorEmail: 'system (db:migrate)' });
  });
});
