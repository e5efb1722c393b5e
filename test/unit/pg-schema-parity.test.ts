// Issue 14: the PostgreSQL schema (db/pg/schema) mirrors the SQLite one (db/schema) table by table:
// same tables, columns, nullability, defaults, primary keys, unique and plain indexes (names,
// columns, partial conditions) and foreign keys, read with each dialect's getTableConfig. The only
// differences allowed are the type mapping and the keys db/pg/differences.ts declares (lab_id in the
// keys of lab-owned tables for Citus, the partition column of iqc_results), each exactly as declared.
// When this fails after a schema change: `npx tsx db/pg/generate-schema.ts`, then
// `flock /tmp/labqc-migrate.lock npx drizzle-kit generate --config drizzle.pg.config.ts --name <area>_<what>`
// (the snapshot test below fails until that migration exists).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Column, is, SQL, StringChunk } from 'drizzle-orm';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import * as sqliteSchema from '@/db/schema/sqlite';
import * as pgSchema from '@/db/pg/schema';
import { FOREIGN_KEYS_CHECKED_BY_WRITER, isWideInteger, JSON_KEPT_AS_WRITTEN, LAB_FOREIGN_KEYS, LAB_OWNED_TABLES, labForeignKeyName, PARTITIONED_BY_MONTH, PRIMARY_KEY_OVERRIDES, TYPE_MAP, UNIQUE_INDEX_OVERRIDES } from '@/db/pg/differences';

type AnyConfig = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>;

