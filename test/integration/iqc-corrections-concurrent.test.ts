// Corrections and exclusions of one IQC result sent at once (two users, two tabs, a retried form):
// the result is read inside the write transaction (SQLite: BEGIN IMMEDIATE under the connection's
// lock; PostgreSQL: the lab's IQC writer lock, then the row FOR UPDATE), so a correction that names a
// version no longer current is refused with iqc.resultCorrected (409) instead of forking the version
// chain, an exclusion of a superseded version with iqc.excludeCorrected, a second exclusion with
// iqc.alreadyExcluded, and a correction keeps an exclusion committed just before it. Whatever the
// order, one current version, a linear chain, one audit row per change (the chain intact) and the
// verdicts of the series those of the final data, judged one change after the other in another lab.
// On PostgreSQL the calls run on separate pooled connections, so they truly overlap. A target or a
// rule set saved during an import waits for it (the lab's IQC writer lock) and is judged against it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, desc, eq, gt, like } from 'drizzle-orm';
import pg from 'pg';
import { createSeededTestDb, sqlRows, testBackend } from '../support/db';
import { auditLog, iqcResults, iqcRuns, iqcViolations } from '@/db/schema';
import { mapSeq } from '@/lib/async';
import type { Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { postResults } from '@/lib/services/iqc/api';
import { setManufacturerTargets } from '@/lib/services/iqc/targets';
import { setRuleConfig } from '@/lib/services/iqc/rules';
import { correctResult, excludeResult } from '@/lib/services/iqc/results';
import { verifyAuditChain } from '@/db/queries/audit-chain';
import { first } from '@/db/dialect';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const BASE = NOW - 40 * DAY;

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;
let other: Actor;

/** K levels 1–2: means 4 and 6, SD 0.1, so value = mean + 0.1·z. */
const MEAN: Record<string, number> = { '1': 4, '2': 6 };
const value = (level: string, z: number) => +(MEAN[level] + 0.1 * z).toFixed(4);

const post = (actor: Actor, results: unknown[]) =>
  postResults(t.db, actor, new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results }) }), NOW);

const at0 = BASE + 8 * 60 * MIN;
/** A run of both levels on an instrument, `day` days after the first, level 1 at z1 SD (level 2 at 0). */
const runRows = (instrument: string, day: number, z1: number) =>
  [['1', z1, 0], ['2', 0, 5 * MIN]].map(([level, z, later]) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, value: value(level as string, z as number), measuredAt: new Date(at0 + day * DAY + (later as number)).toISOString(), instrument }));

/**
 * Three runs a day apart on a new instrument: A (L1 +2.5: warning), B (L1 at `b` SD), C (L1 +2.3).
 * B's L1 at 0 or +0.3 leaves B accepted and C a warning; at +2.4 B is rejected by 2-2s with A, and C
 * too (B, rejected, leaves the history: A and C form 2-2s). Returns the run ids.
 */
async function series(actor: Actor, instrument: string, b: number): Promise<number[]> {
  await setManufacturerTargets(t.db, actor, { targets: ['1', '2'].map((level) => ({ analyte: 'K', level, lot: `K${level}-${instrument}`, instrument, mean: MEAN[level], sd: 0.1, effectiveFrom: BASE - DAY })) }, BASE - DAY);
  const out = await post(actor, [...runRows(instrument, 0, 2.5), ...runRows(instrument, 1, b), ...runRows(instrument, 2, 2.3)]);
  expect(out.runs).toHaveLength(3);
  return out.runs.map((r) => r.runId);
}

/** Every version of a run's level, oldest first. */
const versionsOf = async (runId: number, level: string) =>
  await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, runId), eq(iqcResults.level, level))).orderBy(asc(iqcResults.version), asc(iqcResults.id));

const currentOf = async (runId: number, level: string) =>
  first(await t.db.select().from(iqcResults).where(and(eq(iqcResults.runId, runId), eq(iqcResults.level, level), eq(iqcResults.current, true))).limit(1))!;

