// db/bulk.ts: the one typed bulk writer, against a real migrated database (SQLite, or PostgreSQL in
// the integration-pg project, where the writer is db/pg/bulk-writer.ts and flush() is awaited).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { bulkInsert, bulkInsertRows, bulkWriter, insertColumns, MAX_BOUND_PARAMETERS, rowsPerChunk } from '@/db/bulk';
import { analytes, controlLots, iqcResults, iqcRuns, iqcViolations, laboratories } from '@/db/schema';
import { createSeededTestDb, sqlRows, testBackend, type TestDb } from '../support/db';
import { first } from '@/db/dialect';

const onPg = testBackend === 'pg';
/** SQLite's synchronous bulkInsert; on PostgreSQL the awaited bulkInsertRows (the same writer) */
const insert = async <T extends SQLiteTable>(table: T, rows: readonly T['$inferInsert'][], opts: { rowsPerStatement?: number } = {}) =>
  onPg ? await bulkInsertRows(t.db, table, rows, opts) : bulkInsert(t.db, table, rows, opts);
/** a boolean column as each backend reads it back in raw SQL (SQLite 1/0) */
const bool = (b: boolean) => (onPg ? b : Number(b));
/** a JSON column as each backend reads it back in raw SQL (SQLite text, PostgreSQL jsonb parsed) */
const json = (v: unknown) => (onPg ? v : JSON.stringify(v));
const row1 = async (text: string, ...params: unknown[]) => (await sqlRows(t.db, text, ...params))[0];

let t: TestDb;
let labId: number;
let analyteId: number;
let lotId: number;

beforeAll(async () => {
  t = await createSeededTestDb();
  labId = first(await t.db.select().from(laboratories).limit(1))!.id;
  analyteId = first(await t.db.select().from(analytes).limit(1))!.id;
  lotId = (await t.db.insert(controlLots).values({ labId, analyteId, level: '1', lotNumber: 'L1', instrument: 'A', createdAt: 0 }).returning())[0].id;
});
afterAll(() => t.close());

const run = (i: number): typeof iqcRuns.$inferInsert => ({
  labId,
  analyteId,
  instrument: 'A',
  measuredAt: 1_000 + i,
  status: 'accepted',
  rules: ['1_3s'],
  evaluatedAt: 5,
  source: 'api',
  createdAt: 5,
});

describe('rowsPerChunk', () => {
  test.each([
    // [columns, limit, preferred, expected]: hand computed floor(limit / columns), capped by preferred
    [14, MAX_BOUND_PARAMETERS.sqlite, 64, 64],
    [14, 500, 64, 35], // floor(500 / 14) = 35
    [14, MAX_BOUND_PARAMETERS.sqlite, 5_000, 2_340], // floor(32766 / 14) = 2340
    [16, MAX_BOUND_PARAMETERS.postgres, 10_000, 4_095], // floor(65535 / 16) = 4095
    [40_000, MAX_BOUND_PARAMETERS.sqlite, 64, 1], // wider than the limit: one row per statement
  ])('%i columns, limit %i, preferred %i → %i rows', (columns, limit, preferred, expected) => {
    expect(rowsPerChunk(columns, limit, preferred)).toBe(expected);
  });
});

describe('insertColumns', () => {
  test('takes the schema order of the table, without the autoincrement id', () => {
    expect(insertColumns(iqcViolations).map((c) => c.name)).toEqual(['run_id', 'lab_id', 'analyte_id', 'rule', 'levels', 'measured_at']);
    expect(insertColumns(iqcResults).map((c) => c.key)).toEqual([
      'runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'category', 'signal', 'measuredAt', 'targetId', 'z', 'version', 'current', 'supersedesId', 'reason', 'excluded', 'excludedReason', 'createdBy', 'createdAt',
    ]);
  });
});

