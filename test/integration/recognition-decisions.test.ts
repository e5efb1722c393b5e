// The regulator's decisions: approve (certificate number and HR mark), reject, suspend, reinstate,
// revoke, bulk all-or-nothing, the queue, EQA flags and expiry, and every refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows, sqlRun } from '@/test/support/db';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility, runNightly } from '@/lib/services/recognition/eligibility';
import { decide, decideBulk } from '@/lib/services/recognition/decisions';
import { recognitionQueueCounts, recognitionQueuePage, type QueueInput } from '@/lib/services/recognition/queue';
import { MAX_PAGE_SIZE, type PageRequest } from '@/db/queries/paging';
import type { Actor } from '@/lib/auth/core';
import { onEqaPublished } from '@/lib/services/recognition/hooks';
import { findCertificationById, findLiveCertification, listCertificationEvents } from '@/db/queries/recognition';
import { maxCertificateNo } from '@/db/queries/certifications';
import { certifications } from '@/db/schema';
import { testBackend } from '@/test/support/db';
import { NOW, addEqa, addGoodEvidence, analyteId, labId } from './recognition-fixtures';
import { startOfDay } from '@/lib/calendar';

/** A decision made on its effective day (decisions are never back-dated). */
const onDay = (day: string) => startOfDay(day) + 10 * 3600 * 1000;

type World = Awaited<ReturnType<typeof createSeededTestDb>>;

/** Both lists of a regulator's queue, whole (every queue here fits one page), in the page's default
 * order: city, lab, test (flagged first in the review list). */
async function wholeQueue(w: World, actor: Actor, input: QueueInput, opts: { now: number }) {
  const all: PageRequest<'city'> = { page: 1, size: MAX_PAGE_SIZE, sort: 'city', dir: 'asc', q: '' };
  const q = await recognitionQueuePage(w.db, actor, input, { approve: all, review: all }, opts);
  return { toApprove: q.toApprove.rows, toReview: q.toReview.rows };
}