const statuses = async (labId: number, instrument: string) =>
  (await t.db.select({ status: iqcRuns.status }).from(iqcRuns).where(and(eq(iqcRuns.labId, labId), eq(iqcRuns.instrument, instrument))).orderBy(asc(iqcRuns.measuredAt))).map((r) => r.status);

/** Each run's status and the rules it broke, in time order. */
const verdicts = async (labId: number, instrument: string) =>
  await mapSeq(await t.db.select({ id: iqcRuns.id, status: iqcRuns.status }).from(iqcRuns).where(and(eq(iqcRuns.labId, labId), eq(iqcRuns.instrument, instrument))).orderBy(asc(iqcRuns.measuredAt)), async (r) =>
    [r.status, (await t.db.select({ rule: iqcViolations.rule, levels: iqcViolations.levels }).from(iqcViolations).where(eq(iqcViolations.runId, r.id))).map((v) => `${v.rule}:${v.levels.join('+')}`).sort()]);

/** The verdicts the final data gives when the other lab stores it one change after the other. */
async function reference(instrument: string, final: { value: number; excluded: boolean }) {
  const runs = await series(other, instrument, (final.value - MEAN['1']) / 0.1);
  if (final.excluded) await excludeResult(t.db, other, { resultId: (await currentOf(runs[1], '1')).id, reason: 'reference' }, NOW);
  return await statuses(other.labId!, instrument);
}

/** The linear chain of versions: 1, 2, … each superseding the one before, only the last current. */
function expectLinear(versions: (typeof iqcResults.$inferSelect)[]) {
  expect(versions.map((v) => v.version)).toEqual(versions.map((_v, i) => i + 1));
  expect(versions.map((v) => v.supersedesId)).toEqual([null, ...versions.slice(0, -1).map((v) => v.id)]);
  expect(versions.map((v) => v.current)).toEqual(versions.map((_v, i) => i === versions.length - 1));
}

const lastAuditId = async () => first(await t.db.select({ id: auditLog.id }).from(auditLog).orderBy(desc(auditLog.id)).limit(1))?.id ?? 0;
const iqcAuditSince = async (id: number) => await t.db.select().from(auditLog).where(and(gt(auditLog.id, id), like(auditLog.action, 'iqc.result.%'))).orderBy(asc(auditLog.id));

/** The refusals among settled calls, as reason codes. */
function refusals(settled: PromiseSettledResult<unknown>[]): string[] {
  return settled.flatMap((s) => {
    if (s.status === 'fulfilled') return [];
    if (s.reason instanceof AppError) return [`${s.reason.reason}:${s.reason.status}`];
    throw s.reason;
  });
}

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  other = t.labManagers.get('HZ-001')!;
});
afterAll(() => t.close());

