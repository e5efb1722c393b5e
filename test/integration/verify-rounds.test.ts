// Single verify checks on PostgreSQL answered in rounds (lib/services/recognition/verification.ts,
// rounds.ts): each check is answered by a round that started after it arrived, one statement for the
// round's stamps, labs and items, the pairs from the in-memory index. Checked here on the demo data:
// the answers are the single check's SQL answers (refusals included, each to its own check); a
// decision committed while a round runs — after that round read its stamp — is seen by a check that
// arrives after the commit (it waits for the next round); a failed round fails each of its checks;
// a thousand checks at once take a handful of statements, and the checks beyond a full queued round
// are answered on their own. PostgreSQL only: SQLite answers each check with its own statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSeededTestDb, sqlRows, testBackend } from '@/test/support/db';
import { sql } from 'drizzle-orm';
import { rawRun } from '@/db/dialect';
import { createRandom } from '@/db/seed/random';
import { seedRecognition } from '@/db/seed/recognition';
import { errorBody } from '@/lib/errors';
import { addDays } from '@/lib/calendar';
import { MAX_ROUND_CHECKS, parseCheck, verifyCheckBySql, verifyRecognition } from '@/lib/services/recognition/verification';
import { insertCertification, insertCertificationEvent } from '@/db/queries/certifications';
import { withTx } from '@/db/tx';
import { ROUND_CHANGES_LIMIT } from '@/db/pg/public';
import { lockAppendOrder } from '@/db/pg/audit-chain';
import type { DB } from '@/db/client';
import { NOW, TODAY, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
type Check = { lab?: unknown; analyte?: unknown; date?: unknown; asOf?: unknown };

describe.skipIf(testBackend !== 'pg')('single verify checks in rounds (PostgreSQL)', () => {
  let w: World;
  const rows = async <T,>(sql: string, ...p: unknown[]) => await sqlRows<T>(w.db, sql, ...p);
  /** A reader of its own (an app instance's pool): its own rounds and verify index. */
  const reader = async (max = 4) => {
    const { openPostgres } = await import('@/db/pg/client');
    const pgdb = openPostgres(w.file, { max });
    return { db: pgdb as unknown as DB, pool: pgdb.$client, close: () => pgdb.$client.end() };
  };
  const outcome = async (p: Promise<unknown>) => {
    try {
      return await p;
    } catch (e) {
      return errorBody(e).body;
    }
  };
  const bySql = (db: DB, c: Check) => outcome((async () => await verifyCheckBySql(db, parseCheck(c, NOW)))());

  beforeAll(async () => {
    w = await createSeededTestDb();
    for (const lab of ['GZ-001', 'GZ-002', 'SZ-001', 'HZ-001'])
      for (const a of ['K', 'NA', 'GLU']) await addGoodEvidence(w.db, await labId(w.db, lab), await analyteId(w.db, a));
    await seedRecognition({ db: w.db, now: NOW, random: createRandom(1), admin: w.admin, regulators: w.regulators, labManagers: w.labManagers, log: () => {} });
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('answers each check of random rounds as its own SQL does, refusals to their own check (property)', async () => {
    const r = await reader();
    try {
      const certs = await rows<{ lab: string; analyte: string; loinc: string | null; validFrom: string; validTo: string }>(
        `SELECT l.code AS lab, a.code AS analyte, a.loinc, c.valid_from AS validFrom, c.valid_to AS validTo
         FROM certifications c JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id`,
      );
      expect(new Set((await rows<{ status: string }>('SELECT status FROM certifications')).map((x) => x.status))).toEqual(new Set(['active', 'suspended', 'revoked', 'expired']));
      const days = [...new Set(certs.flatMap((c) => [c.validFrom, c.validTo]).flatMap((d) => [addDays(d, -1), d, addDays(d, 1)])), TODAY];
      const labs = [...new Set(certs.map((c) => c.lab)), 'GZ-005', ' GZ-001 ', 'XX-999', 'gz-001'];
      const items = [...new Set(certs.flatMap((c) => [c.analyte, c.analyte.toLowerCase(), ...(c.loinc ? [`loinc:${c.loinc}`] : [])])), 'loinc:0000-0', 'NOPE'];
      const arbCheck = fc.record({ lab: fc.constantFrom(...labs), analyte: fc.constantFrom(...items), date: fc.constantFrom(...days), asOf: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }) })
        .map((c) => ({ ...c, asOf: c.asOf === undefined ? undefined : addDays(c.date, c.asOf) }));
      await fc.assert(
        fc.asyncProperty(fc.array(arbCheck, { minLength: 1, maxLength: 60 }), async (checks) => {
          // a few at a time without waiting for the answers: they share rounds, some arrive while one runs
          const pending: Promise<unknown>[] = [];
          for (const [i, c] of checks.entries()) {
            if (i % 7 === 6) await new Promise((res) => setImmediate(res));
            pending.push(outcome(verifyRecognition(r.db, c, { now: NOW })));
          }
          const answers = await Promise.all(pending);
          for (const [i, c] of checks.entries()) expect(answers[i]).toEqual(await bySql(w.db, c));
        }),
        { numRuns: 40, seed: 14 },
      );
    } finally {
      await r.close();
    }
  });

  it('a decision committed while a round runs, after it read its stamp, is seen by a check that arrives after the commit', async () => {
    const scope = (await rows<{ id: number }>(`SELECT id FROM regions WHERE code = '440000'`))[0].id;
    const pairs = [{ labId: await labId(w.db, 'GZ-006'), analyteId: await analyteId(w.db, 'TP') }, { labId: await labId(w.db, 'GZ-007'), analyteId: await analyteId(w.db, 'TP') }];
    const certs: { id: number }[] = [];
    for (const [i, p] of pairs.entries()) {
      const c = await insertCertification(w.db, { ...p, scopeRegionId: scope, scope: '广东省', mark: '广东HR', certificateNo: `T-ROUND-${i}`, status: 'active', validFrom: '2026-01-01', validTo: '2099-12-31', createdAt: NOW, updatedAt: NOW });
      await insertCertificationEvent(w.db, { certificationId: c.id, ...p, action: 'approve', fromStatus: null, toStatus: 'active', effectiveOn: '2026-01-01', reason: 'test', actorId: null, at: NOW });
      certs.push(c);
    }
    // one connection: the round's statements and the test's own queue on it in turn
    const r = await reader(1);
    try {
      const check = (lab: string) => ({ lab, analyte: 'TP', date: TODAY, asOf: TODAY });
      expect(await verifyRecognition(r.db, check('GZ-007'), { now: NOW })).toMatchObject({ reason: 'recognized' }); // GZ-007 TP is in the index now
      let acquired = 0;
      let stall: Promise<unknown> | undefined;
      let roundReadItsStamp!: () => void;
      const afterStamp = new Promise<void>((res) => (roundReadItsStamp = res));
      r.pool.on('acquire', () => {
        acquired++;
        // the round's one statement has the connection: the test's sleep queues behind it, then the round's
        // read of the pair it is missing (GZ-006 TP) behind the sleep
        if (acquired === 1) stall = r.pool.query('SELECT pg_sleep(0.6)');
        if (acquired === 2) roundReadItsStamp();
      });
      const first = verifyRecognition(r.db, check('GZ-006'), { now: NOW });
      await afterStamp; // the round read its stamp and now waits for the connection
      await withTx(w.db, async (tx) => void (await insertCertificationEvent(tx, { certificationId: certs[1].id, ...pairs[1], action: 'suspend', fromStatus: 'active', toStatus: 'suspended', effectiveOn: TODAY, reason: 'test', actorId: null, at: NOW })));
      // committed; this check arrives while the round that read the older stamp still runs
      const after = verifyRecognition(r.db, check('GZ-007'), { now: NOW });
      expect(await first).toMatchObject({ reason: 'recognized' });
      expect(await after).toMatchObject({ recognized: false, reason: 'suspended' });
      await stall;
      expect(acquired).toBeGreaterThanOrEqual(4); // the round's stamp, the sleep, the round's pair read, the next round
    } finally {
      await r.close();
    }
  });

  it(`more than ${ROUND_CHANGES_LIMIT} new events since the index's stamp: the round leaves them to the index's own read, and the change is seen`, async () => {
    const scope = (await rows<{ id: number }>(`SELECT id FROM regions WHERE code = '440000'`))[0].id;
    const pair = { labId: await labId(w.db, 'GZ-008'), analyteId: await analyteId(w.db, 'TP') };
    const cert = await insertCertification(w.db, { ...pair, scopeRegionId: scope, scope: '广东省', mark: '广东HR', certificateNo: 'T-ROUND-MANY', status: 'active', validFrom: '2026-01-01', validTo: '2099-12-31', createdAt: NOW, updatedAt: NOW });
    await insertCertificationEvent(w.db, { certificationId: cert.id, ...pair, action: 'approve', fromStatus: null, toStatus: 'active', effectiveOn: '2026-01-01', reason: 'test', actorId: null, at: NOW });
    const r = await reader();
    try {
      const check = { lab: 'GZ-008', analyte: 'TP', date: TODAY, asOf: TODAY };
      expect(await verifyRecognition(r.db, check, { now: NOW })).toMatchObject({ reason: 'recognized' });
      // more unrelated events than a round reads (rejections of another pair), then the suspension
      await withTx(w.db, async (tx) => {
        await lockAppendOrder(tx);
        await rawRun(tx, sql`INSERT INTO certification_events (certification_id, lab_id, analyte_id, action, from_status, to_status, effective_on, reason, actor_id, at)
          SELECT NULL, ${await labId(w.db, 'GZ-009')}, ${pair.analyteId}, 'reject', NULL, NULL, ${TODAY}, 'bulk', NULL, ${NOW} FROM generate_series(1, ${ROUND_CHANGES_LIMIT + 5})`);
        await insertCertificationEvent(tx, { certificationId: cert.id, ...pair, action: 'suspend', fromStatus: 'active', toStatus: 'suspended', effectiveOn: TODAY, reason: 'test', actorId: null, at: NOW });
      });
      expect(await verifyRecognition(r.db, check, { now: NOW })).toMatchObject({ recognized: false, reason: 'suspended' });
    } finally {
      await r.close();
    }
  });

  it('a round that fails fails each of its checks with its error', async () => {
    const r = await reader();
    await r.close();
    const settled = await Promise.allSettled(['GZ-001', 'GZ-002', 'XX-999'].map((lab) => verifyRecognition(r.db, { lab, analyte: 'K' }, { now: NOW })));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const reasons = settled.map((s) => (s as PromiseRejectedResult).reason as Error);
    expect(reasons[0]).toBeInstanceOf(Error);
    expect(reasons[1]).toBe(reasons[0]); // the one round's error
    expect(reasons[2]).toBe(reasons[0]);
  });

  it(`${MAX_ROUND_CHECKS} checks at once take a handful of statements; those beyond the full queued round are answered on their own`, async () => {
    const r = await reader();
    try {
      const certs = await rows<{ lab: string; analyte: string }>(`SELECT l.code AS lab, a.code AS analyte FROM certifications c JOIN laboratories l ON l.id = c.lab_id JOIN analytes a ON a.id = c.analyte_id ORDER BY c.id`);
      const checks = Array.from({ length: MAX_ROUND_CHECKS + 5 }, (_, i) => ({ ...certs[i % certs.length], date: addDays(TODAY, -(i % 200)) }));
      let statements = 0;
      r.pool.on('acquire', () => statements++);
      const answers = await Promise.all(checks.map((c) => outcome(verifyRecognition(r.db, c, { now: NOW }))));
      // one round of MAX_ROUND_CHECKS (stamps, policies, pairs: 3 statements), 5 checks by their own SQL
      // (lab, item, the pair on the day; the pair's bounds without a status that day; the policies
      // when the round has not loaded them yet)
      expect(statements).toBeGreaterThanOrEqual(3 + 5 * 3);
      expect(statements).toBeLessThanOrEqual(3 + 5 * 5);
      const expected = await Promise.all(checks.map((c) => bySql(w.db, c)));
      expect(answers).toEqual(expected);
      expect(new Set(answers.map((a) => (a as { reason: string }).reason)).size).toBeGreaterThan(2);
    } finally {
      await r.close();
    }
  });
});