describe('decisions on recognition', () => {
  let w: World;
  let K: number;
  let NA: number;
  const lab = async (code: string) => await labId(w.db, code);
  const audits = async (action: string) => (await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM audit_log WHERE action = ?', action))[0].n;

  beforeAll(async () => {
    w = await createSeededTestDb();
    K = await analyteId(w.db, 'K');
    NA = await analyteId(w.db, 'NA');
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K', 'NA'], reason: 'list' }, { now: NOW });
    await createPolicyVersion(w.db, w.regulators.zj, { regionCode: '330000', effectiveFrom: '2024-01-01', analyteCodes: ['K', 'NA'], validityMonths: 6, reason: 'list' }, { now: NOW });
    for (const code of ['GZ-001', 'GZ-002', 'GZ-003', 'GZ-004', 'GZ-005', 'SZ-001', 'SZ-002', 'HZ-001', 'HZ-002']) {
      await addGoodEvidence(w.db, await lab(code), K);
      await addGoodEvidence(w.db, await lab(code), NA);
    }
    await computeEligibility(w.db, { now: NOW });
  });
  afterAll(() => w.close());

  it('the queue lists eligible pairs of the jurisdiction only, with filters', async () => {
    const gd = await wholeQueue(w, w.regulators.gd, {}, { now: NOW });
    expect(gd.toApprove.length).toBe(14); // 7 Guangdong labs × 2 analytes
    expect(gd.toApprove.every((r) => r.regionCode.startsWith('44'))).toBe(true);
    expect((await wholeQueue(w, w.regulators.sz, {}, { now: NOW })).toApprove.map((r) => r.labCode)).toEqual(['SZ-001', 'SZ-001', 'SZ-002', 'SZ-002']);
    expect((await wholeQueue(w, w.regulators.gd, { cityCode: '440300', analyteId: K }, { now: NOW })).toApprove.map((r) => r.labCode)).toEqual(['SZ-001', 'SZ-002']);
    expect((await wholeQueue(w, w.regulators.gd, { labId: await lab('GZ-001') }, { now: NOW })).toApprove).toHaveLength(2);
  });

  it('approval issues a unique certificate number and the mark of the approving regulator region', async () => {
    const a = await decide(w.db, w.regulators.gd, { action: 'approve', labId: await lab('GZ-001'), analyteId: K, reason: '符合互认要求', effectiveOn: '2026-01-10' }, { now: onDay('2026-01-10') });
    expect(a).toMatchObject({ certificateNo: 'HR-440000-2026-000001', mark: '广东HR', status: 'active', effectiveOn: '2026-01-10' });
    const b = await decide(w.db, w.regulators.gd, { action: 'approve', labId: await lab('GZ-001'), analyteId: NA, reason: '符合互认要求', effectiveOn: '2026-01-10' }, { now: onDay('2026-01-10') });
    expect(b.certificateNo).toBe('HR-440000-2026-000002');
    const c = await decide(w.db, w.regulators.sz, { action: 'approve', labId: await lab('SZ-001'), analyteId: K, reason: '符合深圳互认要求' }, { now: NOW });
    expect(c).toMatchObject({ certificateNo: 'HR-440300-2026-000001', mark: '深圳HR', effectiveOn: '2026-06-15' });
    const cert = (await findCertificationById(w.db, a.certificationId!))!;
    expect(cert).toMatchObject({ scope: '广东', validFrom: '2026-01-10', validTo: '2027-01-09', flagged: false });
    expect(await listCertificationEvents(w.db, a.certificationId!)).toEqual([expect.objectContaining({ action: 'approve', fromStatus: null, toStatus: 'active', reason: '符合互认要求', actorId: w.regulators.gd.userId })]);
    expect((await audits('certification.approve'))).toBe(3);
    // the audit row says what the approval rested on: the verdict's day, the policy version in force
    const [row] = await sqlRows<{ details: unknown }>(w.db, "SELECT details FROM audit_log WHERE action = 'certification.approve' AND entity_id = ?", String(c.certificationId));
    expect(typeof row.details === 'string' ? JSON.parse(row.details) : row.details).toMatchObject({ verdict: { computedOn: '2026-06-15', policy: { region: '440000', version: 1 } } });
  });

  it('the validity window follows the policy (Zhejiang: 6 months)', async () => {
    const r = await decide(w.db, w.regulators.zj, { action: 'approve', labId: await lab('HZ-001'), analyteId: K, reason: 'meets the policy', effectiveOn: '2026-01-31' }, { now: onDay('2026-01-31') });
    expect((await findCertificationById(w.db, r.certificationId!))!.validTo).toBe('2026-07-30');
    expect(r.mark).toBe('浙江HR');
  });

  it('approved pairs leave the approval queue', async () => {
    const q = await wholeQueue(w, w.regulators.gd, { labId: await lab('GZ-001') }, { now: NOW });
    expect(q.toApprove).toHaveLength(0);
  });

  it('suspend → reinstate → revoke, each with its event, reason and audit entry', async () => {
    const cert = (await findLiveCertification(w.db, await lab('GZ-001'), K))!;
    const base = { labId: await lab('GZ-001'), analyteId: K };
    expect((await decide(w.db, w.regulators.gd, { ...base, action: 'suspend', reason: 'EQA failure under review', effectiveOn: '2026-03-01' }, { now: onDay('2026-03-01') })).status).toBe('suspended');
    expect((await decide(w.db, w.regulators.gd, { ...base, action: 'reinstate', reason: 'corrective actions verified', effectiveOn: '2026-04-01' }, { now: onDay('2026-04-01') })).status).toBe('active');
    expect((await decide(w.db, w.regulators.gd, { ...base, action: 'revoke', reason: 'repeated failures', effectiveOn: '2026-06-01' }, { now: onDay('2026-06-01') })).status).toBe('revoked');
    expect((await listCertificationEvents(w.db, cert.id)).map((e) => [e.action, e.fromStatus, e.toStatus, e.effectiveOn])).toEqual([
      ['approve', null, 'active', '2026-01-10'],
      ['suspend', 'active', 'suspended', '2026-03-01'],
      ['reinstate', 'suspended', 'active', '2026-04-01'],
      ['revoke', 'active', 'revoked', '2026-06-01'],
    ]);
    expect((await findCertificationById(w.db, cert.id))!.status).toBe('revoked');
    expect([(await audits('certification.suspend')), (await audits('certification.reinstate')), (await audits('certification.revoke'))]).toEqual([1, 1, 1]);
    // a revoked certificate is refused as revoked, not as "not certified"; a pair never certified as such
    await expect(decide(w.db, w.regulators.gd, { ...base, action: 'reinstate', reason: 'try again', effectiveOn: '2026-06-02' }, { now: onDay('2026-06-02') })).rejects.toMatchObject({ reason: 'recognition.cannotTransition', params: { status: 'revoked' } });
    await expect(decide(w.db, w.regulators.gd, { labId: await lab('GZ-002'), analyteId: K, action: 'suspend', reason: 'never certified', effectiveOn: '2026-06-02' }, { now: onDay('2026-06-02') })).rejects.toMatchObject({ reason: 'recognition.notCertified' });
  });

  it('rejection records an event without a certification and holds the pair out of the queue', async () => {
    const r = await decide(w.db, w.regulators.gd, { action: 'reject', labId: await lab('GZ-002'), analyteId: K, reason: 'on-site inspection pending' }, { now: NOW });
    expect(r).toMatchObject({ certificationId: null, status: null });
    const ev = await sqlRows<{ certification_id: number | null; reason: string }>(w.db, "SELECT * FROM certification_events WHERE action = 'reject'");
    expect(ev).toEqual([expect.objectContaining({ certification_id: null, reason: 'on-site inspection pending' })]);
    const q = await wholeQueue(w, w.regulators.gd, { labId: await lab('GZ-002') }, { now: NOW });
    expect(q.toApprove.map((p) => p.analyteCode)).toEqual(['NA']);
    // 91 days later the pair comes back if still eligible
    expect((await wholeQueue(w, w.regulators.gd, { labId: await lab('GZ-002') }, { now: NOW + 91 * 86400000 })).toApprove).toHaveLength(2);
  });

  it.each([
    ['the Zhejiang regulator on a Guangzhou lab', () => w.regulators.zj, 'GZ-003', 'forbidden'],
    ['the Shenzhen regulator on a Guangzhou lab', () => w.regulators.sz, 'GZ-003', 'forbidden'],
    ['the lab manager of that very lab', () => w.labManagers.get('GZ-003')!, 'GZ-003', 'forbidden'],
    ['a hospital account', () => ({ ...w.regulators.gd, role: 'hospital' as const }), 'GZ-003', 'forbidden'],
    ['the administrator', () => w.admin, 'GZ-003', 'forbidden'],
    ['an anonymous caller', () => null as never, 'GZ-003', 'forbidden'],
  ])('approval is refused to %s and nothing is written', async (_t, actor, code, err) => {
    const before = (await audits('certification.approve'));
    await expect(async () => await decide(w.db, actor(), { action: 'approve', labId: await lab(code), analyteId: K, reason: 'attempt' }, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: err }));
    expect(await findLiveCertification(w.db, await lab(code), K)).toBeUndefined();
    expect((await audits('certification.approve'))).toBe(before);
  });

  it.each(['suspend', 'reinstate', 'revoke', 'reject'] as const)('%s is refused to another region\'s regulator and to a lab manager', async (action) => {
    const base = { labId: await lab('GZ-001'), analyteId: NA, reason: 'attempt' };
    await expect(async () => await decide(w.db, w.regulators.zj, { ...base, action }, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: 'forbidden' }));
    await expect(async () => await decide(w.db, w.labManagers.get('GZ-001')!, { ...base, action }, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it.each([
    ['approving a pair that is already certified', 'GZ-001', 'NA', { action: 'approve' }, 'conflict'],
    ['approving a pair that is not eligible', 'GZ-006', 'K', { action: 'approve' }, 'conflict'],
    ['rejecting a certified pair', 'GZ-001', 'NA', { action: 'reject' }, 'conflict'],
    ['reinstating an active certification', 'GZ-001', 'NA', { action: 'reinstate' }, 'conflict'],
    ['suspending an uncertified pair', 'GZ-003', 'K', { action: 'suspend' }, 'conflict'],
    ['a decision without a reason', 'GZ-003', 'K', { action: 'approve', reason: '' }, 'invalid'],
    ['a reason that is a spreadsheet formula', 'GZ-003', 'K', { action: 'approve', reason: '=CMD()' }, 'invalid'],
    ['a decision effective in the future', 'GZ-003', 'K', { action: 'approve', effectiveOn: '2026-06-16' }, 'invalid'],
    ['a suspension dated before the approval (history is never rewritten)', 'GZ-001', 'NA', { action: 'suspend', effectiveOn: '2026-01-09' }, 'invalid'],
    ['an unknown action', 'GZ-003', 'K', { action: 'delete' }, 'invalid'],
  ])('refused: %s', async (_t, code, analyte, over, err) => {
    await expect(async () => await decide(w.db, w.regulators.gd, { labId: await lab(code), analyteId: await analyteId(w.db, analyte), reason: 'a reason', ...over }, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: err }));
  });

  it('bulk approval writes every pair in one go', async () => {
    const r = await decideBulk(w.db, w.regulators.gd, { action: 'approve', reason: '批量审批', pairs: [`${await lab('GZ-003')}:${K}`, `${await lab('GZ-003')}:${NA}`] }, { now: NOW });
    expect(r.map((x) => x.certificateNo)).toEqual(['HR-440000-2026-000003', 'HR-440000-2026-000004']);
  });

  it('bulk decisions are all or nothing: one pair outside the jurisdiction refuses the batch', async () => {
    const before = (await audits('certification.approve'));
    let error: unknown;
    try {
      await decideBulk(w.db, w.regulators.sz, { action: 'approve', reason: '批量审批', pairs: [`${await lab('SZ-002')}:${K}`, `${await lab('GZ-004')}:${K}`] }, { now: NOW });
    } catch (e) {
      error = e;
    }
    // the refused pair named by its codes, as the regulator knows it
    expect(error).toMatchObject({ code: 'forbidden', errors: [{ row: 2, field: 'GZ-004 × K' }] });
    expect(await findLiveCertification(w.db, await lab('SZ-002'), K)).toBeUndefined();
    expect((await audits('certification.approve'))).toBe(before);
  });

  it('an EQA publication where a certified pair becomes unsuccessful flags it at once, first in the queue', async () => {
    await decide(w.db, w.regulators.gd, { action: 'approve', labId: await lab('GZ-004'), analyteId: K, reason: 'meets the policy' }, { now: NOW });
    const [roundId] = await addEqa(w.db, await lab('GZ-004'), K, ['X'], { endDaysAgo: 1 });
    const r = await onEqaPublished(w.db, roundId, { now: NOW });
    expect(r.flagged).toBe(1);
    const cert = (await findLiveCertification(w.db, await lab('GZ-004'), K))!;
    expect(cert).toMatchObject({ flagged: true, status: 'active', flagReason: expect.stringContaining('unsuccessful') });
    expect((await listCertificationEvents(w.db, cert.id)).at(-1)).toMatchObject({ action: 'flag', fromStatus: 'active', toStatus: 'active', actorId: null });
    const q = await wholeQueue(w, w.regulators.gd, {}, { now: NOW });
    expect(q.toReview[0]).toMatchObject({ labCode: 'GZ-004', analyteCode: 'K', why: 'flagged' });
    // the engine re-ran for the lab: the pair is no longer eligible
    expect(q.toReview[0].eligible).toBe(false);
    // the landing page's figures, counted in SQL, agree with the whole queue
    expect(await recognitionQueueCounts(w.db, w.regulators.gd, { now: NOW })).toMatchObject({
      toApprove: q.toApprove.length,
      toReview: q.toReview.length,
      flagged: q.toReview.filter((x) => x.why === 'flagged').length,
    });
    expect((await recognitionQueueCounts(w.db, w.regulators.gd, { now: NOW })).flagged).toBe(1);
    // a second publication of the same news does not flag twice
    expect((await onEqaPublished(w.db, roundId, { now: NOW })).flagged).toBe(0);
    // the regulator's suspension clears the flag
    await decide(w.db, w.regulators.gd, { action: 'suspend', labId: await lab('GZ-004'), analyteId: K, reason: 'unsuccessful EQA' }, { now: NOW });
    expect((await findLiveCertification(w.db, await lab('GZ-004'), K))!.flagged).toBe(false);
    // suspended and still not eligible: it stays in the queue, where it can be revoked (or reinstated)
    const suspended = await wholeQueue(w, w.regulators.gd, {}, { now: NOW });
    expect(suspended.toReview.filter((x) => x.labCode === 'GZ-004' && x.analyteCode === 'K').map((x) => [x.why, x.status, x.eligible])).toEqual([['suspended', 'suspended', false]]);
    expect((await recognitionQueueCounts(w.db, w.regulators.gd, { now: NOW })).toReview).toBe(suspended.toReview.length);
    await decide(w.db, w.regulators.gd, { action: 'revoke', labId: await lab('GZ-004'), analyteId: K, reason: 'EQA failure confirmed' }, { now: NOW });
    expect((await wholeQueue(w, w.regulators.gd, {}, { now: NOW })).toReview.some((x) => x.labCode === 'GZ-004' && x.analyteCode === 'K')).toBe(false);
  });

  it('certifications past their window expire in the nightly run, effective the day after validTo', async () => {
    const id = (await decide(w.db, w.regulators.zj, { action: 'approve', labId: await lab('HZ-002'), analyteId: K, reason: 'meets the policy', effectiveOn: '2025-10-01' }, { now: onDay('2025-10-01') })).certificationId!;
    expect((await findCertificationById(w.db, id))!.validTo).toBe('2026-03-31');
    const r = await runNightly(w.db, { now: NOW });
    expect(r.expired).toBe(1);
    expect((await findCertificationById(w.db, id))!.status).toBe('expired');
    expect((await listCertificationEvents(w.db, id)).at(-1)).toMatchObject({ action: 'expire', toStatus: 'expired', effectiveOn: '2026-04-01' });
  });

  it('a certification past its last day is not live for decisions before the expiry run comes: no suspension of it, back in the approval list, approvable', async () => {
    const hz1 = await lab('HZ-001'); // its NA: not certified yet
    const id = (await decide(w.db, w.regulators.zj, { action: 'approve', labId: hz1, analyteId: NA, reason: 'meets the policy', effectiveOn: '2025-10-01' }, { now: onDay('2025-10-01') })).certificationId!;
    expect((await findCertificationById(w.db, id))!).toMatchObject({ status: 'active', validTo: '2026-03-31' });
    // months later, no expiry run since: verification already answers expired, decisions agree
    await expect(decide(w.db, w.regulators.zj, { action: 'suspend', labId: hz1, analyteId: NA, reason: 'IQC stopped' }, { now: NOW })).rejects.toMatchObject({ reason: 'recognition.cannotTransition', params: { status: 'expired' } });
    expect((await findCertificationById(w.db, id))!.status).toBe('active'); // the refused decision wrote nothing
    expect((await wholeQueue(w, w.regulators.zj, { labId: hz1, analyteId: NA }, { now: NOW })).toApprove.map((r) => r.labCode)).toEqual(['HZ-001']);
    const again = await decide(w.db, w.regulators.zj, { action: 'approve', labId: hz1, analyteId: NA, reason: 'meets the policy' }, { now: NOW });
    expect(again).toMatchObject({ status: 'active' });
    expect((await findCertificationById(w.db, id))!.status).toBe('expired');
    expect((await listCertificationEvents(w.db, id)).at(-1)).toMatchObject({ action: 'expire', toStatus: 'expired', effectiveOn: '2026-04-01' });
  });
});

/** The SQL text and parameters of the one statement `read` issues on the certifications table. */
async function statementOf(w: World, read: () => Promise<unknown>): Promise<{ text: string; params: unknown[] }> {
  let seen: { text: string; params: unknown[] } | undefined;
  if (testBackend === 'sqlite') {
    const client = w.db.$client;
    const prepare = client.prepare.bind(client);
    client.prepare = ((text: string) => {
      const stmt = prepare(text);
      if (!text.includes('"certifications"')) return stmt;
      const all = stmt.all.bind(stmt);
      stmt.all = ((...params: unknown[]) => ((seen = { text, params }), all(...(params as never[])))) as typeof stmt.all;
      return stmt;
    }) as typeof client.prepare;
    try {
      await read();
    } finally {
      client.prepare = prepare;
    }
  } else {
    const pool = w.db.$client as unknown as import('pg').Pool;
    const query = pool.query.bind(pool);
    pool.query = ((config: { text: string; values?: unknown[] } | string, values?: unknown[]) => {
      const text = typeof config === 'string' ? config : config.text;
      if (text.includes('"certifications"')) seen = { text, params: (typeof config === 'string' ? undefined : config.values) ?? values ?? [] };
      return query(config as never, values as never);
    }) as typeof pool.query;
    try {
      await read();
    } finally {
      pool.query = query;
    }
  }
  if (!seen) throw new Error('no statement on certifications');
  return seen;
}

describe('approvals at once (two regulators, two app instances)', () => {
  let w: World;
  let K: number;
  beforeAll(async () => {
    w = await createSeededTestDb();
    K = await analyteId(w.db, 'K');
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    for (const code of ['GZ-002', 'GZ-003', 'GZ-004']) await addGoodEvidence(w.db, await labId(w.db, code), K);
    await computeEligibility(w.db, { now: NOW });
  });
  afterAll(() => w.close());

  it('one certificate per pair, the other approval of the same pair 409, numbers distinct and consecutive', async () => {
    const approve = async (code: string) => await decide(w.db, w.regulators.gd, { action: 'approve', labId: await labId(w.db, code), analyteId: K, reason: '符合互认要求', effectiveOn: '2026-01-12' }, { now: onDay('2026-01-12') });
    const settled = await Promise.allSettled([approve('GZ-002'), approve('GZ-002'), approve('GZ-003'), approve('GZ-004')]);
    const refused = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason);
    expect(refused.map((e) => [e.status, e.reason])).toEqual([[409, 'recognition.alreadyCertified']]);
    const numbers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.certificateNo!] : [])).sort();
    expect(numbers).toEqual(['HR-440000-2026-000001', 'HR-440000-2026-000002', 'HR-440000-2026-000003']);
    expect(await sqlRows(w.db, 'SELECT count(*) AS n FROM certifications WHERE analyte_id = ? AND lab_id = ?', K, await labId(w.db, 'GZ-002'))).toEqual([{ n: 1 }]);
  });

  it('the next number is read by an index range of its prefix, whatever numbers sort beside it', async () => {
    // numbers of other regions and years on both sides of HR-440000-2026-, and one that only shares its start
    const region = (await sqlRows<{ id: number }>(w.db, "SELECT id FROM regions WHERE code = '440000'"))[0].id;
    for (const no of ['HR-440000-2025-000999', 'HR-440000-2027-000001', 'HR-440300-2026-000777', 'HR-44000-2026-000900', 'HR-440000-2026.000950']) {
      const base = { labId: await labId(w.db, 'GZ-001'), analyteId: K, scopeRegionId: region, scope: '广东', mark: '广东HR', status: 'expired' as const, validFrom: '2025-01-01', validTo: '2025-12-31', createdAt: NOW, updatedAt: NOW };
      await w.db.insert(certifications).values({ ...base, certificateNo: no });
    }
    expect(await maxCertificateNo(w.db, 'HR-440000-2026-')).toBe('HR-440000-2026-000003');
    expect(await maxCertificateNo(w.db, 'HR-110000-2026-')).toBeUndefined();
    // the plan of the read it issues (before: max() over a LIKE, the whole index on SQLite, walked back from its end on PostgreSQL)
    const issued = await statementOf(w, () => maxCertificateNo(w.db, 'HR-440000-2026-'));
    if (testBackend === 'sqlite') {
      const plan = w.db.$client.prepare(`EXPLAIN QUERY PLAN ${issued.text}`).all(...(issued.params as never[])) as { detail: string }[];
      expect(plan.map((r) => r.detail)).toEqual(['SEARCH certifications USING COVERING INDEX certifications_no_uq (certificate_no>? AND certificate_no<?)']);
    } else {
      // one connection, sequential scans priced out: a table this small may be read whole either way,
      // the question is whether the index can serve the prefix as a range
      const client = await (w.db.$client as unknown as import('pg').Pool).connect();
      let plan: string;
      try {
        await client.query('SET enable_seqscan = off');
        plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${issued.text}`, issued.params)).rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.query('RESET enable_seqscan');
        client.release();
      }
      expect(plan).toMatch(/Index Cond: \(\(certificate_no >= 'HR-440000-2026-'::text\) AND \(certificate_no < 'HR-440000-2026\.'::text\)\)/);
    }
  });
});

describe('an approval rests on a verdict of the policy version in force', () => {
  let w: World;
  const HOUR = 3_600_000;
  const refusal = async (labCode: string, analyte: string, now: number) => {
    try {
      await decide(w.db, w.regulators.gd, { action: 'approve', labId: await labId(w.db, labCode), analyteId: await analyteId(w.db, analyte), reason: 'meets the policy' }, { now });
      return null;
    } catch (e) {
      return (e as { reason?: string }).reason;
    }
  };
  const certificates = async () => (await sqlRows<{ n: number }>(w.db, 'SELECT count(*) AS n FROM certifications'))[0].n;
  /** what the queue says beside a pair's verdict: the policy version it predates, or null */
  const queueSays = async (labCode: string, analyte: string, now: number) => {
    const page: PageRequest<'lab'> = { page: 1, size: 50, sort: 'lab', dir: 'asc', q: '' };
    const q = await recognitionQueuePage(w.db, w.regulators.gd, { labCode }, { approve: page, review: page }, { now });
    return [...q.toApprove.rows, ...q.toReview.rows].find((r) => r.analyteCode === analyte)?.outdatedBy;
  };

  beforeAll(async () => {
    w = await createSeededTestDb();
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K', 'NA'], reason: 'list' }, { now: NOW - HOUR });
    for (const code of ['GZ-001', 'GZ-002', 'GZ-003']) for (const a of ['K', 'NA']) await addGoodEvidence(w.db, await labId(w.db, code), await analyteId(w.db, a));
    await computeEligibility(w.db, { now: NOW });
  }, 120_000);
  afterAll(() => w.close());

  it('a version added after the last eligibility run refuses approvals (409) until eligibility is computed again under it', async () => {
    // Guangdong drops K from today on, after the verdicts were computed: they still say K is eligible
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2026-06-15', analyteCodes: ['NA'], reason: 'K leaves the list' }, { now: NOW + HOUR });
    // the queue says so beside each verdict, before anyone clicks
    expect([await queueSays('GZ-001', 'K', NOW + 2 * HOUR), await queueSays('GZ-001', 'NA', NOW + 2 * HOUR)]).toEqual([2, 2]);
    expect([await refusal('GZ-001', 'K', NOW + 2 * HOUR), await refusal('GZ-001', 'NA', NOW + 2 * HOUR)]).toEqual(['recognition.verdictOutdated', 'recognition.verdictOutdated']);
    await expect(decide(w.db, w.regulators.gd, { action: 'approve', labId: await labId(w.db, 'GZ-001'), analyteId: await analyteId(w.db, 'K'), reason: 'meets the policy' }, { now: NOW + 2 * HOUR })).rejects.toThrow(expect.objectContaining({ code: 'conflict', message: 'The eligibility of K was computed before version 2 of the recognition policy, now in force: recompute eligibility, then decide' }));
    expect(await certificates()).toBe(0);
    await computeEligibility(w.db, { now: NOW + 3 * HOUR });
    expect(await queueSays('GZ-001', 'NA', NOW + 4 * HOUR)).toBeNull();
    expect(await refusal('GZ-001', 'K', NOW + 4 * HOUR)).toBe('recognition.notEligible');
    expect(await refusal('GZ-001', 'NA', NOW + 4 * HOUR)).toBeNull();
    expect(await certificates()).toBe(1);
  });

  it('so does a version added earlier that takes effect after the run', async () => {
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2026-06-16', analyteCodes: ['K', 'NA'], reason: 'K back from tomorrow' }, { now: NOW + 5 * HOUR });
    await computeEligibility(w.db, { now: NOW + 6 * HOUR }); // today: version 2 in force, K not listed
    const tomorrow = onDay('2026-06-16');
    // not yet in force today: the verdict is current; tomorrow it predates version 3
    expect(await queueSays('GZ-002', 'NA', NOW + 7 * HOUR)).toBeNull();
    expect(await queueSays('GZ-002', 'NA', tomorrow)).toBe(3);
    // an approval on a later day than its verdict computes the lab's verdicts again first: under version 3
    expect(await refusal('GZ-002', 'NA', tomorrow)).toBeNull();
    expect(await queueSays('GZ-002', 'K', tomorrow + HOUR)).toBeNull();
    expect(await refusal('GZ-002', 'K', tomorrow + HOUR)).toBeNull();
  });

  it('an approval months after the verdict rests on the evidence of its own day: IQC that stopped since refuses it', async () => {
    const gz3 = await labId(w.db, 'GZ-003');
    await computeEligibility(w.db, { now: NOW + 8 * HOUR });
    expect((await sqlRows<{ eligible: number | boolean }>(w.db, 'SELECT eligible FROM eligibility_results WHERE lab_id = ? AND analyte_id = ?', gz3, await analyteId(w.db, 'NA')))[0].eligible).toBeTruthy();
    const before = await certificates();
    const december = onDay('2026-12-15');
    expect(await refusal('GZ-003', 'NA', december)).toBe('recognition.notEligible');
    expect(await certificates()).toBe(before);
    // the lab's verdicts of that day are stored (the queue shows them), audited as a run of one lab
    const [v] = await sqlRows<{ eligible: number | boolean; computedAt: number }>(w.db, 'SELECT eligible, computed_at AS computedAt FROM eligibility_results WHERE lab_id = ? AND analyte_id = ?', gz3, await analyteId(w.db, 'NA'));
    expect([!!v.eligible, Number(v.computedAt)]).toEqual([false, december]);
    const computedSince = async () => await sqlRows<{ details: unknown }>(w.db, "SELECT details FROM audit_log WHERE action = 'eligibility.compute' AND at >= ?", december);
    const [audit] = await computedSince();
    expect(typeof audit.details === 'string' ? JSON.parse(audit.details) : audit.details).toMatchObject({ labs: 1, eligible: 0, before: 'approve' });
    // the same day again: the stored verdict is used, nothing more is computed
    expect(await refusal('GZ-003', 'NA', december + HOUR)).toBe('recognition.notEligible');
    expect(await computedSince()).toHaveLength(1);
  });

  it('the review list sorted by verdict time puts a certification without a verdict first ascending, last descending, on both backends', async () => {
    const [gz1, gz2] = [await labId(w.db, 'GZ-001'), await labId(w.db, 'GZ-002')];
    const [K, NA] = [await analyteId(w.db, 'K'), await analyteId(w.db, 'NA')];
    await sqlRun(w.db, 'UPDATE eligibility_results SET eligible = false WHERE lab_id = ? AND analyte_id = ?', gz1, NA);
    await sqlRun(w.db, 'DELETE FROM eligibility_results WHERE lab_id = ? AND analyte_id = ?', gz2, K);
    const review = async (dir: 'asc' | 'desc') => {
      const page: PageRequest<'computed'> = { page: 1, size: 50, sort: 'computed', dir, q: '' };
      const q = await recognitionQueuePage(w.db, w.regulators.gd, {}, { approve: page, review: page }, { now: NOW + 9 * HOUR });
      return q.toReview.rows.map((r) => `${r.labCode} ${r.analyteCode}`);
    };
    expect(await review('asc')).toEqual(['GZ-002 K', 'GZ-001 NA']);
    expect(await review('desc')).toEqual(['GZ-001 NA', 'GZ-002 K']);
  });
});
