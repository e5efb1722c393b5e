// Writes the pg-core schema (db/pg/schema/*.ts) from the sqlite-core one (db/schema/*.ts), file by
// file and table by table: same table, column, index and key names, types mapped as db/pg/differences.ts
// says, JSON columns typed from the SQLite row types. Run it after every schema change:
//   npx tsx db/pg/generate-schema.ts          (then: drizzle-kit generate --config drizzle.pg.config.ts)
//   npx tsx db/pg/generate-schema.ts --check  (exit 1 if the files on disk are stale)
// test/unit/pg-schema-parity.test.ts compares the two schemas independently of this generator.
import fs from 'node:fs';
import path from 'node:path';
import { Column, getTableColumns, is, SQL, StringChunk } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { FOREIGN_KEYS_CHECKED_BY_WRITER, isWideInteger, JSON_KEPT_AS_WRITTEN, LAB_FOREIGN_KEYS, labForeignKeyName, PRIMARY_KEY_OVERRIDES, UNIQUE_INDEX_OVERRIDES } from './differences';

const root = process.cwd();
const sqliteDir = path.join(root, 'db/schema');
const outDir = path.join(root, 'db/pg/schema');

interface Found {
  file: string;
  exportName: string;
  table: SQLiteTable;
}

/** The schema files in db/schema/sqlite.ts order, and the tables each exports. */
async function readSqliteSchema(): Promise<{ files: string[]; tables: Found[] }> {
  const index = fs.readFileSync(path.join(sqliteDir, 'sqlite.ts'), 'utf8');
  const files = [...index.matchAll(/export \* from '\.\/([\w-]+)'/g)].map((m) => m[1]);
  const tables: Found[] = [];
  for (const file of files) {
    const mod = (await import(path.join(sqliteDir, `${file}.ts`))) as Record<string, unknown>;
    // in the order the file defines them (a module namespace lists its exports alphabetically)
    const source = fs.readFileSync(path.join(sqliteDir, `${file}.ts`), 'utf8');
    const at = (name: string) => source.search(new RegExp(`export const ${name}\\b`));
    const found = Object.entries(mod).filter((e): e is [string, SQLiteTable] => e[1] instanceof SQLiteTable);
    for (const [exportName, table] of found.sort((a, b) => at(a[0]) - at(b[0]))) tables.push({ file, exportName, table });
  }
  return { files, tables };
}

function keyOf(table: SQLiteTable, column: Column): string {
  const entry = Object.entries(getTableColumns(table)).find(([, c]) => c === column);
  if (!entry) throw new Error(`column ${column.name} not found in its table`);
  return entry[0];
}

/** Source text of a `sql` fragment over the table's columns (`t.<key>`), for index expressions. */
function sqlSource(s: SQL, table: SQLiteTable, booleans: Set<string>): string {
  let text = '';
  for (const chunk of s.queryChunks) {
    if (is(chunk, StringChunk)) text += chunk.value.join('');
    else if (is(chunk, Column)) text += `\${t.${keyOf(table, chunk)}}`;
    else throw new Error(`unsupported chunk in an index expression of ${getTableConfig(table).name}`);
  }
  // SQLite stores booleans as 0/1; PostgreSQL compares with true/false
  text = text.replace(/\b(\w+) = ([01])\b/g, (m, col: string, v: string) => (booleans.has(col) ? `"${col}" = ${v === '1'}` : m));
  return `sql\`${text}\``;
}