describe('bulkWriter', () => {
  test('left-out columns take the schema default or NULL; JSON and boolean columns are converted', async () => {
    const [runId] = await insert(iqcRuns, [run(0)]);
    const [resultId] = await insert(iqcResults, [{ runId, labId, analyteId, controlLotId: lotId, level: '1', value: 4.2, measuredAt: 1_000, createdAt: 7 }]);
    await insert(iqcViolations, [{ runId, labId, analyteId, rule: '1_3s', levels: ['1', '2'], measuredAt: 1_000 }]);
    const raw = await row1('SELECT version, current, excluded, z, reason FROM iqc_results WHERE id = ?', resultId);
    // iqc_results: version default 1, current default true, excluded default false, z and reason nullable
    expect(raw).toEqual({ version: 1, current: bool(true), excluded: bool(false), z: null, reason: null });
    expect(await row1('SELECT rules FROM iqc_runs WHERE id = ?', runId)).toEqual({ rules: json(['1_3s']) });
    expect(await row1('SELECT levels FROM iqc_violations WHERE run_id = ?', runId)).toEqual({ levels: json(['1', '2']) });
  });

  test.each([1, 63, 64, 65, 128, 200])('%i rows at 64 per statement: all written, ids in the order added', async (n) => {
    const rows = Array.from({ length: n }, (_, i) => run(10_000 * n + i));
    const ids = await insert(iqcRuns, rows, { rowsPerStatement: 64 });
    expect(ids).toHaveLength(n);
    const stored = await sqlRows<{ id: number; measuredAt: number }>(t.db, 'SELECT id, measured_at AS measuredAt FROM iqc_runs WHERE measured_at >= ? AND measured_at < ? ORDER BY id', 1_000 + 10_000 * n, 1_000 + 10_000 * n + n);
    expect(stored.map((r) => r.id)).toEqual(ids);
    expect(stored.map((r) => r.measuredAt)).toEqual(rows.map((r) => r.measuredAt));
  });

  // SQLite writes a full chunk as soon as it is added (its bound-parameter limit); PostgreSQL's
  // writer binds one array per column and writes at flush
  test.skipIf(onPg)('a chunk as large as the bound-parameter limit allows is accepted by SQLite', () => {
    // 13 insertable iqc_runs columns: floor(32766 / 13) = 2520 rows in one statement
    const w = bulkWriter(t.db, iqcRuns, { rowsPerStatement: 1_000_000, returnIds: true });
    for (let i = 0; i < 2_521; i++) w.add(run(5_000_000 + i));
    expect(w.written).toBe(2_520);
    w.flush();
    expect(w.written).toBe(2_521);
    expect(new Set(w.ids).size).toBe(2_521);
  });

  test('with `columns`, only those are bound: the others take their SQL default, and the stored row is the one the full writer stores', async () => {
    const [runId] = await insert(iqcRuns, [run(7_000_000)]);
    const row = { runId, labId, analyteId, controlLotId: lotId, level: '2', value: 5.5, measuredAt: 7_000_000, createdAt: 9 };
    const [full] = await insert(iqcResults, [row]);
    const narrow = bulkWriter(t.db, iqcResults, { columns: ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'measuredAt', 'createdAt'], returnIds: true });
    narrow.add({ ...row, measuredAt: 7_000_001 });
    await narrow.flush();
    const read = async (id: number) => (await row1('SELECT * FROM iqc_results WHERE id = ?', id)) as Record<string, unknown>;
    const { id: _a, measured_at: _b, ...fullRow } = await read(full);
    const { id: _c, measured_at: at, ...narrowRow } = await read(narrow.ids[0]);
    expect(at).toBe(7_000_001);
    // SQL defaults version 1, current true, excluded false; the rest NULL
    expect(narrowRow).toEqual(fullRow);
    expect(narrowRow).toMatchObject({ version: 1, current: bool(true), excluded: bool(false), z: null, category: null, excluded_reason: null });
    expect(() => bulkWriter(t.db, iqcResults, { columns: ['runId', 'nope' as 'runId'] })).toThrow(/no insertable column nope/);
  });

  test('a row breaking a constraint fails the whole statement (the caller rolls back)', async () => {
    // (a control lot's item that does not exist: a key both backends declare; the keys of the IQC
    // writer's runs and results are checked by that writer on PostgreSQL, FOREIGN_KEYS_CHECKED_BY_WRITER)
    const error = await insert(controlLots, [{ labId, analyteId: 999_999_999, level: '1', lotNumber: 'L-missing', instrument: 'A', createdAt: 0 }]).then(
      () => null,
      (e: unknown) => e as Error,
    );
    // the driver's error (PostgreSQL: drizzle's "Failed query", caused by the constraint violation)
    const messages: string[] = [];
    for (let e = error as { message?: string; cause?: unknown } | null; e; e = e.cause as typeof e) messages.push(String(e.message));
    expect(messages.join(' | ')).toMatch(/FOREIGN KEY|foreign key/);
  });
});
