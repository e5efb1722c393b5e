// Access scope decided once (issue 11): the read-models pages use put the reader's scope into SQL.
// A lab manager reads only their own lab's rows, a city regulator only its city's subtree, a
// province regulator its province, hospital accounts nothing. Expected rows come from the demo
// seed (db/seed/base.ts: Guangzhou GZ-*, Shenzhen SZ-*, Hangzhou HZ-* labs; regulators of
// Guangdong 440000, Shenzhen 440300 and Zhejiang 330000).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '../support/db';
import type { Actor } from '@/lib/auth/core';
import { actorForUserId } from '@/lib/auth/resolve';
import { findActorRowByEmail } from '@/db/queries/actors';
import { AppError } from '@/lib/errors';
import { accountsInScope, accountsPageInScope } from '@/lib/services/read/accounts';
import { countsInScope, labRegionsInScope, labsInScope, labsPageInScope, regionsInScope } from '@/lib/services/read/places';
import { labRoundView, roundsPage, schemesInScope } from '@/lib/services/read/eqa';
import { readAuditLog } from '@/lib/services/audit';
import { listRounds } from '@/lib/services/eqa/rounds';
import { regulatorRoundReport } from '@/lib/services/eqa/reports';
import { createScheme, enrollLabs } from '@/lib/services/eqa/schemes';
import { recognitionQueuePage } from '@/lib/services/recognition/queue';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { computeEligibility } from '@/lib/services/recognition/eligibility';
import { DAY, NOW, makeRound, makeScheme } from './eqa-support';
import { addGoodEvidence, analyteId, labId, NOW as RECOGNITION_NOW } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
let w: World;
let hospital: Actor;
let gz1: Actor;
let hz1: Actor;

async function refusal(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'ok';
}

const page = { page: 1, size: 200, dir: 'asc' as const, q: '' };

beforeAll(async () => {
  w = await createSeededTestDb();
  hospital = (await actorForUserId(w.db, (await findActorRowByEmail(w.db, 'hospital@demo.labqc'))!.id))!;
  gz1 = w.labManagers.get('GZ-001')!;
  hz1 = w.labManagers.get('HZ-001')!;
  // EQA: a Guangdong scheme enrolling every Guangdong lab (an open and a draft round), a Zhejiang one
  await makeScheme(w, 'GD-SCOPE');
  await makeRound(w, 'GD-SCOPE', 'GD-SCOPE-OPEN', ['S1']);
  await makeRound(w, 'GD-SCOPE', 'GD-SCOPE-DRAFT', ['S1'], { open: false });
  await createScheme(w.db, w.regulators.zj, { code: 'ZJ-SCOPE', name: '浙江', nameEn: 'Zhejiang', regionCode: '330000', sigmaPtSource: 'allowable_error', minPeerGroupSize: 8, analytes: [{ analyte: 'K' }] }, { now: NOW - 30 * DAY });
  await enrollLabs(w.db, w.regulators.zj, { schemeCode: 'ZJ-SCOPE', all: true }, { now: NOW - 30 * DAY });
  // recognition: K eligible in one lab of each city
  const K = await analyteId(w.db, 'K');
  await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: RECOGNITION_NOW });
  await createPolicyVersion(w.db, w.regulators.zj, { regionCode: '330000', effectiveFrom: '2024-01-01', analyteCodes: ['K'], reason: 'list' }, { now: RECOGNITION_NOW });
  for (const code of ['GZ-001', 'SZ-001', 'HZ-001']) await addGoodEvidence(w.db, await labId(w.db, code), K);
  await computeEligibility(w.db, { now: RECOGNITION_NOW });
});
afterAll(() => w.close());

describe('labs', () => {
  it('a lab manager reads only their own lab', async () => {
    expect((await labsInScope(w.db, gz1)).map((l) => l.code)).toEqual(['GZ-001']);
    expect((await labsPageInScope(w.db, gz1, {}, { ...page, sort: 'code' })).total).toBe(1);
  });

  it('a city regulator reads only its city: the 10 Shenzhen labs', async () => {
    const codes = (await labsInScope(w.db, w.regulators.sz)).map((l) => l.code);
    expect(codes).toHaveLength(10);
    expect(codes.every((c) => c.startsWith('SZ-'))).toBe(true);
    expect((await labRegionsInScope(w.db, w.regulators.sz)).map((r) => r.code)).toEqual(['440300']);
  });

  it('a province regulator reads its cities (11 Guangzhou + 10 Shenzhen), never Zhejiang', async () => {
    const codes = (await labsInScope(w.db, w.regulators.gd)).map((l) => l.code);
    expect(codes).toHaveLength(21);
    expect(codes.some((c) => c.startsWith('HZ-'))).toBe(false);
    expect((await labsPageInScope(w.db, w.regulators.gd, { regionCode: '330100' }, { ...page, sort: 'code' })).total).toBe(0);
  });

  it('a hospital account is refused', async () => {
    expect(await refusal(async () => await labsInScope(w.db, hospital))).toBe('forbidden');
    expect(await refusal(async () => await labsPageInScope(w.db, hospital, {}, { ...page, sort: 'code' }))).toBe('forbidden');
  });

  it('headline counts and region lists follow the scope', async () => {
    expect((await countsInScope(w.db, w.regulators.sz)).labs).toBe(10);
    expect((await regionsInScope(w.db, w.regulators.sz)).map((r) => r.code)).toEqual(['440300']);
    expect(await regionsInScope(w.db, gz1)).toEqual([]);
    expect((await countsInScope(w.db, w.admin)).labs).toBe((await labsInScope(w.db, w.admin)).length);
  });
});

