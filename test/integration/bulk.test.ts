// db/bulk.ts: the one typed bulk writer, against a real migrated SQLite file.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bulkInsert, bulkWriter, insertColumns, MAX_BOUND_PARAMETERS, rowsPerChunk } from '@/db/bulk';
import { analytes, controlLots, iqcResults, iqcRuns, iqcViolations, laboratories } from '@/db/schema';
import { createSeededTestDb, type TestDb } from '../support/db';
import { first } from '@/db/dialect';

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
  test('left-out columns take the schema default or NULL; JSON and boolean columns are converted', () => {
    const [runId] = bulkInsert(t.db, iqcRuns, [run(0)]);
    const [resultId] = bulkInsert(t.db, iqcResults, [{ runId, labId, analyteId, controlLotId: lotId, level: '1', value: 4.2, measuredAt: 1_000, createdAt: 7 }]);
    bulkInsert(t.db, iqcViolations, [{ runId, labId, analyteId, rule: '1_3s', levels: ['1', '2'], measuredAt: 1_000 }]);
    const raw = t.db.$client.prepare('SELECT version, current, excluded, z, reason FROM iqc_results WHERE id = ?').get(resultId);
    // iqc_results: version default 1, current default true (1), excluded default false (0), z and reason nullable
    expect(raw).toEqual({ version: 1, current: 1, excluded: 0, z: null, reason: null });
    expect(t.db.$client.prepare('SELECT rules FROM iqc_runs WHERE id = ?').get(runId)).toEqual({ rules: '["1_3s"]' });
    expect(t.db.$client.prepare('SELECT levels FROM iqc_violations WHERE run_id = ?').get(runId)).toEqual({ levels: '["1","2"]' });
  });

  test.each([1, 63, 64, 65, 128, 200])('%i rows at 64 per statement: all written, ids in the order added', (n) => {
    const rows = Array.from({ length: n }, (_, i) => run(10_000 * n + i));
    const ids = bulkInsert(t.db, iqcRuns, rows, { rowsPerStatement: 64 });
    expect(ids).toHaveLength(n);
    const stored = t.db.$client.prepare<[number, number], { id: number; measuredAt: number }>('SELECT id, measured_at AS measuredAt FROM iqc_runs WHERE measured_at >= ? AND measured_at < ? ORDER BY id').all(1_000 + 10_000 * n, 1_000 + 10_000 * n + n);
    expect(stored.map((r) => r.id)).toEqual(ids);
    expect(stored.map((r) => r.measuredAt)).toEqual(rows.map((r) => r.measuredAt));
  });

  test('a chunk as large as the bound-parameter limit allows is accepted by SQLite', () => {
    // 12 insertable iqc_runs columns: floor(32766 / 12) = 2730 rows in one statement
    const w = bulkWriter(t.db, iqcRuns, { rowsPerStatement: 1_000_000, returnIds: true });
    for (let i = 0; i < 2_731; i++) w.add(run(5_000_000 + i));
    expect(w.written).toBe(2_730);
    w.flush();
    expect(w.written).toBe(2_731);
    expect(new Set(w.ids).size).toBe(2_731);
  });

  test('with `columns`, only those are bound: the others take their SQL default, and the stored row is the one the full writer stores', () => {
    const [runId] = bulkInsert(t.db, iqcRuns, [run(7_000_000)]);
    const row = { runId, labId, analyteId, controlLotId: lotId, level: '2', value: 5.5, measuredAt: 7_000_000, createdAt: 9 };
    const [full] = bulkInsert(t.db, iqcResults, [row]);
    const narrow = bulkWriter(t.db, iqcResults, { columns: ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'measuredAt', 'createdAt'], returnIds: true });
    narrow.add({ ...row, measuredAt: 7_000_001 });
    narrow.flush();
    const read = t.db.$client.prepare('SELECT * FROM iqc_results WHERE id = ?');
    const { id: _a, measured_at: _b, ...fullRow } = read.get(full) as Record<string, unknown>;
    const { id: _c, measured_at: at, ...narrowRow } = read.get(narrow.ids[0]) as Record<string, unknown>;
    expect(at).toBe(7_000_001);
    // SQL defaults version 1, current true (1), excluded false (0); the rest NULL
    expect(narrowRow).toEqual(fullRow);
    expect(narrowRow).toMatchObject({ version: 1, current: 1, excluded: 0, z: null, category: null, excluded_reason: null });
    expect(() => bulkWriter(t.db, iqcResults, { columns: ['runId', 'nope' as 'runId'] })).toThrow(/no insertable column nope/);
  });

  test('a row breaking a constraint fails the whole statement (the caller rolls back)', () => {
    expect(() => bulkInsert(t.db, iqcViolations, [{ runId: 999_999_999, labId, analyteId, rule: 'x', levels: [], measuredAt: 0 }])).toThrow(/FOREIGN KEY/);
  });
});