function literal(v: unknown): string {
  return JSON.stringify(v).replace(/"/g, "'");
}

function generateTable(f: Found, byTable: Map<SQLiteTable, Found>, used: Set<string>, imports: Map<string, Set<string>>): string {
  const cfg = getTableConfig(f.table);
  const columns = getTableColumns(f.table);
  const booleans = new Set(cfg.columns.filter((c) => c.columnType === 'SQLiteBoolean').map((c) => c.name));
  const pkOverride = PRIMARY_KEY_OVERRIDES[cfg.name];
  const fkByColumn = new Map<string, { table: SQLiteTable; column: Column }>();
  const composite: string[] = [];
  for (const fk of cfg.foreignKeys) {
    const r = fk.reference();
    if (r.columns.length !== 1) throw new Error(`${cfg.name}: composite foreign keys are not generated yet`);
    if (fk.onDelete || fk.onUpdate) throw new Error(`${cfg.name}: ON DELETE/UPDATE actions are not generated yet`);
    fkByColumn.set(r.columns[0].name, { table: r.foreignTable as SQLiteTable, column: r.foreignColumns[0] });
  }
  if (cfg.uniqueConstraints.length || cfg.checks.length) throw new Error(`${cfg.name}: unique constraints and checks are not generated yet`);

  const lines: string[] = [];
  for (const [key, col] of Object.entries(columns)) {
    const name = col.name;
    let code: string;
    switch (col.columnType) {
      case 'SQLiteInteger':
        code = isWideInteger(name) ? `bigint('${name}', { mode: 'number' })` : `integer('${name}')`;
        used.add(isWideInteger(name) ? 'bigint' : 'integer');
        break;
      case 'SQLiteReal':
        code = `doublePrecision('${name}')`;
        used.add('doublePrecision');
        break;
      case 'SQLiteText':
        code = col.enumValues?.length ? `text('${name}', { enum: [${col.enumValues.map(literal).join(', ')}] })` : `text('${name}')`;
        used.add('text');
        break;
      case 'SQLiteTextJson': {
        const json = (JSON_KEPT_AS_WRITTEN as readonly string[]).includes(`${cfg.name}.${name}`) ? 'json' : 'jsonb';
        code = `${json}('${name}').$type<Exclude<(typeof s.${f.exportName}.$inferSelect)['${key}'], null>>()`;
        used.add(json);
        used.add('type s');
        break;
      }
      case 'SQLiteBoolean':
        code = `boolean('${name}')`;
        used.add('boolean');
        break;
      default:
        throw new Error(`${cfg.name}.${name}: no PostgreSQL type for ${col.columnType}`);
    }
    const autoIncrement = (col as unknown as { autoIncrement?: boolean }).autoIncrement;
    if (col.primary && !pkOverride) code += '.primaryKey()';
    if (autoIncrement) code += '.generatedByDefaultAsIdentity()';
    if (col.notNull && !(col.primary && !pkOverride)) code += '.notNull()';
    if (col.hasDefault && col.default !== undefined) {
      if (is(col.default, SQL)) {
        const text = sqlSource(col.default, f.table, booleans).slice(4, -1);
        code += `.default(sql\`${text}${col.columnType === 'SQLiteTextJson' ? `::${(JSON_KEPT_AS_WRITTEN as readonly string[]).includes(`${cfg.name}.${name}`) ? 'json' : 'jsonb'}` : ''}\`)`;
        used.add('sql');
      } else code += `.default(${literal(col.default)})`;
    }
    // a foreign key the evaluation's writer checks set-wise is not declared on PostgreSQL (differences.ts)
    const fk = (FOREIGN_KEYS_CHECKED_BY_WRITER as readonly string[]).includes(`${cfg.name}.${name}`) ? undefined : fkByColumn.get(name);
    if (fk) {
      const target = byTable.get(fk.table)!;
      const targetKey = keyOf(fk.table, fk.column);
      if (target.file !== f.file) {
        if (!imports.has(target.file)) imports.set(target.file, new Set());
        imports.get(target.file)!.add(target.exportName);
      }
      if ((LAB_FOREIGN_KEYS as readonly string[]).includes(`${cfg.name}.${name}`)) {
        // between lab-owned tables: (lab_id, column) → target(lab_id, column), in the table's extras
        composite.push(
          `foreignKey({ name: '${labForeignKeyName(cfg.name, name)}', columns: [t.labId, t.${key}], foreignColumns: [${target.exportName}.labId, ${target.exportName}.${targetKey}] })`,
        );
        used.add('foreignKey');
      } else if (fk.table === f.table) {
        code += `.references((): AnyPgColumn => ${target.exportName}.${targetKey})`;
        used.add('type AnyPgColumn');
      } else code += `.references(() => ${target.exportName}.${targetKey})`;
    }
    lines.push(`    ${key}: ${code},`);
  }

  const extras: string[] = [];
  const pks = pkOverride ? [pkOverride.map((n) => cfg.columns.find((c) => c.name === n)!)] : cfg.primaryKeys.map((pk) => pk.columns);
  for (const pkCols of pks) {
    extras.push(`primaryKey({ columns: [${pkCols.map((c) => `t.${keyOf(f.table, c)}`).join(', ')}] })`);
    used.add('primaryKey');
  }
  for (const idx of cfg.indexes) {
    const c = idx.config;
    const fn = c.unique ? 'uniqueIndex' : 'index';
    used.add(fn);
    const on = c.columns.map((x) => (is(x, SQL) ? (used.add('sql'), sqlSource(x, f.table, booleans)) : `t.${keyOf(f.table, x as Column)}`));
    const uniqueOverride = UNIQUE_INDEX_OVERRIDES[c.name!];
    if (uniqueOverride) on.splice(0, on.length, ...uniqueOverride.map((n) => `t.${keyOf(f.table, cfg.columns.find((x) => x.name === n)!)}`));
    let code = `${fn}('${c.name}').on(${on.join(', ')})`;
    if (c.where) {
      code += `.where(${sqlSource(c.where, f.table, booleans)})`;
      used.add('sql');
    }
    extras.push(code);
  }
  extras.push(...composite);
  const body = `{\n${lines.join('\n')}\n  }`;
  if (!extras.length) return `export const ${f.exportName} = pgTable('${cfg.name}', ${body});\n`;
  return `export const ${f.exportName} = pgTable(\n  '${cfg.name}',\n  ${body},\n  (t) => [\n${extras.map((e) => `    ${e},`).join('\n')}\n  ],\n);\n`;
}

function generateFile(file: string, tables: Found[], byTable: Map<SQLiteTable, Found>): string {
  const used = new Set<string>(['pgTable']);
  const imports = new Map<string, Set<string>>();
  const bodies = tables.map((t) => generateTable(t, byTable, used, imports));
  const core = ['pgTable', 'bigint', 'integer', 'text', 'doublePrecision', 'boolean', 'json', 'jsonb', 'index', 'uniqueIndex', 'primaryKey', 'foreignKey', 'type AnyPgColumn'].filter((n) => used.has(n));
  const head = [
    `// GENERATED by db/pg/generate-schema.ts from db/schema/${file}.ts: do not edit by hand.`,
    '// The PostgreSQL mirror of the SQLite tables (issue 14); row types are the SQLite ones (db/pg/schema/row-types.ts).',
  ];
  if (used.has('sql')) head.push(`import { sql } from 'drizzle-orm';`);
  head.push(`import { ${core.join(', ')} } from 'drizzle-orm/pg-core';`);
  if (used.has('type s')) head.push(`import type * as s from '../../schema/${file}';`);
  for (const [other, names] of [...imports].sort()) head.push(`import { ${[...names].sort().join(', ')} } from './${other}';`);
  return `${head.join('\n')}\n\n${bodies.join('\n')}`;
}

function generateRowTypes(tables: Found[]): string {
  const rows = tables.map((t) => `  ${t.exportName}: [Same<typeof pg.${t.exportName}.$inferSelect, typeof sqlite.${t.exportName}.$inferSelect>, Same<typeof pg.${t.exportName}.$inferInsert, typeof sqlite.${t.exportName}.$inferInsert>];`);
  return `// GENERATED by db/pg/generate-schema.ts: do not edit by hand.
// One row type per table for both backends: the SQLite schema's row types are the source, and
// \`tsc --noEmit\` fails here if a PostgreSQL table selects or inserts anything else.
import type * as sqlite from '../../schema';
import type * as pg from './index';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type RowTypeParity = {
${rows.join('\n')}
};

export const rowTypesAgree: { [K in keyof RowTypeParity]: [true, true] } = null as unknown as RowTypeParity;
`;
}

async function main() {
  const check = process.argv.includes('--check');
  const { files, tables } = await readSqliteSchema();
  const byTable = new Map(tables.map((t) => [t.table, t]));
  const out = new Map<string, string>();
  for (const file of files) out.set(`${file}.ts`, generateFile(file, tables.filter((t) => t.file === file), byTable));
  out.set('index.ts', `// GENERATED by db/pg/generate-schema.ts: the PostgreSQL schema, one file per db/schema file.\n${files.map((f) => `export * from './${f}';`).join('\n')}\n`);
  out.set('row-types.ts', generateRowTypes(tables));
  fs.mkdirSync(outDir, { recursive: true });
  const stale: string[] = [];
  for (const [name, text] of out) {
    const p = path.join(outDir, name);
    const current = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
    if (current === text) continue;
    stale.push(name);
    if (!check) fs.writeFileSync(p, text);
  }
  console.log(`${tables.length} tables in ${files.length} files: ${stale.length ? `${check ? 'stale' : 'written'}: ${stale.join(', ')}` : 'up to date'}`);
  if (check && stale.length) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