describe('accounts', () => {
  it('a city regulator lists only the managers of its city labs', async () => {
    const rows = await accountsInScope(w.db, w.regulators.sz, { role: 'lab_manager' });
    expect(rows).toHaveLength(10);
    expect(rows.every((u) => u.labCode?.startsWith('SZ-'))).toBe(true);
    expect((await accountsPageInScope(w.db, w.regulators.sz, 'lab_manager', { ...page, sort: 'lab' })).total).toBe(10);
  });

  it('a lab manager sees only their own lab’s manager', async () => {
    expect((await accountsInScope(w.db, gz1, { role: 'lab_manager' })).map((u) => u.email)).toEqual(['lab1@demo.labqc']);
  });

  it('regulator accounts are listed to the administrator only', async () => {
    expect((await accountsInScope(w.db, w.admin, { role: 'regulator' })).map((u) => u.email).sort()).toEqual(['regulator.gd@demo.labqc', 'regulator.sz@demo.labqc', 'regulator.zj@demo.labqc']);
    expect(await refusal(async () => await accountsInScope(w.db, w.regulators.gd, { role: 'regulator' }))).toBe('forbidden');
    expect(await refusal(async () => await accountsInScope(w.db, hospital, { role: 'lab_manager' }))).toBe('forbidden');
  });
});

describe('audit log', () => {
  const labOf = async (id: number) => (await sqlRows<{ code: string; path: string }>(w.db, 'select l.code, r.path from laboratories l join regions r on r.id = l.region_id where l.id = ?', id))[0];
  it('a city regulator reads only entries about its city', async () => {
    const { entries } = await readAuditLog(w.db, w.regulators.sz, { page: 1 });
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      if (e.labId != null) expect((await labOf(e.labId)).code).toMatch(/^SZ-/);
      else expect(e.regionId).toBe(w.regulators.sz.regionId);
    }
  });

  it('the Zhejiang regulator never reads a Guangdong lab’s entry', async () => {
    const { entries } = await readAuditLog(w.db, w.regulators.zj, { page: 1 });
    expect(entries.length).toBeGreaterThan(0);
    const labs = await Promise.all(entries.filter((e) => e.labId != null).map((e) => labOf(e.labId!)));
    expect(labs.length).toBeGreaterThan(0);
    expect(labs.filter((l) => !l.path.startsWith('/100000/330000/'))).toEqual([]);
  });

  it('lab managers and hospital accounts are refused', async () => {
    expect(await refusal(async () => await readAuditLog(w.db, gz1, {}))).toBe('forbidden');
    expect(await refusal(async () => await readAuditLog(w.db, hospital, {}))).toBe('forbidden');
  });
});

