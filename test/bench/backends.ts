// `npm run bench -- --db postgres [--scale 0.05] [--only iqc,eqa,verify]` (issue 14): the IQC ingest,
// the EQA evaluation and verify requests/s on SQLite and on PostgreSQL in the same run, side by side.
// Each part runs once per backend in a child process (test/bench/backend-part.ts; the backend is
// chosen once per process): SQLite in a new file, PostgreSQL in a fresh database created for the
// part in the cluster of DATABASE_URL (else TEST_DATABASE_URL) and dropped afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { isPostgresUrl } from '@/db/pg/url';

/** One measured figure: what, in which unit, the value; `variant` tells apart two ways of measuring
 * the same thing on one backend (PostgreSQL's unnest and COPY writers). */
export interface Figure {
  measure: string;
  unit: 'results/s' | 's' | 'requests/s' | 'µs/result' | 'ms/post';
  value: number;
  variant?: string;
  detail?: string;
}

export const FIGURES_PREFIX = '@figures ';

export const COMPARE_PARTS = ['iqc', 'eqa', 'verify'] as const;
/** The scale of each part when none is given: about 58,000 IQC results and 500 labs' certifications
 * (a minute on a shared 2-core machine), and the EQA round at the size, 2,000,000 results (a
 * few minutes), since its aim is a time at that size. Scale 1 is the issues' size (1 M IQC results,
 * 2 M EQA results); `--scale` sets every part's. */
export const COMPARE_DEFAULT_SCALES: Record<(typeof COMPARE_PARTS)[number], number> = { iqc: 0.05, eqa: 1, verify: 0.05 };

type Backend = 'sqlite' | 'pg';

/** The PostgreSQL cluster to create the bench databases in, or undefined. */
export function benchClusterUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isPostgresUrl(env.DATABASE_URL)) return env.DATABASE_URL;
  if (isPostgresUrl(env.TEST_DATABASE_URL)) return env.TEST_DATABASE_URL;
  return undefined;
}

async function admin<T>(cluster: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: cluster });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/** A fresh database in the cluster; `drop()` removes it (its connections are closed by force). */
async function freshDatabase(cluster: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `labqc_bench_${randomBytes(4).toString('hex')}`;
  await admin(cluster, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`));
  const u = new URL(cluster);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => admin(cluster, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
}

/** Run one part on one backend in a child process; its output is shown indented, its figures returned. */
function runPart(part: string, scale: number, backend: Backend, databaseUrl?: string): Promise<Figure[]> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.TEST_BACKEND;
  delete env.DATABASE_REPLICA_URLS;
  if (backend === 'pg') env.DATABASE_URL = databaseUrl;
  const tsx = path.resolve('node_modules/.bin/tsx');
  const child = spawn(tsx, ['test/bench/backend-part.ts', part, String(scale)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let figures: Figure[] | undefined;
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(FIGURES_PREFIX)) figures = JSON.parse(line.slice(FIGURES_PREFIX.length)) as Figure[];
    else console.log(`  ${line}`);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && figures ? resolve(figures) : reject(new Error(`${part} on ${backend}: exit ${code}`))));
  });
}

const fmt = (x: number, unit: Figure['unit']) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: unit === 'ms/post' ? 2 : unit === 's' || unit === 'µs/result' ? 1 : 0, minimumFractionDigits: unit === 'ms/post' ? 2 : unit === 's' || unit === 'µs/result' ? 1 : 0 }) : '—';

/** The side-by-side table: one row per measure (and PostgreSQL variant), SQLite and PostgreSQL columns. */
export function figureTable(byBackend: Record<Backend, Figure[]>): string {
  const rows: { measure: string; unit: string; sqlite: string; pg: string; detail: string }[] = [];
  const key = (f: Figure) => f.measure;
  // SQLite's measures in their order, each PostgreSQL-only one after the measure it follows there
  const order = [...new Set(byBackend.sqlite.map(key))];
  let after = -1;
  for (const k of new Set(byBackend.pg.map(key))) {
    const at = order.indexOf(k);
    if (at >= 0) after = at;
    else order.splice(++after, 0, k);
  }
  for (const measure of order) {
    const lite = byBackend.sqlite.filter((x) => key(x) === measure);
    const post = byBackend.pg.filter((x) => key(x) === measure);
    const f = lite[0] ?? post[0];
    const n = Math.max(lite.length, post.length);
    for (let i = 0; i < n; i++) {
      const p = post[i];
      rows.push({
        measure: i === 0 ? f.measure : '',
        unit: f.unit,
        sqlite: lite[i] ? fmt(lite[i].value, f.unit) + (lite[i].variant ? ` (${lite[i].variant})` : '') : '',
        pg: p ? fmt(p.value, f.unit) + (p.variant ? ` (${p.variant})` : '') : '—',
        detail: [lite[i]?.detail, p?.detail && p.detail !== lite[i]?.detail ? `PostgreSQL: ${p.detail}` : undefined].filter(Boolean).join('; '),
      });
    }
  }
  const head = { measure: 'measure', unit: 'unit', sqlite: 'SQLite', pg: 'PostgreSQL', detail: '' };
  const all = [head, ...rows];
  const w = (k: keyof typeof head) => Math.max(...all.map((r) => r[k].length));
  const line = (r: typeof head) => `${r.measure.padEnd(w('measure'))}  ${r.unit.padEnd(w('unit'))}  ${r.sqlite.padStart(w('sqlite'))}  ${r.pg.padStart(w('pg'))}  ${r.detail}`.trimEnd();
  return [line(head), '-'.repeat(w('measure') + w('unit') + w('sqlite') + w('pg') + 8), ...rows.map(line)].join('\n');
}

export async function compareBackends(opts: { scale?: number; only?: string[]; cluster: string }): Promise<void> {
  const parts = COMPARE_PARTS.filter((p) => !opts.only || opts.only.includes(p));
  const byBackend: Record<Backend, Figure[]> = { sqlite: [], pg: [] };
  const failures: string[] = [];
  const u = new URL(opts.cluster);
  const scaleOf = (part: (typeof COMPARE_PARTS)[number]) => opts.scale ?? COMPARE_DEFAULT_SCALES[part];
  const scales = parts.map((p) => `${p} ${scaleOf(p)}`).join(', ');
  console.log(`SQLite and PostgreSQL side by side (scale ${scales}; scale 1 is the issues' size); PostgreSQL at ${u.hostname}:${u.port || 5432}, a fresh database per part, dropped afterwards`);
  for (const part of parts) {
    for (const backend of ['sqlite', 'pg'] as const) {
      console.log(`\n== ${part} on ${backend === 'pg' ? 'PostgreSQL' : 'SQLite'} ==`);
      const db = backend === 'pg' ? await freshDatabase(opts.cluster) : undefined;
      try {
        byBackend[backend].push(...(await runPart(part, scaleOf(part), backend, db?.url)));
      } catch (e) {
        failures.push((e as Error).message);
        console.error(`  FAILED: ${(e as Error).message}`);
      } finally {
        await db?.drop();
      }
    }
  }
  console.log(`\n== SQLite and PostgreSQL, scale ${scales} ==\n${figureTable(byBackend)}`);
  if (failures.length) {
    console.log(`\nfailed: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}