describe('corrections of one result at once', () => {
  it('eight corrections naming the same version: one becomes version 2, seven are refused (409); one audit row, verdicts of the winning value', async () => {
    const runs = await series(lab, 'P1', 0);
    expect(await statuses(lab.labId!, 'P1')).toEqual(['warning', 'accepted', 'warning']);
    const v1 = await currentOf(runs[1], '1');
    const since = await lastAuditId();
    // even contenders bring B back in control, odd ones make it reject (2-2s): the series' verdicts
    // tell which value won
    const zs = Array.from({ length: 8 }, (_v, i) => (i % 2 ? 2.4 : 0.3) + 0.01 * i);
    const settled = await Promise.allSettled(zs.map((z, i) => correctResult(t.db, lab, { resultId: v1.id, value: value('1', z), reason: `transcription error ${i}` }, NOW)));
    const won = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, out: s.value }] : []));
    expect(won).toHaveLength(1);
    expect(refusals(settled)).toEqual(Array(7).fill('iqc.resultCorrected:409'));
    const { i, out } = won[0];

    const versions = await versionsOf(runs[1], '1');
    expectLinear(versions);
    expect(versions.map((v) => [v.value, v.reason])).toEqual([
      [v1.value, null],
      [value('1', zs[i]), `transcription error ${i}`],
    ]);
    expect(out).toMatchObject({ id: versions[1].id, version: 2 });
    const expected = i % 2 ? ['warning', 'rejected', 'rejected'] : ['warning', 'accepted', 'warning'];
    expect(await statuses(lab.labId!, 'P1')).toEqual(expected);
    expect(out.status).toBe(expected[1]);
    expect(await reference('P1-ref', { value: value('1', zs[i]), excluded: false })).toEqual(expected);

    const audit = await iqcAuditSince(since);
    expect(audit.filter((a) => a.labId === lab.labId).map((a) => [a.action, Number(a.entityId), (a.details as { supersedes: number }).supersedes])).toEqual([['iqc.result.correct', versions[1].id, v1.id]]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('eight users each correcting the version they last read, reading again when refused: nine versions in one line, eight audit rows, verdicts of the last value', async () => {
    const runs = await series(lab, 'P2', 0);
    const since = await lastAuditId();
    const zs = Array.from({ length: 8 }, (_v, i) => (i % 2 ? 2.4 : 0.3) + 0.01 * i);
    let refused = 0;
    const user = async (z: number, i: number) => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const seen = await currentOf(runs[1], '1');
        try {
          return await correctResult(t.db, lab, { resultId: seen.id, value: value('1', z), reason: `user ${i}` }, NOW);
        } catch (e) {
          if (!(e instanceof AppError) || e.reason !== 'iqc.resultCorrected') throw e;
          refused++;
        }
      }
      throw new Error(`user ${i} never got through`);
    };
    const outs = await Promise.all(zs.map(user));
    expect(outs.map((o) => o.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);

    const versions = await versionsOf(runs[1], '1');
    expect(versions).toHaveLength(9);
    expectLinear(versions);
    const last = versions[8];
    const i = Number(last.reason!.slice('user '.length));
    expect(last.value).toBe(value('1', zs[i]));
    const expected = i % 2 ? ['warning', 'rejected', 'rejected'] : ['warning', 'accepted', 'warning'];
    expect(await statuses(lab.labId!, 'P2')).toEqual(expected);
    expect(outs.find((o) => o.version === 9)!.status).toBe(expected[1]);
    expect(await reference('P2-ref', { value: last.value, excluded: false })).toEqual(expected);

    // one audit row per version, each naming the version it superseded: the same line
    const audit = (await iqcAuditSince(since)).filter((a) => a.labId === lab.labId);
    expect(audit).toHaveLength(8);
    expect(audit.map((a) => [Number(a.entityId), (a.details as { supersedes: number }).supersedes]).sort((a, b) => a[0] - b[0])).toEqual(versions.slice(1).map((v) => [v.id, v.supersedesId]));
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
    // not a test of luck: the users did meet
    expect(refused).toBeGreaterThan(0);
  });

  it('the database itself keeps a version from being corrected twice (iqc_results_supersedes_uq): a second version 2 written past the services is refused, the chain stays linear', async () => {
    const runs = await series(lab, 'P3', 0);
    const v1 = await currentOf(runs[1], '1');
    await correctResult(t.db, lab, { resultId: v1.id, value: value('1', 0.2), reason: 'transcription error' }, NOW);
    const { id: _id, ...v2 } = await currentOf(runs[1], '1');
    expect(v2.supersedesId).toBe(v1.id);
    // (drizzle wraps PostgreSQL's error: its cause carries the driver's message)
    const fork = await t.db.insert(iqcResults).values({ ...v2, value: value('1', 0.4), reason: 'a fork' }).then(
      () => 'written',
      (e: Error) => `${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`,
    );
    expect(fork).toMatch(/UNIQUE constraint failed: iqc_results\.supersedes_id|duplicate key value violates unique constraint "iqc_results_.*supersedes/);
    const versions = await versionsOf(runs[1], '1');
    expectLinear(versions);
    expect(versions.map((v) => v.value)).toEqual([v1.value, value('1', 0.2)]);
  });
});