describe('EQA rounds', () => {
  const codes = async (a: Actor) => (await listRounds(w.db, a, { now: NOW })).map((r) => r.code).sort();
  it('a lab manager lists the non-draft rounds of schemes their lab is enrolled in', async () => {
    expect(await codes(gz1)).toEqual(['GD-SCOPE-OPEN']);
    expect(await codes(hz1)).toEqual([]);
  });

  it('a city regulator lists the provincial rounds its labs take part in; Zhejiang sees none of them', async () => {
    expect(await codes(w.regulators.sz)).toEqual(['GD-SCOPE-DRAFT', 'GD-SCOPE-OPEN']);
    expect(await codes(w.regulators.zj)).toEqual([]);
  });

  it('schemes are those of regions inside the scope', async () => {
    // (the recognition fixtures add their own scheme too; only the two made here are asserted)
    const mine = async (a: Actor) => (await schemesInScope(w.db, a)).map((s) => s.code).filter((c) => c.endsWith('-SCOPE'));
    expect(await mine(w.regulators.gd)).toEqual(['GD-SCOPE']);
    expect(await mine(w.regulators.zj)).toEqual(['ZJ-SCOPE']);
    expect(await mine(w.regulators.sz)).toEqual([]);
    expect(await mine(w.admin)).toEqual(['GD-SCOPE', 'ZJ-SCOPE']);
    expect(await refusal(async () => await schemesInScope(w.db, gz1))).toBe('forbidden');
  });

  it('the lab’s round view answers whether the round is open; another lab gets nothing', async () => {
    expect((await labRoundView(w.db, gz1, 'GD-SCOPE-OPEN', NOW))?.state).toMatchObject({ open: true, allowedOperations: ['submit', 'close'] });
    expect((await labRoundView(w.db, gz1, 'GD-SCOPE-OPEN', NOW + 11 * DAY))?.state).toMatchObject({ open: false, status: 'closed' });
    expect(await labRoundView(w.db, gz1, 'GD-SCOPE-DRAFT', NOW)).toBeUndefined();
    expect(await labRoundView(w.db, hz1, 'GD-SCOPE-OPEN', NOW)).toBeUndefined();
    expect(await labRoundView(w.db, w.regulators.gd, 'GD-SCOPE-OPEN', NOW)).toBeUndefined();
  });

  // An open round before its opening time refuses results (round.notOpenYet): its pages must not say
  // "accepting results". The API keeps its values ('open'), which clients already read.
  it.each([
    ['before its opening', NOW - 11 * DAY, 'notYetOpen', 'open'],
    ['between opening and closing', NOW, 'open', 'open'],
    ['past its closing', NOW + 11 * DAY, 'closed', 'closed'],
  ])('a round %s: pages show %s, the API says %s', async (_when, at, shown, api) => {
    expect((await labRoundView(w.db, gz1, 'GD-SCOPE-OPEN', at))?.state).toMatchObject({ shown, status: api });
    const listed = async (a: Actor) => (await roundsPage(w.db, a, { page: 1, size: 50, sort: 'opens', dir: 'desc', q: 'GD-SCOPE-OPEN' }, at)).rows.map((r) => [r.code, r.status]);
    expect(await listed(gz1)).toEqual([['GD-SCOPE-OPEN', shown]]);
    expect(await listed(w.regulators.gd)).toEqual([['GD-SCOPE-OPEN', shown]]);
    expect((await regulatorRoundReport(w.db, w.regulators.gd, { roundCode: 'GD-SCOPE-OPEN' }, { now: at })).round).toMatchObject({ status: api, shownStatus: shown });
    expect((await listRounds(w.db, gz1, { now: at })).find((r) => r.code === 'GD-SCOPE-OPEN')?.status).toBe(api);
  });

  it('the regulator’s round report counts the participants of the reader’s scope and says which operations the state allows', async () => {
    const gd = await regulatorRoundReport(w.db, w.regulators.gd, { roundCode: 'GD-SCOPE-OPEN' }, { now: NOW });
    const sz = await regulatorRoundReport(w.db, w.regulators.sz, { roundCode: 'GD-SCOPE-OPEN' }, { now: NOW });
    expect([gd.participants, sz.participants]).toEqual([21, 10]);
    expect(gd.round.allowedOperations).toEqual(['submit', 'close']);
    expect((await regulatorRoundReport(w.db, w.regulators.gd, { roundCode: 'GD-SCOPE-DRAFT' }, { now: NOW })).round.allowedOperations).toEqual(['open']);
    expect(await refusal(async () => await regulatorRoundReport(w.db, w.regulators.zj, { roundCode: 'GD-SCOPE-OPEN' }, { now: NOW }))).toBe('forbidden');
  });

  it('hospital accounts are refused', async () => {
    expect(await refusal(async () => await listRounds(w.db, hospital))).toBe('forbidden');
  });
});

describe('recognition queue', () => {
  const approve = async (a: Actor, input = {}) =>
    (await recognitionQueuePage(w.db, a, input, { approve: { ...page, sort: 'lab' }, review: { ...page, sort: 'lab' } }, { now: RECOGNITION_NOW })).toApprove.rows.map((r) => r.labCode);
  it('a city regulator’s queue holds its city’s pairs only', async () => {
    expect(await approve(w.regulators.sz)).toEqual(['SZ-001']);
  });

  it('a province regulator’s queue holds its cities’ pairs, never another province’s', async () => {
    expect(await approve(w.regulators.gd)).toEqual(['GZ-001', 'SZ-001']);
    expect(await approve(w.regulators.zj)).toEqual(['HZ-001']);
  });

  it('the lab filter by code stays inside the scope (an outside or unknown code matches nothing)', async () => {
    expect(await approve(w.regulators.gd, { labCode: 'SZ-001' })).toEqual(['SZ-001']);
    expect(await approve(w.regulators.gd, { labCode: 'HZ-001' })).toEqual([]);
    expect(await approve(w.regulators.gd, { labCode: 'NOPE-1' })).toEqual([]);
  });

  it('lab managers and hospital accounts are refused', async () => {
    expect(await refusal(async () => await approve(gz1))).toBe('forbidden');
    expect(await refusal(async () => await approve(hospital))).toBe('forbidden');
  });
});
