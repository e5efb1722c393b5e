// Issue 14: the PostgreSQL bulk writer's COPY path (db/pg/copy-from.ts, used for batches of
// PG_COPY_MIN_ROWS rows or more; binary format, db/pg/copy-binary.ts) stores exactly what its unnest
// path stores: every column type (bigint, integer, double precision, text, boolean, json, jsonb),
// NULLs, quotes, tabs, backslashes, newlines, carriage returns, unicode, the text "\N" and JSON
// holding all of these; ids given ahead or taken from the identity sequence, into a plain and a
// partitioned table, inside a transaction. The text format (a table whose types are not given)
// stores the same. The binary format rests on every column's type in the pg-core schema being the
// migrated database's, which is checked for every table. PostgreSQL only (skipped without
// TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, getTableColumns, getTableName, inArray, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as pgSchema from '@/db/pg/schema';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { analytes, auditLog, controlLots, entityVersions, iqcResults, iqcRuns, laboratories, regions } from '@/db/pg/schema';
import { pgBulkWriter, type PgBulkMethod } from '@/db/pg/bulk-writer';
import { copyColumns, copyField, PG_COPY_MIN_ROWS } from '@/db/pg/copy-from';
import { createPgTestDatabase, pgUrl, type PgTestDatabase } from '@/test/support/pg';
import { migratedTemplate } from '@/test/support/pg-template';

/** Text that COPY's text format must escape, and text it must leave alone. */
const NASTY = [
  '',
  'plain',
  "it's \"quoted\"",
  'tab\there',
  'line\nbreak',
  'carriage\rreturn\r\n',
  'back\\slash \\N \\t \\\\',
  '\\N',
  '\\.',
  'NULL',
  '检验科 质控 — ümlaut ☃ 🧪',
  ' leading and trailing ',
  ',;|{}[]',
];

function writerRows(count: number, salt: string) {
  return Array.from({ length: count }, (_, i) => {
    const s = NASTY[i % NASTY.length];
    return {
      code: `${salt}-${i}-${s}`,
      loinc: i % 3 === 0 ? null : s,
      nameEn: s,
      nameZh: `项目 ${i} ${s}`,
      unit: 'mmol/L',
      category: 'chemistry' as const,
      kind: 'nominal' as const,
      categories: i % 4 === 0 ? null : [{ code: `c${i}`, label: s, nested: { q: '"', b: '\\', tab: '\t', nl: '\n', u: '☃', n: null, t: true, x: [1.5, -2e-9] } }],
      signalUnit: null,
      signalCutoff: i % 5 === 0 ? null : [0, -0.1, 1e-7, 123456789.123456, -3.5e300][i % 5],
      teaPercent: i * 0.1,
      teaAbsolute: null,
      teaAbsoluteAtOrBelow: null,
      teaForm: i % 2 ? ('threshold' as const) : null,
      teaSource: s,
      allowableCvPercent: 1 / 3,
      allowableBiasPercent: Number.MAX_VALUE,
      cvSource: s,
      ncclEqaRange: null,
      cliaLimit: null,
      cliaConfidence: null,
      notes: `${s}\n${s}`,
      active: i % 2 === 0,
      createdAt: 1_764_000_000_000 + i,
      updatedAt: Number.MAX_SAFE_INTEGER - i,
    };
  });
}

async function write<T extends SQLiteTable>(db: PgDB, table: unknown, rows: Record<string, unknown>[], method: PgBulkMethod, ids: { returnIds?: boolean; givenIds?: number[] } = {}): Promise<number[]> {
  return db.transaction(async (tx) => {
    const w = pgBulkWriter(tx, table as T, { ...ids }, method);
    for (const r of rows) w.add(r as T['$inferInsert']);
    await w.flush();
    expect(w.written).toBe(rows.length);
    return w.ids;
  });
}

/** A row as stored, without the columns that differ between the two copies. */
function comparable(row: Record<string, unknown>, drop: string[]): Record<string, unknown> {
  const out = { ...row };
  for (const k of drop) delete out[k];
  return out;
}

