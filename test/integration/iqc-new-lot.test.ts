// New lot of a known material (DOMAIN.md §4; WS/T 641-2018): a lot that follows a lot of the same
// lab × analyte × instrument × level with targets gets provisional targets from its first 10 days
// (mean of its in-control results) with the previous lot's SD carried over; then the usual ≥ 20-point
// targets. Results are written straight into the tables so that each number is the fixture's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { appError } from '../support/errors';
import { analytes, auditLog, controlLots, iqcResults, iqcRuns, qcTargets } from '@/db/schema';
import type { RunStatus } from '@/db/enums';
import type { Actor } from '@/lib/auth/core';
import { establishNewLotTargets, newLotProposals } from '@/lib/services/iqc/targets';
import { startOfDay } from '@/lib/calendar';
import { first } from '@/db/dialect';

const HOUR = 3600_000;
const NOW = startOfDay('2026-04-01') + 10 * HOUR;
/** 09:00 China time on 2026-03-dd */
const march = (d: number, hour = 9) => startOfDay(`2026-03-${String(d).padStart(2, '0')}`) + hour * HOUR;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;
let labId: number;
let gluId: number;

async function lot(lotNumber: string, instrument: string, target?: { mean: number; sd: number; source: 'manufacturer' | 'lab_baseline' }) {
  const l = (await t.db.insert(controlLots).values({ labId, analyteId: gluId, level: '1', lotNumber, instrument, createdAt: march(1) - 100 * 24 * HOUR }).returning())[0];
  if (target) await t.db.insert(qcTargets).values({ labId: l.labId, controlLotId: l.id, version: 1, ...target, effectiveFrom: l.createdAt, createdAt: l.createdAt });
  return l.id;
}

async function result(controlLotId: number, instrument: string, value: number, measuredAt: number, status: RunStatus = 'no_target') {
  const run = (await t.db.insert(iqcRuns).values({ labId, analyteId: gluId, instrument, measuredAt, status, rules: [], evaluatedAt: measuredAt, source: 'manual', createdAt: measuredAt }).returning())[0];
  await t.db.insert(iqcResults).values({ runId: run.id, labId, analyteId: gluId, controlLotId, level: '1', value, measuredAt, createdAt: measuredAt });
}

// the new lot's ten days: 5.12 5.08 5.15 5.05 5.10 5.11 5.09 5.13 5.07 5.10, summing to 51.00 (hand)
const TEN = [5.12, 5.08, 5.15, 5.05, 5.1, 5.11, 5.09, 5.13, 5.07, 5.1];
let oldLot: number;
let newLot: number;
let mfrLot: number;
let lonelyLot: number;

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  labId = lab.labId!;
  gluId = first(await t.db.select().from(analytes).where(eq(analytes.code, 'GLU')).limit(1))!.id;
  oldLot = await lot('GLU-OLD', 'C16', { mean: 5.0, sd: 0.12, source: 'lab_baseline' });
  await result(oldLot, 'C16', 5.01, march(1, 8), 'accepted');
  // the same material on another instrument, with another SD: not the previous lot of C16's new lot
  await lot('GLU-OTHER', 'AU', { mean: 5.0, sd: 0.3, source: 'lab_baseline' });
  newLot = await lot('GLU-NEW', 'C16');
  for (const [i, v] of TEN.slice(0, 9).entries()) { await result(newLot, 'C16', v, march(i + 1)); }
  // a rejected run of day 3 stays out of the mean
  await result(newLot, 'C16', 7.0, march(3, 15), 'rejected');
  // a new lot with only the manufacturer's target still gets the offer (the lab's own SD is better)
  mfrLot = await lot('GLU-MFR', 'C16', { mean: 5.2, sd: 0.25, source: 'manufacturer' });
  // a material the lab never ran before: no previous lot, no offer
  lonelyLot = (await t.db.insert(controlLots).values({ labId, analyteId: gluId, level: '3', lotNumber: 'GLU-L3', instrument: 'C16', createdAt: march(1) }).returning())[0].id;
});
afterAll(() => t.close());

