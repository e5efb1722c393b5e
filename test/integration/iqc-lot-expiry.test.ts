// A control lot's expiry day (lib/services/iqc/lot-expiry.ts): given with the lot (the lots API, the
// targets form) or on the targets page; a result measured after it is refused by row and field with
// nothing written (JSON and CSV, the last minute of the day still counts); a change needs a reason,
// is audited, and never falls before a stored result; the refusals of other labs and of regulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { appErrorAsync } from '../support/errors';
import { auditLog, controlLots, iqcResults } from '@/db/schema';
import type { Actor } from '@/lib/auth/core';
import { postLot, postResults } from '@/lib/services/iqc/api';
import { lotsForApi } from '@/lib/services/iqc/api-reads';
import { setLotExpiry } from '@/lib/services/iqc/lot-expiry';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { labDashboard } from '@/lib/services/iqc/views';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** 2026-11-10 00:00 in Shanghai */
const D10 = Date.UTC(2026, 10, 9, 16, 0);

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;

const postJson = (path: string, body: unknown) =>
  new Request(`http://localhost/api/v1/iqc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const post = (results: unknown[], actor: Actor = lab) => postResults(t.db, actor, postJson('results', { results }), NOW);
const postCsv = (text: string) => postResults(t.db, lab, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: text }), NOW);
const glu = (level: string, value: number, at: number) => ({ analyte: 'GLU', level, lot: `EXP-${level}`, value, measuredAt: new Date(at).toISOString(), instrument: 'EX' });
const resultCount = async () => (await t.db.select({ id: iqcResults.id }).from(iqcResults).where(eq(iqcResults.labId, lab.labId!))).length;
const lotOf = async (lotNumber: string) => first(await t.db.select().from(controlLots).where(and(eq(controlLots.labId, lab.labId!), eq(controlLots.lotNumber, lotNumber))).limit(1))!;

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  // level 1 expires on 2026-11-12; level 2 has no expiry
  await postLot(t.db, lab, postJson('lots', { analyte: 'GLU', level: '1', lot: 'EXP-1', instrument: 'EX', mean: 5, sd: 0.2, effectiveFrom: '2026-11-01', expiresOn: '2026-11-12' }), D10 - 5 * DAY);
  await postLot(t.db, lab, postJson('lots', { analyte: 'GLU', level: '2', lot: 'EXP-2', instrument: 'EX', mean: 10, sd: 0.4, effectiveFrom: '2026-11-01' }), D10 - 5 * DAY);
});
afterAll(() => t.close());

describe('the expiry given with a lot', () => {
  it('is stored, answered by POST and listed by GET /api/v1/iqc/lots (null when not given)', async () => {
    const lots = (await lotsForApi(t.db, lab, {}, NOW)).filter((l) => l.lot.startsWith('EXP-'));
    expect(lots.map((l) => [l.lot, l.expiresOn])).toEqual([['EXP-1', '2026-11-12'], ['EXP-2', null]]);
    const created = await postLot(t.db, lab, postJson('lots', { analyte: 'GLU', level: '3', lot: 'EXP-3', instrument: 'EX', mean: 15, sd: 0.5, effectiveFrom: '2026-11-01', expiresOn: '2027-01-31' }), NOW);
    expect(created.expiresOn).toBe('2027-01-31');
    // one audit entry for the new lot: its targets, with the day
    const lot = await lotOf('EXP-3');
    expect((await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'iqc.lot.expiry'), eq(auditLog.entityId, String(lot.id))))).length).toBe(0);
    const set = (await t.db.select().from(auditLog).where(eq(auditLog.action, 'iqc.target.set'))).map((a) => a.details as Record<string, unknown>).filter((d) => d.lot === 'EXP-3');
    expect(set).toEqual([expect.objectContaining({ lot: 'EXP-3', version: 1, expiresOn: '2027-01-31' })]);
  });

  it('must be a day that exists, written YYYY-MM-DD (422 on the field, no lot created)', async () => {
    for (const [expiresOn, code] of [['2026-02-30', 'value.noSuchDay'], ['31/12/2026', 'recognition.invalidDate']] as const) {
      const e = await appErrorAsync(() => postLot(t.db, lab, postJson('lots', { analyte: 'GLU', level: '1', lot: 'BAD-DAY', mean: 5, sd: 0.2, effectiveFrom: '2026-11-01', expiresOn }), NOW));
      expect(e.status).toBe(422);
      expect(e.errors).toMatchObject([{ field: 'expiresOn', code }]);
    }
    expect((await t.db.select().from(controlLots).where(eq(controlLots.lotNumber, 'BAD-DAY'))).length).toBe(0);
  });
});

describe('results of an expired lot', () => {
  it('are taken up to the last minute of the expiry day (China time)', async () => {
    const lastMinute = D10 + 3 * DAY - MIN; // 2026-11-12 23:59 in Shanghai
    const out = await post([glu('1', 5.1, lastMinute), glu('2', 10.1, lastMinute)]);
    expect(out.inserted).toBe(2);
  });

  it('are refused from the next day on, each by row and field, and nothing of the batch is written', async () => {
    const before = await resultCount();
    const next = D10 + 3 * DAY; // 2026-11-13 00:00 in Shanghai
    const e = await appErrorAsync(() => post([glu('2', 10, next), glu('1', 5, next), glu('2', 10.2, next + DAY), glu('1', 5.2, next + DAY)]));
    expect(e.status).toBe(422);
    expect(e.reason).toBe('iqc.invalidResults');
    expect(e.errors).toEqual([
      expect.objectContaining({ row: 2, field: 'measuredAt', code: 'iqc.lotExpired', message: expect.stringContaining('expired on 2026-11-12: a result measured on 2026-11-13') }),
      expect.objectContaining({ row: 4, field: 'measuredAt', code: 'iqc.lotExpired', message: expect.stringContaining('measured on 2026-11-14') }),
    ]);
    expect(await resultCount()).toBe(before);
  });

  it('are reported with the batch\'s other problems, in row order (a value that conflicts with a stored one)', async () => {
    const lastMinute = D10 + 3 * DAY - MIN;
    const e = await appErrorAsync(() => post([glu('1', 5, D10 + 4 * DAY), glu('2', 10.5, lastMinute)]));
    expect(e.reason).toBe('iqc.conflictingResults');
    expect(e.errors.map((x) => [x.row, x.code])).toEqual([[1, 'iqc.lotExpired'], [2, 'iqc.duplicateLevel']]);
  });

  it('are reported by CSV line and column', async () => {
    const e = await appErrorAsync(() => postCsv('measured_at,analyte_code,level,lot,value,instrument\n2026-11-13 08:00,GLU,2,EXP-2,10,EX\n2026-11-13 08:00,GLU,1,EXP-1,5,EX\n'));
    expect(e.errors).toMatchObject([{ row: 3, field: 'measured_at', code: 'iqc.lotExpired' }]);
  });
});

describe('changing a lot\'s expiry (the targets page)', () => {
  it('needs a reason once one is set, and refuses a day before a stored result; nothing changes', async () => {
    const lot = await lotOf('EXP-1');
    const noReason = await appErrorAsync(() => setLotExpiry(t.db, lab, { controlLotId: lot.id, expiresOn: '2026-12-31', reason: '' }, NOW));
    expect(noReason.status).toBe(422);
    expect(noReason.errors).toMatchObject([{ field: 'reason', code: 'iqc.expiryChangeReason' }]);
    // a result of 2026-11-12 23:59 is stored: the lot was in use that day
    const early = await appErrorAsync(() => setLotExpiry(t.db, lab, { controlLotId: lot.id, expiresOn: '2026-11-11', reason: 'typed the wrong day' }, NOW));
    expect(early.status).toBe(409);
    expect(early.reason).toBe('iqc.expiryBeforeResults');
    expect(early.message).toContain('2026-11-12');
    expect((await lotOf('EXP-1')).expiresOn).toBe('2026-11-12');
  });

  it('with a reason: written, audited with the days before and after, and results of the new days are taken', async () => {
    const lot = await lotOf('EXP-1');
    const out = await setLotExpiry(t.db, lab, { controlLotId: lot.id, expiresOn: '2026-11-30', reason: 'the label says 2026-11-30' }, NOW);
    expect(out).toEqual({ controlLotId: lot.id, expiresOn: '2026-11-30', changed: true });
    const audit = (await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'iqc.lot.expiry'), eq(auditLog.entityId, String(lot.id))))).map((a) => a.details);
    expect(audit.at(-1)).toMatchObject({ analyte: 'GLU', level: '1', lot: 'EXP-1', instrument: 'EX', from: '2026-11-12', to: '2026-11-30', reason: 'the label says 2026-11-30' });
    expect((await post([glu('1', 5, D10 + 3 * DAY), glu('2', 10, D10 + 3 * DAY)])).inserted).toBe(2);
    // the same day again changes nothing and writes no audit entry
    const again = await setLotExpiry(t.db, lab, { controlLotId: lot.id, expiresOn: '2026-11-30', reason: '' }, NOW);
    expect(again.changed).toBe(false);
    expect((await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'iqc.lot.expiry'), eq(auditLog.entityId, String(lot.id))))).length).toBe(audit.length);
  });

  it('is cleared with an empty day (and a reason); a lot without expiry takes any day', async () => {
    const lot = await lotOf('EXP-1');
    await setLotExpiry(t.db, lab, { controlLotId: lot.id, expiresOn: '', reason: 'no expiry on this material' }, NOW);
    expect((await lotOf('EXP-1')).expiresOn).toBeNull();
    expect((await post([glu('1', 5, D10 + 10 * DAY), glu('2', 10, D10 + 10 * DAY)])).inserted).toBe(2);
  });

  it('set through the targets form with a new target version (the target\'s reason says why)', async () => {
    await setManufacturerTarget(t.db, lab, { analyte: 'GLU', level: '2', lot: 'EXP-2', instrument: 'EX', mean: 10, sd: 0.4, effectiveFrom: '2026-11-24', expiresOn: '2026-12-15' }, NOW);
    expect((await lotOf('EXP-2')).expiresOn).toBe('2026-12-15');
    const e = await appErrorAsync(() => setManufacturerTarget(t.db, lab, { analyte: 'GLU', level: '2', lot: 'EXP-2', instrument: 'EX', mean: 10, sd: 0.4, effectiveFrom: '2026-11-25', expiresOn: '2026-12-20' }, NOW));
    expect(e.errors).toMatchObject([{ field: 'reason', code: 'iqc.expiryChangeReason' }]);
    expect((await lotOf('EXP-2')).expiresOn).toBe('2026-12-15');
  });

  it('is refused to another lab\'s manager (404, as for a lot they cannot see) and to a regulator (403)', async () => {
    const lot = await lotOf('EXP-2');
    const other = await appErrorAsync(() => setLotExpiry(t.db, t.labManagers.get('HZ-001')!, { controlLotId: lot.id, expiresOn: '2027-01-01', reason: 'not mine' }, NOW));
    expect([other.status, other.reason]).toEqual([404, 'iqc.lotNotFound']);
    const regulator = await appErrorAsync(() => setLotExpiry(t.db, t.regulators.gd, { controlLotId: lot.id, expiresOn: '2027-01-01', reason: 'regulator' }, NOW));
    expect([regulator.status, regulator.reason]).toEqual([403, 'iqc.targetsNotAllowed']);
    expect((await lotOf('EXP-2')).expiresOn).toBe('2026-12-15');
  });
});

describe('the lab overview', () => {
  it('lists the lots expiring within 30 days or in the last week, soonest first, with the days left', async () => {
    // EXP-2 expires on 2026-12-15 (20 days after NOW), EXP-3 on 2027-01-31 (too far); one that expired 8 days ago is left out
    const lot = await postLot(t.db, lab, postJson('lots', { analyte: 'K', level: '1', lot: 'OLD-K', instrument: 'EX', mean: 4, sd: 0.1, effectiveFrom: '2026-11-01', expiresOn: '2026-11-17' }), NOW);
    expect(lot.expiresOn).toBe('2026-11-17');
    await postLot(t.db, lab, postJson('lots', { analyte: 'K', level: '2', lot: 'WEEK-K', instrument: 'EX', mean: 6, sd: 0.1, effectiveFrom: '2026-11-01', expiresOn: '2026-11-18' }), NOW);
    const dash = await labDashboard(t.db, lab, null, NOW);
    expect(dash.expiringLots.map((l) => [l.lot, l.expiresOn, l.daysLeft])).toEqual([['WEEK-K', '2026-11-18', -7], ['EXP-2', '2026-12-15', 20]]);
    // another lab sees none of them
    expect((await labDashboard(t.db, t.labManagers.get('HZ-001')!, null, NOW)).expiringLots).toEqual([]);
  });
});