describe.skipIf(!pgUrl)('the PostgreSQL bulk writer: COPY stores what unnest stores', () => {
  let t: PgTestDatabase;
  let db: PgDB;

  beforeAll(async () => {
    t = await createPgTestDatabase('labqc_copy', await migratedTemplate());
    db = openPostgres(t.url, { max: 2 });
  });
  afterAll(async () => {
    await db?.$client.end();
    await t?.drop();
  });

  it("every column's type in the pg-core schema is the migrated database's (COPY's binary format writes by it)", async () => {
    const tables = Object.values(pgSchema as Record<string, unknown>).filter((t): t is PgTable => is(t, PgTable));
    expect(tables.length).toBeGreaterThan(40);
    const { rows } = await db.$client.query<{ table: string; column: string; type: string }>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const stored = new Map(rows.map((r) => [`${r.table}.${r.column}`, r.type]));
    const mismatched: string[] = [];
    let checked = 0;
    for (const t of tables) {
      for (const col of Object.values(getTableColumns(t))) {
        const key = `${getTableName(t)}.${col.name}`;
        checked++;
        if (stored.get(key) !== col.getSQLType()) mismatched.push(`${key}: schema ${col.getSQLType()}, database ${stored.get(key)}`);
      }
    }
    expect(checked).toBeGreaterThan(400);
    expect(mismatched).toEqual([]);
  });

  it('the text format (no column types given) stores what the binary format stores; a value the type refuses fails the transaction in both', async () => {
    const names = ['entity_type', 'entity_id', 'version', 'data', 'reason', 'changed_at'];
    const types = ['text', 'bigint', 'integer', 'jsonb', 'text', 'bigint'];
    const rows = 50;
    const columns = (salt: number) => [
      Array.from({ length: rows }, (_, i) => NASTY[i % NASTY.length] || 'x'),
      Array.from({ length: rows }, (_, i) => salt * 1000 + i),
      Array.from({ length: rows }, (_, i) => i % 7),
      Array.from({ length: rows }, (_, i) => JSON.stringify({ s: NASTY[i % NASTY.length], x: i / 3 })),
      Array.from({ length: rows }, (_, i) => (i % 2 ? null : NASTY[i % NASTY.length])),
      Array.from({ length: rows }, (_, i) => 1_764_000_000_000 + i),
    ];
    const copy = (salt: number, binary: boolean, cols = columns(salt)) =>
      db.transaction(async (tx) => copyColumns(tx, 'entity_versions', names, cols, rows, binary ? types : undefined));
    expect(await copy(5, true)).toBe(rows);
    expect(await copy(6, false)).toBe(rows);
    const read = async (salt: number) =>
      (await db.select().from(entityVersions).where(inArray(entityVersions.entityId, columns(salt)[1] as number[])).orderBy(asc(entityVersions.entityId))).map((r) => comparable(r, ['id', 'entityId']));
    const binaryRows = await read(5);
    expect(binaryRows).toHaveLength(rows);
    expect(await read(6)).toEqual(binaryRows);
    // version is an integer: 1.5 is refused by the encoder (binary) and by PostgreSQL (text)
    for (const binary of [true, false]) {
      const cols = columns(binary ? 7 : 8);
      cols[2][rows - 1] = 1.5;
      await expect(copy(binary ? 7 : 8, binary, cols)).rejects.toThrow(/integer/);
      expect(await read(binary ? 7 : 8)).toEqual([]);
    }
  });

  it('escapes fields for COPY text format', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField(true)).toBe('t');
    expect(copyField(false)).toBe('f');
    expect(copyField(-1.5e-9)).toBe('-1.5e-9');
    expect(copyField(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(copyField(Buffer.from([0, 255]))).toBe('\\\\x00ff');
  });

  it('every column type, NULLs and awkward text: the same rows through COPY (binary and text) and unnest (ids from the sequence)', async () => {
    const n = 600;
    const viaUnnest = await write(db, analytes, writerRows(n, 'u'), 'unnest', { returnIds: true });
    const viaCopy = await write(db, analytes, writerRows(n, 'c'), 'copy', { returnIds: true });
    expect(viaCopy).toHaveLength(n);
    expect(new Set([...viaUnnest, ...viaCopy]).size).toBe(2 * n);
    const a = await db.select().from(analytes).where(inArray(analytes.id, viaUnnest)).orderBy(asc(analytes.id));
    const b = await db.select().from(analytes).where(inArray(analytes.id, viaCopy)).orderBy(asc(analytes.id));
    // the ids come back in the order the rows were added
    expect(b.map((r) => r.id)).toEqual(viaCopy);
    expect(b.map((r) => comparable(r, ['id', 'code']))).toEqual(a.map((r) => comparable(r, ['id', 'code'])));
    // COPY's text format stores the same
    const viaText = await write(db, analytes, writerRows(n, 't'), 'copy-text', { returnIds: true });
    const c = await db.select().from(analytes).where(inArray(analytes.id, viaText)).orderBy(asc(analytes.id));
    expect(c.map((r) => comparable(r, ['id', 'code']))).toEqual(b.map((r) => comparable(r, ['id', 'code'])));
    // and all equal what was written
    const expected = writerRows(n, 'c');
    expect(b.map((r) => r.code)).toEqual(expected.map((r) => r.code));
    expect(b.map((r) => comparable(r, ['id']))).toEqual(expected.map((r) => comparable(r, [])));
  });

  it('integer and jsonb (objects, strings, numbers) with NULLs, in a table with a foreign key', async () => {
    const rows = (salt: number) =>
      Array.from({ length: 200 }, (_, i) => ({
        entityType: NASTY[i % NASTY.length] || 'x',
        entityId: salt * 1000 + i,
        version: i % 7,
        data: [{ s: NASTY[i % NASTY.length] }, 'a "string" \\ with\ttab', 42.125, [null, false], { deep: { deeper: ['☃', '\\'] } }][i % 5] as never,
        reason: i % 2 ? null : NASTY[i % NASTY.length],
        changedBy: null,
        changedAt: 1_764_000_000_000 + i,
      }));
    const u = await write(db, entityVersions, rows(1), 'unnest', { returnIds: true });
    const c = await write(db, entityVersions, rows(2), 'copy', { returnIds: true });
    const a = await db.select().from(entityVersions).where(inArray(entityVersions.id, u)).orderBy(asc(entityVersions.id));
    const b = await db.select().from(entityVersions).where(inArray(entityVersions.id, c)).orderBy(asc(entityVersions.id));
    expect(b.map((r) => comparable(r, ['id', 'entityId']))).toEqual(a.map((r) => comparable(r, ['id', 'entityId'])));
    expect(b.map((r) => r.data)).toEqual(rows(2).map((r) => r.data));
  });

  it('ids given ahead, into the partitioned iqc_results, and a NULL jsonb beside a JSON null', async () => {
    // the rows' run, lot and analyte (foreign keys), one of each per lab
    const now = Date.UTC(2026, 10, 1);
    const [region] = await db.insert(regions).values({ code: '990000', name: '测试', nameEn: 'Test', level: 'province', path: '/990000/', createdAt: now, updatedAt: now }).returning();
    const [analyte] = await db.insert(analytes).values({ ...writerRows(1, 'iqc')[0], kind: 'quantitative', categories: null }).returning();
    const refs = new Map<number, { run: number; lot: number }>();
    const labIds: number[] = [];
    for (const code of ['LA', 'LB']) {
      const [lab] = await db.insert(laboratories).values({ code, name: code, level: 'secondary', regionId: region.id, createdAt: now, updatedAt: now }).returning();
      const [lot] = await db.insert(controlLots).values({ labId: lab.id, analyteId: analyte.id, level: '1', lotNumber: 'LOT', createdAt: now }).returning();
      const [run] = await db.insert(iqcRuns).values({ labId: lab.id, analyteId: analyte.id, measuredAt: now, status: 'accepted', rules: [], evaluatedAt: now, source: 'csv', createdAt: now }).returning();
      refs.set(lab.id, { run: run.id, lot: lot.id });
      labIds.push(lab.id);
    }
    const [labA, labB] = labIds;
    const rows = (lab: number) =>
      Array.from({ length: 300 }, (_, i) => ({
        runId: refs.get(lab)!.run,
        labId: lab,
        analyteId: analyte.id,
        controlLotId: refs.get(lab)!.lot,
        level: NASTY[i % NASTY.length] || '1',
        value: i / 7,
        category: i % 3 ? null : NASTY[i % NASTY.length],
        signal: null,
        measuredAt: Date.UTC(2026, 10, 1) + i * 3_600_000,
        targetId: null,
        z: i % 2 ? -i / 3 : null,
        version: 1,
        current: i % 5 !== 0,
        supersedesId: null,
        reason: NASTY[(i + 3) % NASTY.length],
        excluded: i % 2 === 0,
        excludedReason: null,
        createdBy: null,
        createdAt: 1,
      }));
    const seq = (await db.$client.query(`SELECT nextval(pg_get_serial_sequence('iqc_results', 'id')) AS id FROM generate_series(1, 600)`)).rows.map((r) => Number(r.id));
    const u = await write(db, iqcResults, rows(labA), 'unnest', { givenIds: seq.slice(0, 300) });
    const c = await write(db, iqcResults, rows(labB), 'copy', { givenIds: seq.slice(300) });
    expect(u).toEqual(seq.slice(0, 300));
    expect(c).toEqual(seq.slice(300));
    const a = await db.select().from(iqcResults).where(inArray(iqcResults.id, seq.slice(0, 300))).orderBy(asc(iqcResults.id));
    const b = await db.select().from(iqcResults).where(inArray(iqcResults.id, seq.slice(300))).orderBy(asc(iqcResults.id));
    expect(b.map((r) => r.id)).toEqual(seq.slice(300));
    expect(b.map((r) => comparable(r, ['id', 'labId', 'runId', 'controlLotId']))).toEqual(a.map((r) => comparable(r, ['id', 'labId', 'runId', 'controlLotId'])));

    // jsonb: SQL NULL (a null value) and the JSON value null stay apart in both paths
    const audit = (salt: string) => [
      { at: 1, action: `${salt}-a`, details: null },
      { at: 2, action: `${salt}-b`, details: { n: null, s: '\\N', t: '\t' } as never },
    ];
    const ua = await write(db, auditLog, audit('u'), 'unnest', { returnIds: true });
    const ca = await write(db, auditLog, audit('c'), 'copy', { returnIds: true });
    const x = await db.select().from(auditLog).where(inArray(auditLog.id, [...ua, ...ca])).orderBy(asc(auditLog.id));
    expect(x.map((r) => r.details)).toEqual([null, { n: null, s: '\\N', t: '\t' }, null, { n: null, s: '\\N', t: '\t' }]);
  });

  it('auto: a large batch goes through COPY, a small one through unnest, same rows; a failing COPY fails the transaction', async () => {
    const big = writerRows(PG_COPY_MIN_ROWS, 'auto');
    const ids = await write(db, analytes, big, 'auto', { returnIds: true });
    expect(ids).toHaveLength(PG_COPY_MIN_ROWS);
    const back = await db.select({ code: analytes.code, notes: analytes.notes, categories: analytes.categories }).from(analytes).where(inArray(analytes.id, ids)).orderBy(asc(analytes.id));
    expect(back).toEqual(big.map((r) => ({ code: r.code, notes: r.notes, categories: r.categories })));
    // the same codes again: the unique key refuses them, the COPY fails and nothing of it stays
    const before = (await db.$client.query('SELECT count(*)::int AS n FROM analytes')).rows[0].n;
    await expect(write(db, analytes, big, 'copy', { returnIds: true })).rejects.toThrow(/analytes_code_uq|duplicate key/);
    expect((await db.$client.query('SELECT count(*)::int AS n FROM analytes')).rows[0].n).toBe(before);
  });
});