const proposal = async (id: number) => (await newLotProposals(t.db, lab, {}, NOW)).find((p) => p.controlLotId === id);

describe('new lot of a known material', () => {
  it('after 9 days: offered with the previous lot of the same instrument, not yet computable', async () => {
    expect(await proposal(newLot)).toMatchObject({ previous: { lot: 'GLU-OLD', sd: 0.12, source: 'lab_baseline' }, days: 9, needed: 10, targets: null });
    expect((await appError(async () => await establishNewLotTargets(t.db, lab, { controlLotId: newLot }, NOW))).errors[0].message).toMatch(/10 days; this lot has 9/);
  });

  it('after 10 days: mean of every in-control result of the first 10 days = 51.00/10 = 5.10, SD 0.12 carried over; day 11 does not count', async () => {
    await result(newLot, 'C16', TEN[9], march(10));
    await result(newLot, 'C16', 5.9, march(11));
    const p = (await proposal(newLot))!;
    expect(p.targets).toMatchObject({ sd: 0.12, n: 10, days: 10, lastDay: '2026-03-10' });
    expect(p.targets!.mean).toBeCloseTo(5.1, 12);
  });

  it('freezes them as a new_lot version after the lot\'s last result, audited', async () => {
    const target = await establishNewLotTargets(t.db, lab, { controlLotId: newLot }, NOW);
    expect(target).toMatchObject({ source: 'new_lot', sd: 0.12, basisN: 10, version: 1, effectiveFrom: NOW });
    expect(target.mean).toBeCloseTo(5.1, 12);
    expect(target.reason).toMatch(/GLU-OLD/);
    const audit = first(await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'iqc.target.new_lot'), eq(auditLog.entityId, String(target.id)))).limit(1))!;
    expect(audit.details).toMatchObject({ controlLotId: newLot, previousLot: 'GLU-OLD', days: 10, n: 10 });
    // once frozen, no more offer; doing it again is a conflict
    expect(await proposal(newLot)).toBeUndefined();
    expect((await appError(async () => await establishNewLotTargets(t.db, lab, { controlLotId: newLot }, NOW + 1))).status).toBe(409);
  });

  it('a lot with only the manufacturer\'s target is offered the carried SD too', async () => {
    // the most recently used lot of C16 level 1 is now GLU-NEW (results to day 11)
    expect(await proposal(mfrLot)).toMatchObject({ previous: { lot: 'GLU-NEW', sd: 0.12, source: 'new_lot' }, days: 0, targets: null });
  });

  it('no offer from a previous lot with only the manufacturer\'s SD, nor to a lot that came before the baseline lot', async () => {
    await lot('GLU-Y1', 'Y9', { mean: 5, sd: 0.3, source: 'manufacturer' });
    expect(await proposal(await lot('GLU-Y2', 'Y9'))).toBeUndefined();
    // on X9 a manufacturer lot came first, then a lot with the lab's own baseline: only lots started
    // after the baseline lot are offered its SD
    const first = await lot('GLU-X1', 'X9', { mean: 5, sd: 0.3, source: 'manufacturer' });
    await lot('GLU-X2', 'X9', { mean: 5.1, sd: 0.11, source: 'lab_baseline' });
    const third = await lot('GLU-X3', 'X9');
    expect(await proposal(first)).toBeUndefined();
    expect(await proposal(third)).toMatchObject({ previous: { lot: 'GLU-X2', sd: 0.11 } });
  });

  it('a material new to the lab gets no offer, and asking is refused (422)', async () => {
    expect(await proposal(lonelyLot)).toBeUndefined();
    expect((await appError(async () => await establishNewLotTargets(t.db, lab, { controlLotId: lonelyLot }, NOW))).status).toBe(422);
  });

  it.each([
    ['another lab manager (404)', () => t.labManagers.get('HZ-001')!, 404],
    ['a regulator of the region (403: reads, never sets)', () => t.regulators.gd, 403],
  ])('is refused to %s', async (_title, who, status) => {
    expect((await appError(async () => await establishNewLotTargets(t.db, who(), { controlLotId: mfrLot }, NOW))).status).toBe(status);
  });
});
