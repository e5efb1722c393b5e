// The embedded database and the base seed: migrations, pragmas, the append-only audit log, and the
// regions / catalogue / labs / accounts the demo starts from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, desc, eq, lt } from 'drizzle-orm';
import { withTx } from '@/db/tx';
import { insertAudit } from '@/db/queries/audit';
import { createSeededTestDb, testBackend } from '../support/db';
import { errorText } from '../support/errors';
import { countingStatements } from '../support/statements';
import { analytes, auditLog, laboratories, regions, users } from '@/db/schema';
import { signInWithPassword, actorForUserId } from '@/lib/auth/resolve';
import { flushEndedWindows, WINDOW_MS } from '@/lib/auth/throttle';
import { createLab } from '@/lib/services/labs';
import { createRegion } from '@/lib/services/regions';
import { updateAnalyte } from '@/lib/services/catalogue';
import { listEntityVersions } from '@/db/queries/versions';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { AppError } from '@/lib/errors';
import { first } from '@/db/dialect';
import { verifyAuditChain } from '@/db/queries/audit-chain';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
beforeAll(async () => {
  t = await createSeededTestDb();
});
afterAll(() => t.close());

describe('the embedded database', () => {
  it.skipIf(testBackend === 'pg')('runs in WAL mode with foreign keys and a busy timeout', () => {
    expect(t.db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(t.db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(t.db.$client.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
  });

  it('refuses to update or delete audit-log entries', async () => {
    const entry = first(await t.db.select().from(auditLog).limit(1))!;
    expect(await errorText(async () => await t.db.update(auditLog).set({ action: 'tampered' }).where(eq(auditLog.id, entry.id)))).toMatch(/append-only/);
    expect(await errorText(async () => await t.db.delete(auditLog).where(eq(auditLog.id, entry.id)))).toMatch(/append-only/);
  });

  it('chains the seed’s audit rows (each sealed in its transaction), and the chain verifies', async () => {
    const r = await verifyAuditChain(t.db);
    expect(r).toMatchObject({ ok: true });
    expect(r.rows).toBeGreaterThan(10);
  });

  it('an audit row appended in a write’s transaction is stored as given and sealed onto the row before it (PostgreSQL: in three statements, no savepoint)', async () => {
    const details = { reason: '更正 “K”', values: [1, 2.5, null], nested: { ok: true } };
    const statements: string[] = [];
    await countingStatements(t.db, statements, () =>
      withTx(t.db, async (tx) => {
        statements.length = 0;
        await insertAudit(tx, { action: 'test.append', entityType: 'lab', entityId: 7, details, at: 1_700_000_000_000 });
        if (testBackend === 'pg') {
          expect(statements.filter((s) => !/^(begin|commit)/i.test(s))).toHaveLength(3);
          expect(statements.some((s) => /savepoint/i.test(s))).toBe(false);
        }
      }),
    );
    const [row] = await t.db.select().from(auditLog).where(eq(auditLog.action, 'test.append'));
    expect(row).toMatchObject({ entityType: 'lab', entityId: '7', at: 1_700_000_000_000, details });
    const [prev] = await t.db.select().from(auditLog).where(lt(auditLog.id, row.id)).orderBy(desc(auditLog.id)).limit(1);
    expect(row.prevHash).toBe(prev.hash);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('enforces foreign keys', async () => {
    expect(await errorText(async () => await t.db.insert(laboratories).values({ code: 'X-1', name: 'x', level: 'primary', regionId: 99999, createdAt: 0, updatedAt: 0 }))).toMatch(/FOREIGN KEY/i);
  });
});

describe('the base seed', () => {
  it('creates two provinces with two cities each under the nation, with GB/T 2260 codes', async () => {
    const all = await t.db.select().from(regions);
    expect(all.map((r) => `${r.code}:${r.level}`).sort()).toEqual(
      ['100000:national', '330000:province', '330100:city', '330200:city', '440000:province', '440100:city', '440300:city'].sort(),
    );
    expect(all.find((r) => r.code === '440300')!.path).toBe('/100000/440000/440300/');
  });

  it('creates at least 40 laboratories of all three levels', async () => {
    const labs = await t.db.select().from(laboratories);
    expect(labs.length).toBeGreaterThanOrEqual(40);
    expect(new Set(labs.map((l) => l.level))).toEqual(new Set(['tertiary', 'secondary', 'primary']));
  });

  it('imports every analyte of quality-specs.csv and every item of lib/catalogue/items.csv with its TEa source and Chinese name', async () => {
    // 83 rows of quality-specs.csv + 148 rows of items.csv
    expect(first(await t.db.select({ n: count() }).from(analytes).limit(1))!.n).toBe(83 + 148);
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    expect(k).toMatchObject({ nameZh: '钾', teaPercent: 6, teaSource: 'WS/T 403-2024' });
  });

  it.each([
    ['admin@demo.labqc', 'admin', null, null],
    ['regulator.gd@demo.labqc', 'regulator', null, '440000'],
    ['regulator.sz@demo.labqc', 'regulator', null, '440300'],
    ['regulator.zj@demo.labqc', 'regulator', null, '330000'],
    ['lab1@demo.labqc', 'lab_manager', 'GZ-001', '440100'],
    ['lab2@demo.labqc', 'lab_manager', 'HZ-001', '330100'],
    ['hospital@demo.labqc', 'hospital', null, null],
  ])('demo account %s signs in with the demo password as %s', async (email, role, labCode, regionCode) => {
    const a = await signInWithPassword(t.db, email, 'labqc-demo');
    expect(a).toMatchObject({ role, labCode, regionCode });
  });

  it('never stores a password in clear', async () => {
    for (const u of await t.db.select().from(users)) {
      expect(u.passwordHash).not.toContain('labqc-demo');
      expect(u.passwordHash).toMatch(/^scrypt\$/);
    }
  });
});

describe('sign-in', () => {
  it('writes failures to the audit log once their window ends, without the unknown email typed', async () => {
    expect(await signInWithPassword(t.db, 'lab2@demo.labqc', 'wrong')).toBeNull();
    expect(await signInWithPassword(t.db, 'nobody@demo.labqc', 'labqc-demo')).toBeNull();
    await flushEndedWindows(t.db, Date.now() + WINDOW_MS + 1);
    const rows = await t.db.select().from(auditLog).where(eq(auditLog.action, 'auth.sign_in_failed'));
    expect(rows.map((r) => [r.actorEmail, (r.details as { reason: string }).reason])).toEqual(
      expect.arrayContaining([
        ['lab2@demo.labqc', 'wrong_password'],
        [null, 'unknown_email'],
      ]),
    );
    expect(JSON.stringify(rows)).not.toContain('nobody@demo.labqc');
  });

  it('a deactivated user can no longer act', async () => {
    const id = t.labManagers.get('NB-010')!.userId;
    await t.db.update(users).set({ active: false }).where(eq(users.id, id));
    expect(await actorForUserId(t.db, id)).toBeNull();
    expect(await signInWithPassword(t.db, 'manager.nb-010@demo.labqc', 'labqc-demo')).toBeNull();
  });
});

describe('administration refusals', () => {
  const expectCode = async (fn: () => unknown, code: string) => {
    try {
      await fn();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe(code);
      return;
    }
    throw new Error('expected a refusal');
  };

  it('a regulator cannot create a lab in another province', async () => {
    await expectCode(async () => await createLab(t.db, t.regulators.zj, { code: 'GZ-999', name: '测试', level: 'primary', regionCode: '440100' }), 'forbidden');
  });
  it('a lab code is registered in capitals: `sz-prb1` is SZ-PRB1, and no second lab in other letters', async () => {
    const made = await createLab(t.db, t.regulators.sz, { code: 'sz-prb1', name: '大小写测试', level: 'primary', regionCode: '440300' });
    expect(made.code).toBe('SZ-PRB1');
    await expectCode(async () => await createLab(t.db, t.regulators.sz, { code: 'SZ-prb1', name: '大小写测试', level: 'primary', regionCode: '440300' }), 'conflict');
  });
  it('a city regulator cannot create a lab in the other city of the province', async () => {
    await expectCode(async () => await createLab(t.db, t.regulators.sz, { code: 'GZ-998', name: '测试', level: 'primary', regionCode: '440100' }), 'forbidden');
  });
  it('a lab manager cannot create regions', async () => {
    await expectCode(async () => await createRegion(t.db, t.labManagers.get('GZ-001')!, { code: '440400', name: '珠海', nameEn: 'Zhuhai', level: 'city', parentCode: '440000' }), 'forbidden');
  });
  it('a regulator cannot edit the analyte catalogue', async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    await expectCode(async () => await updateAnalyte(t.db, t.regulators.gd, k.id, { ...k, teaPercent: 7 }, 'test'), 'forbidden');
  });
  it('an admin edit of an analyte keeps the previous version with its reason', async () => {
    const k = (await findAnalyteByCode(t.db, 'K'))!;
    await updateAnalyte(t.db, t.admin, k.id, { ...k, teaPercent: 7 }, 'WS/T update');
    expect((await findAnalyteByCode(t.db, 'K'))!.teaPercent).toBe(7);
    const versions = await listEntityVersions(t.db, 'analyte', k.id);
    expect(versions[0]).toMatchObject({ reason: 'WS/T update', data: expect.objectContaining({ teaPercent: 6 }) });
  });
});