describe('a correction and an exclusion of one result at once', () => {
  it.each([
    ['correction sent first', 'X1', false],
    ['exclusion sent first', 'X2', true],
  ])('%s: one current version, the exclusion either kept on it or refused (409), never lost; verdicts of the final data', async (_title, instrument, excludeFirst) => {
    const runs = await series(lab, instrument, 2.4);
    expect(await statuses(lab.labId!, instrument)).toEqual(['warning', 'rejected', 'rejected']);
    const v1 = await currentOf(runs[1], '1');
    const since = await lastAuditId();
    const correct = () => correctResult(t.db, lab, { resultId: v1.id, value: value('1', 0.3), reason: 'transcription error' }, NOW);
    const exclude = () => excludeResult(t.db, lab, { resultId: v1.id, reason: 'control vial left open' }, NOW);
    const [c, x] = excludeFirst ? (([x, c]) => [c, x])(await Promise.allSettled([exclude(), correct()])) : await Promise.allSettled([correct(), exclude()]);
    // the correction names the current version whatever the order: an exclusion does not make a version
    expect(c.status).toBe('fulfilled');
    const versions = await versionsOf(runs[1], '1');
    expectLinear(versions);
    expect(versions).toHaveLength(2);
    const now = versions[1];
    const audit = (await iqcAuditSince(since)).filter((a) => a.labId === lab.labId).map((a) => a.action);
    if (x.status === 'fulfilled') {
      // excluded first: the new version stays excluded with the reason
      expect(now).toMatchObject({ value: value('1', 0.3), excluded: true, excludedReason: 'control vial left open' });
      expect(versions[0]).toMatchObject({ excluded: true, excludedReason: 'control vial left open' });
      expect(audit).toEqual(['iqc.result.exclude', 'iqc.result.correct']);
    } else {
      // corrected first: excluding the superseded version is refused
      expect(refusals([x])).toEqual(['iqc.excludeCorrected:409']);
      expect(versions.map((v) => v.excluded)).toEqual([false, false]);
      expect(audit).toEqual(['iqc.result.correct']);
    }
    expect(await statuses(lab.labId!, instrument)).toEqual(await reference(`${instrument}-ref`, { value: now.value, excluded: now.excluded }));
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('two exclusions of one result at once: one excludes it with its reason, the other is refused (409); one audit row', async () => {
    const runs = await series(lab, 'X3', 2.4);
    const v1 = await currentOf(runs[1], '1');
    const since = await lastAuditId();
    const settled = await Promise.allSettled(['clot', 'bubble'].map((reason) => excludeResult(t.db, lab, { resultId: v1.id, reason }, NOW)));
    expect(refusals(settled)).toEqual(['iqc.alreadyExcluded:409']);
    const reason = settled[0].status === 'fulfilled' ? 'clot' : 'bubble';
    expect(await currentOf(runs[1], '1')).toMatchObject({ id: v1.id, excluded: true, excludedReason: reason });
    const audit = (await iqcAuditSince(since)).filter((a) => a.labId === lab.labId);
    expect(audit.map((a) => [a.action, (a.details as { reason: string }).reason])).toEqual([['iqc.result.exclude', reason]]);
    expect(await statuses(lab.labId!, 'X3')).toEqual(await reference('X3-ref', { value: v1.value, excluded: true }));
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

});

describe('edits of one series at once', () => {
  it.each([
    ['correction, exclusion, new run', ['correct', 'exclude', 'post']],
    ['new run, exclusion, correction', ['post', 'exclude', 'correct']],
  ])('a correction, an exclusion of the next run\'s value and a new run at once (%s): the verdicts of the final data', async (_title, order) => {
    const instrument = `M-${order[0]}`;
    const runs = await series(lab, instrument, 0);
    const [vb, vc] = [await currentOf(runs[1], '1'), await currentOf(runs[2], '1')];
    const since = await lastAuditId();
    const calls: Record<string, () => Promise<unknown>> = {
      correct: () => correctResult(t.db, lab, { resultId: vb.id, value: value('1', 2.4), reason: 'transcription error' }, NOW),
      exclude: () => excludeResult(t.db, lab, { resultId: vc.id, reason: 'control vial left open' }, NOW),
      post: () => post(lab, runRows(instrument, 3, 2.2)),
    };
    await Promise.all(order.map((k) => calls[k]()));
    // the same data, one change after the other, in the other lab
    const ref = await series(other, `${instrument}-ref`, 2.4);
    await excludeResult(t.db, other, { resultId: (await currentOf(ref[2], '1')).id, reason: 'reference' }, NOW);
    await post(other, runRows(`${instrument}-ref`, 3, 2.2));
    const got = await verdicts(lab.labId!, instrument);
    expect(got).toHaveLength(4);
    expect(got).toEqual(await verdicts(other.labId!, `${instrument}-ref`));
    expect((await iqcAuditSince(since)).filter((a) => a.labId === lab.labId).map((a) => a.action).sort()).toEqual(['iqc.result.correct', 'iqc.result.exclude']);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});

// PostgreSQL only: SQLite's write transactions run one at a time, so a target saved during an import
// is saved before it (the import judges with it) or after it (and refused), never in between.
describe.skipIf(testBackend !== 'pg')('a target or a rule set saved while an import of the lab is under way', () => {
  it('waits for the import and is then refused as taking effect before its result; the result is judged with the target in force', async () => {
    const instrument = 'HOLD';
    const lot = 'K1-HOLD';
    const first = BASE + 10 * DAY;
    const t1 = first + DAY;
    await setManufacturerTargets(t.db, lab, { targets: [{ analyte: 'K', level: '1', lot, instrument, mean: 4, sd: 0.1, effectiveFrom: BASE - DAY }] }, BASE - DAY);
    await post(lab, [{ analyte: 'K', level: '1', lot, instrument, value: 4.05, measuredAt: new Date(first).toISOString() }]);
    // another session holds the runs' table, so the import stops at its first write, holding the lab's writer lock
    const holder = new pg.Client({ connectionString: t.file });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE iqc_runs IN SHARE ROW EXCLUSIVE MODE');
      const importing = post(lab, [{ analyte: 'K', level: '1', lot, instrument, value: 4.05, measuredAt: new Date(t1).toISOString() }]);
      await waitFor(async () => (await holder.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'iqc_runs'::regclass`)).rows[0].n > 0);
      const target = setManufacturerTargets(t.db, lab, { targets: [{ analyte: 'K', level: '1', lot, instrument, mean: 5, sd: 0.1, effectiveFrom: t1 - 2 * 60 * MIN }] }, NOW);
      const rules = setRuleConfig(t.db, lab, { analyte: 'K', rules: ['1-3s'], effectiveFrom: new Date(t1 - 2 * 60 * MIN).toISOString() }, NOW);
      await new Promise((r) => setTimeout(r, 200));
      await holder.query('COMMIT');
      await importing;
      expect(refusals(await Promise.allSettled([target, rules]))).toEqual(['iqc.targetsBeforeLastResult:409', 'iqc.ruleSetBeforeLastRun:409']);
    } finally {
      await holder.end();
    }
    const judged = await sqlRows<{ z: number; version: number }>(t.db,
      'SELECT r.z AS z, q.version AS version FROM iqc_results r JOIN control_lots l ON l.id = r.control_lot_id JOIN qc_targets q ON q.id = r.target_id WHERE l.lot_number = ? AND l.lab_id = ? AND r.measured_at = ?', lot, lab.labId, t1);
    expect(judged).toEqual([{ z: expect.closeTo(0.5, 9), version: 1 }]);
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await check()) return;
  throw new Error('timed out waiting');
}
