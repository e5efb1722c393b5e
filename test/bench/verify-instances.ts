// The verify part of `npm run bench -- --db postgres`: `GET /api/v1/verify` requests/s with keep-alive
// connections (autocannon) against TWO app instances sharing one PostgreSQL database, beside ONE
// instance on its SQLite file (SQLite serves from one process). The instances are the production
// server (`node <dist>/labqc-server/main.mjs`, the server compiled from the working tree into
// .next-bench over its existing page build; BENCH_VERIFY_SERVER=fast-path skips it) or, when it does
// not come up, the bare public fast path (lib/server/public-fast.ts behind node:http,
// test/bench/fast-path-server.ts); the figure says which. Beside requests/s (which on the shared
// machine measure the neighbours too) it gives the CPU the instances used and, on PostgreSQL, the CPU
// of the database's server sessions (from /proc, when the server runs on this machine) and the
// statements per request (the database's committed transactions, each statement outside one is one).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createSyntheticWorld } from './synthetic';
import { createVerifyWorld } from './verify.bench';
import type { Figure } from './backends';
import { freePort, waitFor } from '../support/server';
import { serverEntry } from '../support/prod-server';
import { withTx } from '@/db/tx';
import { bulkWriter } from '@/db/bulk';
import { certificationEvents, certifications } from '@/db/schema';
import { rawGet } from '@/db/dialect';
import { sql } from 'drizzle-orm';
import type { DB } from '@/db/client';
import { cpuSecondsOf, cpuSince, pgCpu } from './proc-cpu';