/** An index expression or condition as text over column names, with SQLite's 0/1 booleans as false/true. */
function sqlText(s: SQL): string {
  let text = '';
  for (const chunk of s.queryChunks) {
    if (is(chunk, StringChunk)) text += chunk.value.join('');
    else if (is(chunk, Column)) text += chunk.name;
    else text += '?';
  }
  return text.replace(/"/g, '').replace(/= 1\b/g, '= true').replace(/= 0\b/g, '= false').toLowerCase().trim();
}

function shape(cfg: AnyConfig) {
  const singlePk = cfg.columns.filter((c) => c.primary).map((c) => c.name);
  const composite = cfg.primaryKeys.map((pk) => pk.columns.map((c) => c.name));
  return {
    columns: Object.fromEntries(
      cfg.columns.map((c) => [c.name, { notNull: c.notNull || c.primary, hasDefault: c.hasDefault && c.default !== undefined, default: is(c.default, SQL) ? 'sql' : c.default, enumValues: c.enumValues ?? [] }]),
    ),
    primaryKey: composite.length ? composite : singlePk.length ? [singlePk] : [],
    indexes: Object.fromEntries(
      cfg.indexes.map((i) => [
        i.config.name,
        { unique: !!i.config.unique, columns: i.config.columns.map((c) => (is(c, SQL) ? sqlText(c) : (c as Column).name)), where: i.config.where ? sqlText(i.config.where) : null },
      ]),
    ),
    foreignKeys: cfg.foreignKeys
      .map((fk) => {
        const r = fk.reference();
        return `${r.name ? `${r.name}: ` : ''}${r.columns.map((c) => c.name).join(',')} -> ${getName(r.foreignTable)}(${r.foreignColumns.map((c) => c.name).join(',')})${fk.onDelete && fk.onDelete !== 'no action' ? ` on delete ${fk.onDelete}` : ''}`;
      })
      .sort(),
  };
}

function getName(t: SQLiteTable | PgTable): string {
  return t instanceof PgTable ? pgConfig(t).name : sqliteConfig(t as SQLiteTable).name;
}

const sqliteTables = new Map(
  (Object.values(sqliteSchema) as unknown[])
    .filter((v): v is SQLiteTable => v instanceof SQLiteTable)
    .map((t) => [sqliteConfig(t).name, sqliteConfig(t)]),
);
const pgTables = new Map(
  (Object.values(pgSchema) as unknown[])
    .filter((v): v is PgTable => v instanceof PgTable)
    .map((t) => [pgConfig(t).name, pgConfig(t)]),
);

describe('PostgreSQL schema parity with the SQLite schema', () => {
  it('has the same tables', () => {
    expect(sqliteTables.size).toBeGreaterThan(40);
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
  });

  it.each([...sqliteTables.keys()].sort())('%s: same columns, nullability, defaults, keys, indexes and foreign keys', (name) => {
    const s = sqliteTables.get(name)!;
    const p = pgTables.get(name);
    expect(p, `${name} is missing from db/pg/schema: run npx tsx db/pg/generate-schema.ts`).toBeDefined();
    const want = shape(s);
    const got = shape(p!);
    // the allowed differences, each a key widened by lab_id (Citus) or the partition column only
    const widening = ['lab_id', ...(PARTITIONED_BY_MONTH[name] ? [PARTITIONED_BY_MONTH[name]] : [])];
    const override = PRIMARY_KEY_OVERRIDES[name];
    if (override) {
      expect(got.primaryKey).toEqual([override]);
      expect(override.slice(0, want.primaryKey[0].length)).toEqual(want.primaryKey[0]);
      expect(override.slice(want.primaryKey[0].length).every((c) => widening.includes(c))).toBe(true);
      got.primaryKey = want.primaryKey;
    }
    for (const [index, i] of Object.entries(want.indexes) as [string, ReturnType<typeof shape>['indexes'][string]][]) {
      const columns = UNIQUE_INDEX_OVERRIDES[index];
      if (!columns) continue;
      expect(i.unique).toBe(true);
      expect(got.indexes[index]?.columns).toEqual(columns);
      expect(columns.slice(0, i.columns.length)).toEqual(i.columns);
      expect(columns.slice(i.columns.length).every((c) => widening.includes(c))).toBe(true);
      got.indexes[index] = { ...got.indexes[index], columns: i.columns };
    }
    // (lab_id, column) → target(lab_id, id) on PostgreSQL for a declared column, column → target(id) on SQLite;
    // none on PostgreSQL for a key the evaluation's writer checks set-wise
    want.foreignKeys = want.foreignKeys
      .filter((fk) => !(FOREIGN_KEYS_CHECKED_BY_WRITER as readonly string[]).includes(`${name}.${fk.split(' ')[0]}`))
      .map((fk) => {
        const m = /^(\w+) -> (\w+)\((\w+)\)$/.exec(fk);
        return m && (LAB_FOREIGN_KEYS as readonly string[]).includes(`${name}.${m[1]}`) ? `${labForeignKeyName(name, m[1])}: lab_id,${m[1]} -> ${m[2]}(lab_id,${m[3]})` : fk;
      })
      .sort();
    expect(got).toEqual(want);
  });

  it.each([...sqliteTables.keys()].sort())('%s: column types map as db/pg/differences.ts says', (name) => {
    const p = pgTables.get(name)!;
    const pgTypes = new Map(p.columns.map((c) => [c.name, c.columnType]));
    for (const c of sqliteTables.get(name)!.columns) {
      const allowed = TYPE_MAP[c.columnType as keyof typeof TYPE_MAP] as readonly string[] | undefined;
      expect(allowed, `${name}.${c.name}: no mapping for ${c.columnType}`).toBeDefined();
      const keptAsWritten = (JSON_KEPT_AS_WRITTEN as readonly string[]).includes(`${name}.${c.name}`);
      const expected = c.columnType === 'SQLiteInteger' ? (isWideInteger(c.name) ? 'PgBigInt53' : 'PgInteger') : keptAsWritten ? 'PgJson' : allowed![0];
      expect(`${c.name}: ${pgTypes.get(c.name)}`).toBe(`${c.name}: ${expected}`);
    }
  });

  it('declares only differences that exist: every overridden key, unique index and foreign key is in the SQLite schema', () => {
    for (const table of Object.keys(PRIMARY_KEY_OVERRIDES)) expect(sqliteTables.has(table), table).toBe(true);
    const uniques = [...sqliteTables.values()].flatMap((t) => t.indexes.filter((i) => i.config.unique).map((i) => i.config.name));
    for (const index of Object.keys(UNIQUE_INDEX_OVERRIDES)) expect(uniques, index).toContain(index);
    for (const fk of LAB_FOREIGN_KEYS) {
      const [table, column] = fk.split('.');
      const target = sqliteTables.get(table)!.foreignKeys.map((f) => f.reference()).find((r) => r.columns.length === 1 && r.columns[0].name === column)?.foreignTable;
      expect(target, fk).toBeDefined();
      // both sides are lab-owned: that is what the composite key is for
      expect(LAB_OWNED_TABLES, fk).toContain(table);
      expect(LAB_OWNED_TABLES, fk).toContain(getName(target!));
    }
    for (const fk of FOREIGN_KEYS_CHECKED_BY_WRITER) {
      const [table, column] = fk.split('.');
      expect(sqliteTables.get(table)!.foreignKeys.some((f) => f.reference().columns.map((c) => c.name).join() === column), fk).toBe(true);
      expect(LAB_FOREIGN_KEYS as readonly string[], fk).not.toContain(fk);
    }
  });

  it('is Citus-ready: a lab-owned table has lab_id in its primary key, its unique indexes and its foreign keys to other lab-owned tables', () => {
    const gaps: string[] = [];
    for (const name of LAB_OWNED_TABLES) {
      const cfg = pgTables.get(name)!;
      const { primaryKey, indexes } = shape(cfg);
      if (!cfg.columns.some((c) => c.name === 'lab_id')) gaps.push(`${name} has no lab_id`);
      if (!primaryKey[0]?.includes('lab_id')) gaps.push(`${name}: primary key`);
      for (const [index, i] of Object.entries(indexes) as [string, ReturnType<typeof shape>['indexes'][string]][]) if (i.unique && !i.columns.includes('lab_id')) gaps.push(`${name}: ${index}`);
      for (const fk of cfg.foreignKeys.map((f) => f.reference())) {
        const target = getName(fk.foreignTable);
        if ((LAB_OWNED_TABLES as readonly string[]).includes(target) && !(fk.columns[0].name === 'lab_id' && fk.foreignColumns[0].name === 'lab_id')) gaps.push(`${name}: foreign key to ${target}`);
      }
    }
    expect(gaps).toEqual([]);
  });

  it('db/migrations-pg is generated from this schema (its latest drizzle-kit snapshot has the same tables, columns, types and indexes)', () => {
    const journal = JSON.parse(fs.readFileSync('db/migrations-pg/meta/_journal.json', 'utf8')) as { entries: { idx: number }[] };
    const last = String(journal.entries.at(-1)!.idx).padStart(4, '0');
    const snapshot = JSON.parse(fs.readFileSync(`db/migrations-pg/meta/${last}_snapshot.json`, 'utf8')) as {
      tables: Record<string, { name: string; columns: Record<string, { type: string; notNull: boolean }>; indexes: Record<string, unknown> }>;
    };
    const fromSnapshot = Object.values(snapshot.tables)
      .map((t) => ({ name: t.name, columns: Object.entries(t.columns).map(([n, c]) => `${n} ${c.type}${c.notNull ? ' not null' : ''}`).sort(), indexes: Object.keys(t.indexes).sort() }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const fromSchema = [...pgTables.values()]
      .map((t) => ({ name: t.name, columns: t.columns.map((c) => `${c.name} ${c.getSQLType()}${c.notNull || c.primary ? ' not null' : ''}`).sort(), indexes: t.indexes.map((i) => i.config.name!).sort() }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(fromSnapshot, 'run: flock /tmp/labqc-migrate.lock npx drizzle-kit generate --config drizzle.pg.config.ts --name <area>_<what>').toEqual(fromSchema);
  });

  it('maps by the stated rules: epoch ms and ids to bigint, real to double precision, JSON to jsonb, 0/1 to boolean', () => {
    const col = (t: string, c: string) => pgTables.get(t)!.columns.find((x) => x.name === c)!;
    expect(col('iqc_results', 'measured_at').getSQLType()).toBe('bigint');
    expect(col('iqc_results', 'id').getSQLType()).toBe('bigint');
    expect(col('iqc_results', 'value').getSQLType()).toBe('double precision');
    expect(col('iqc_runs', 'rules').getSQLType()).toBe('jsonb');
    // the audit details stay the text they were sealed over (JSON_KEPT_AS_WRITTEN)
    expect(col('audit_log', 'details').getSQLType()).toBe('json');
    expect(col('iqc_results', 'current').getSQLType()).toBe('boolean');
    expect(col('eqa_schemes', 'min_peer_group_size').getSQLType()).toBe('integer');
    // the partial unique index keeps its meaning: current = 1 on SQLite is current = true here
    const dedup = pgTables.get('iqc_results')!.indexes.find((i) => i.config.name === 'iqc_results_dedup_uq')!;
    expect(sqlText(dedup.config.where!)).toBe('current = true');
  });
});