const DIST = '.next-bench';
const TESTS_PER_LAB = 30;
const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (opts: { url: string; connections: number; amount?: number; duration?: number; timeout?: number; requests: { method: 'GET'; setupRequest: (req: { path: string }) => { path: string } }[] }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** The verify bench's certifications (labs × 30, an approval event each, every fifth suspended and
 * reinstated) on PostgreSQL, written through the bulk writer (createVerifyWorld writes SQLite's). */
export async function verifyPgWorld(labs: number) {
  const world = await createSyntheticWorld({ labs });
  const codes = [...world.analyteIds.keys()].slice(0, TESTS_PER_LAB);
  const labCodes = world.labIds.map((_, i) => `L${String(i + 1).padStart(6, '0')}`);
  const now = Date.now();
  await withTx(world.db, async (tx) => {
    const certs = bulkWriter(tx, certifications, { returnIds: true, columns: ['labId', 'analyteId', 'scopeRegionId', 'scope', 'mark', 'certificateNo', 'status', 'validFrom', 'validTo', 'flagged', 'createdAt', 'updatedAt'] });
    const keys: [number, number][] = [];
    let n = 0;
    for (const labId of world.labIds) {
      for (const code of codes) {
        const analyteId = world.analyteIds.get(code)!;
        certs.addValues([labId, analyteId, 1, '全国', '全国HR', `HR-100000-2026-${String(++n).padStart(7, '0')}`, 'active', '2026-01-01', '2026-12-31', false, now, now]);
        keys.push([labId, analyteId]);
      }
    }
    await certs.flush();
    const events = bulkWriter(tx, certificationEvents, { columns: ['certificationId', 'labId', 'analyteId', 'action', 'fromStatus', 'toStatus', 'effectiveOn', 'reason', 'actorId', 'at'] });
    certs.ids.forEach((id, i) => {
      const [labId, analyteId] = keys[i];
      events.addValues([id, labId, analyteId, 'approve', null, 'active', '2026-01-01', 'bench', null, now]);
      if ((i + 1) % 5 === 0) {
        events.addValues([id, labId, analyteId, 'suspend', 'active', 'suspended', '2026-03-01', 'bench', null, now]);
        events.addValues([id, labId, analyteId, 'reinstate', 'suspended', 'active', '2026-04-01', 'bench', null, now]);
      }
    });
    await events.flush();
  });
  return { world, codes, labCodes };
}

/** What the bench's database has done so far: its committed transactions (each statement outside a
 * transaction is one) and the CPU of its server processes (when PostgreSQL runs on this machine). */
async function pgWork(db: DB): Promise<{ xacts: number; cpu: Map<number, number> | null }> {
  const x = await rawGet<{ n: string }>(db, sql`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`);
  return { xacts: Number(x?.n ?? 0), cpu: await pgCpu(db, 'database') };
}

/** Compile the production server from the working tree into DIST (its page build must exist). */
function compiledServer(): string | null {
  if (process.env.BENCH_VERIFY_SERVER === 'fast-path' || !fs.existsSync(path.join(DIST, 'BUILD_ID'))) return null;
  const b = spawnSync(process.execPath, ['lib/server/build.mjs', '--server-only'], { env: { ...process.env, NEXT_DIST_DIR: DIST }, stdio: ['ignore', 'ignore', 'inherit'] });
  return b.status === 0 ? serverEntry(DIST) : null;
}

function startInstance(kind: 'production' | 'fast-path', entry: string | null, env: NodeJS.ProcessEnv, port: number): ChildProcess {
  // the fast path through tsx's loader in this process, not its CLI: the CLI runs the server in a
  // child process, and the CPU read from the pid would be the idle CLI's
  const args = kind === 'production' ? [entry!] : ['--import', 'tsx', 'test/bench/fast-path-server.ts'];
  return spawn(process.execPath, args, { env: { ...env, PORT: String(port), HOSTNAME: '127.0.0.1', VERIFY_BATCH_RATE_LIMIT: '0' }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
}

function stop(p: ChildProcess) {
  try {
    if (p.pid) process.kill(-p.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Start `count` instances of a kind and wait until each answers a verify; null if one does not in time. */
async function startAll(kind: 'production' | 'fast-path', entry: string | null, env: NodeJS.ProcessEnv, count: number, probe: string) {
  const procs: ChildProcess[] = [];
  const bases: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      procs.push(startInstance(kind, entry, env, port));
      bases.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(bases.map((b) => waitFor(`${b}${probe}`, 90_000)));
    return { procs, bases };
  } catch (e) {
    procs.forEach(stop);
    console.log(`${kind} instances did not come up: ${(e as Error).message}`);
    return null;
  }
}

export async function verifyInstances(scale: number): Promise<Figure[]> {
  const labs = Math.max(100, Math.round(10_000 * scale));
  // a run of fixed length: autocannon ends a run of a given amount of requests only at its next
  // one-second tick, which made a 2,500-request run take 1.0 s whatever the server did
  const seconds = Math.max(3, Math.round(10 * scale));
  const t0 = performance.now();
  const pgBackend = (process.env.DATABASE_URL ?? '').startsWith('postgres');
  const { world, codes, labCodes } = pgBackend ? await verifyPgWorld(labs) : await createVerifyWorld(labs);
  const instances = pgBackend ? 2 : 1;
  console.log(`synthetic data: ${fmt(labs)} labs, ${fmt(labs * codes.length)} certifications (${fmt((performance.now() - t0) / 1000, 1)} s)`);
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_DIST_DIR: DIST, AUTH_SECRET: 'bench-secret-not-for-production', AUTH_TRUST_HOST: 'true', NEXT_TELEMETRY_DISABLED: '1' };
  if (pgBackend) env.DATABASE_URL = world.file;
  else env.DATABASE_PATH = world.file;
  const probe = `/api/v1/verify?lab=${labCodes[0]}&analyte=${codes[0]}`;
  let kind: 'production' | 'fast-path' = 'production';
  const entry = compiledServer();
  let up = entry ? await startAll('production', entry, env, instances, probe) : null;
  if (!up) {
    kind = 'fast-path';
    up = await startAll('fast-path', null, env, instances, probe);
  }
  if (!up) throw new Error('neither the production server nor the bare fast path came up');
  try {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const dates = ['2025-12-15', '2026-02-10', '2026-03-15', '2026-05-20', '2026-11-01'];
    const next = () => `/api/v1/verify?lab=${labCodes[Math.floor(rnd() * labCodes.length)]}&analyte=${codes[Math.floor(rnd() * codes.length)]}&date=${dates[Math.floor(rnd() * dates.length)]}`;
    const load = (duration: number, connections: number) =>
      Promise.all(up!.bases.map((url) => autocannon({ url, connections, duration, timeout: 10, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }] })));
    await load(1, 10); // warm-up (JIT, statements, caches)
    const instanceCpu = () => up!.procs.reduce((s, p) => s + (cpuSecondsOf(p.pid) ?? 0), 0);
    const settle = () => new Promise((r) => setTimeout(r, 1_500)); // the server's statistics are sent when a session idles
    if (pgBackend) await settle();
    const pg0 = pgBackend ? await pgWork(world.db) : null;
    const cpu0 = instanceCpu();
    const runs = await load(seconds, 25);
    const cpu = instanceCpu() - cpu0;
    if (pgBackend) await settle();
    const pg1 = pgBackend ? await pgWork(world.db) : null;
    const ok = runs.reduce((n, r) => n + r['2xx'], 0);
    const bad = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
    // the instances' rates added up, each over its own run (a run can end a tick later than asked)
    const elapsed = Math.max(...runs.map((r) => r.duration));
    const rate = runs.reduce((n, r) => n + r['2xx'] / r.duration, 0);
    const what = `${instances} ${kind === 'production' ? 'production server' : 'bare fast-path'} instance${instances > 1 ? 's' : ''}`;
    console.log(`GET /api/v1/verify on ${what}: ${fmt(ok)} answers in ${fmt(elapsed, 1)} s, 25 keep-alive connections each — ${fmt(rate)} requests/s; p50 ${runs.map((r) => r.latency.p50).join('/')} ms, p99 ${runs.map((r) => r.latency.p99).join('/')} ms; ${bad} non-2xx or errors`);
    const serverCpu = cpuSince(pg0?.cpu ?? null, pg1?.cpu ?? null);
    const per1k = (x: number) => fmt((x / Math.max(ok, 1)) * 1000, 2);
    console.log(
      `  CPU: app instances ${fmt(cpu, 1)} s (${per1k(cpu)} s per 1,000 requests)` +
        (pg0 && pg1 ? (serverCpu === null ? '' : `; PostgreSQL sessions ${fmt(serverCpu, 1)} s (${per1k(serverCpu)} s per 1,000)`) + `; statements ${fmt(pg1.xacts - pg0.xacts)} (${fmt((pg1.xacts - pg0.xacts) / Math.max(ok, 1), 2)} per request)` : ''),
    );
    if (bad) throw new Error(`${bad} verify requests failed`);
    return [
      { measure: 'verify GET (keep-alive; SQLite 1 instance, PostgreSQL 2 instances)', unit: 'requests/s', value: rate, variant: `${instances}× ${kind}`, detail: `${fmt(labs * codes.length)} certifications` },
      // per 10,000 requests: the table shows seconds to one decimal
      { measure: '  app CPU per 10,000 verify GETs (all instances)', unit: 's', value: (cpu / Math.max(ok, 1)) * 10_000 },
      ...(serverCpu !== null ? [{ measure: '  PostgreSQL CPU per 10,000 verify GETs (its sessions)', unit: 's' as const, value: (serverCpu / Math.max(ok, 1)) * 10_000 }] : []),
    ];
  } finally {
    up.procs.forEach(stop);
    await world.close();
  }
}
