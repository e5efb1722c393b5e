/**
 * Load test of the public point-in-time check, `GET /api/v1/verify`, and of batch verification,
 * `POST /api/v1/verify` with 10,000 checks per request (checks/s beside the single checks/s; aim
 * 50,000 checks/s), on the PRODUCTION build:
 * `next build` into .next-bench (skipped with BENCH_SKIP_BUILD=1 when it exists), the production server
 * (lib/server/main.ts, as `npm start` runs it) on a
 * free port over a synthetic national database (labs × 30 recognised tests, each certification
 * with an approval event and every fifth with a suspension and reinstatement), then a bounded
 * number of requests to 127.0.0.1 with autocannon (random lab, test and date per request). Prints
 * requests per second and latency p50 / p97.5 / p99; stops the server and exits by itself.
 * The aim: thousands of requests per second with p99 under 50 ms.
 *
 * Sizes at scale 1: 10,000 labs, 300,000 certifications, 20,000 requests over 50 connections.
 * Run alone: `npx tsx test/bench/verify.bench.ts [scale]`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { addDays } from '@/lib/calendar';
import { freePort, waitFor } from '../support/server';
import { serverEntry } from '../support/prod-server';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p97_5: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
  duration: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  amount?: number;
  duration?: number;
  timeout?: number;
  requests: { method: 'GET' | 'POST'; headers?: Record<string, string>; setupRequest: (req: { path: string }) => { path: string; body?: string } }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DIST = '.next-bench';
const TESTS_PER_LAB = 30;
/** checks per batch request (the API's maximum) */
const BATCH_SIZE = 10_000;


const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux; null
 * elsewhere): on a loaded machine wall-clock rates measure the neighbours too, CPU per check does not. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** The synthetic national database of the verify bench: labs × TESTS_PER_LAB certifications, each
 * with an approval event and every fifth with a suspension and a reinstatement. */
export async function createVerifyWorld(labs: number) {
  const world = await createSyntheticWorld({ labs });
  const codes = [...world.analyteIds.keys()].slice(0, TESTS_PER_LAB);
  const labCodes: string[] = [];
  // bulk certifications straight into the tables (the decision service is measured elsewhere)
  const sqlite = world.db.$client;
  const now = Date.now();
  sqlite.transaction(() => {
    const labRows = sqlite.prepare('SELECT id, code FROM laboratories ORDER BY id').all() as { id: number; code: string }[];
    const cert = sqlite.prepare(
      `INSERT INTO certifications (lab_id, analyte_id, scope_region_id, scope, mark, certificate_no, status, valid_from, valid_to, flagged, created_at, updated_at)
       VALUES (?, ?, 1, '全国', '全国HR', ?, 'active', ?, ?, 0, ?, ?)`,
    );
    const ev = sqlite.prepare(
      `INSERT INTO certification_events (certification_id, lab_id, analyte_id, action, from_status, to_status, effective_on, reason, actor_id, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', NULL, ?)`,
    );
    let n = 0;
    for (const l of labRows) {
      labCodes.push(l.code);
      for (const code of codes) {
        const analyteId = world.analyteIds.get(code)!;
        const id = Number(cert.run(l.id, analyteId, `HR-100000-2026-${String(++n).padStart(7, '0')}`, '2026-01-01', '2026-12-31', now, now).lastInsertRowid);
        ev.run(id, l.id, analyteId, 'approve', null, 'active', '2026-01-01', now);
        if (n % 5 === 0) {
          ev.run(id, l.id, analyteId, 'suspend', 'active', 'suspended', '2026-03-01', now);
          ev.run(id, l.id, analyteId, 'reinstate', 'suspended', 'active', '2026-04-01', now);
        }
      }
    }
  })();
  world.db.$client.pragma('wal_checkpoint(TRUNCATE)');
  return { world, codes, labCodes };
}

/** A seeded stream of random checks (lab, test, a date across the suspension, sometimes asOf). */
export function checkStream(labCodes: readonly string[], codes: readonly string[], seed = 42) {
  // mulberry32 (a small seeded generator with a full period)
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const dates = ['2025-12-15', '2026-02-10', '2026-03-15', '2026-05-20', '2026-11-01'];
  return () => {
    const date = dates[Math.floor(rnd() * dates.length)];
    const asOf = rnd() < 0.5 ? undefined : addDays(date, Math.floor(rnd() * 60));
    return { lab: labCodes[Math.floor(rnd() * labCodes.length)], analyte: codes[Math.floor(rnd() * codes.length)], date, ...(asOf ? { asOf } : {}) };
  };
}

export default async function verifyBench({ scale }: { scale: number }) {
  const labs = Math.max(100, Math.round(10_000 * scale));
  // runs of fixed length: autocannon ends a run of a given amount of requests only at its next
  // one-second tick, which counted up to a second of nothing into the throughput
  const seconds = Math.max(3, Math.round(10 * scale));
  const t0 = performance.now();
  const { world, codes, labCodes } = await createVerifyWorld(labs);
  console.log(`synthetic data: ${fmt(labs)} labs, ${fmt(labs * codes.length)} certifications (${fmt((performance.now() - t0) / 1000, 1)} s)`);

  const env = { ...process.env, NEXT_DIST_DIR: DIST, DATABASE_PATH: world.file, AUTH_SECRET: 'bench-secret-not-for-production', AUTH_TRUST_HOST: 'true', NEXT_TELEMETRY_DISABLED: '1' };
  // BENCH_SKIP_BUILD=1 with a build present: only the server (lib/server, lib/, db/) is compiled again,
  // which is all the fast path measured here runs
  const reuse = process.env.BENCH_SKIP_BUILD === '1' && fs.existsSync(`${DIST}/BUILD_ID`);
  const b0 = performance.now();
  const b = spawnSync('node', ['lib/server/build.mjs', ...(reuse ? ['--server-only'] : [])], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (b.status !== 0) throw new Error('build failed');
  console.log(`production ${reuse ? 'server compiled' : 'build'} into ${DIST}: ${fmt((performance.now() - b0) / 1000, 1)} s`);
  const port = await freePort();
  // the production server (lib/server/main.ts), as `npm start` runs it
  // the batch rate limit is off: this measures throughput, not the limiter
  const server = spawn(process.execPath, [serverEntry(DIST)], { env: { ...env, PORT: String(port), HOSTNAME: '127.0.0.1', VERIFY_BATCH_RATE_LIMIT: '0' }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const stop = () => {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/api/v1/verify?lab=${labCodes[0]}&analyte=${codes[0]}`, 60_000);
    // a seeded choice of lab, test and date per request (dates across the suspension)
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const dates = ['2025-12-15', '2026-02-10', '2026-03-15', '2026-05-20', '2026-11-01'];
    const path = () =>
      `/api/v1/verify?lab=${labCodes[Math.floor(rnd() * labCodes.length)]}&analyte=${codes[Math.floor(rnd() * codes.length)]}&date=${dates[Math.floor(rnd() * dates.length)]}`;
    // warm-up (JIT, prepared statements, page cache)
    await autocannon({ url: base, connections: 10, amount: 1_000, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] });
    const getCpu0 = cpuSeconds(server.pid);
    const r = await autocannon({ url: base, connections: 50, duration: seconds, timeout: 10, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path() }) }] });
    const getCpu1 = cpuSeconds(server.pid);
    console.log(`GET /api/v1/verify: ${fmt(r.requests.total)} requests, 50 connections, ${fmt(r.duration, 1)} s`);
    const perSecond = r.requests.total / r.duration;
    console.log(`  throughput     ${fmt(perSecond)} req/s`);
    console.log(`  latency        p50 ${r.latency.p50} ms · p97.5 ${r.latency.p97_5} ms · p99 ${r.latency.p99} ms · max ${r.latency.max} ms`);
    console.log(`  responses      ${fmt(r['2xx'])} 2xx · ${fmt(r.non2xx)} non-2xx · ${r.errors} errors · ${r.timeouts} timeouts`);
    if (getCpu0 !== null && getCpu1 !== null && getCpu1 > getCpu0) console.log(`  server CPU     ${fmt(getCpu1 - getCpu0, 2)} s: ${fmt(r.requests.total / (getCpu1 - getCpu0))} requests per CPU-second`);
    console.log(`  aim            thousands of req/s with p99 < 50 ms: ${perSecond >= 1000 && r.latency.p99 < 50 ? 'met' : 'NOT met'}`);
    await batchBench(base, labCodes, codes, seconds, perSecond, server.pid);
  } finally {
    stop();
    world.close();
  }
}

/** POST /api/v1/verify with BATCH_SIZE checks per request (anonymous: the server's fast path).
 * Checks first that a batch's answers equal the single GETs' (a sample), then measures checks/s. */
async function batchBench(base: string, labCodes: string[], codes: string[], seconds: number, singlePerSecond: number, serverPid?: number) {
  const next = checkStream(labCodes, codes, 7);
  const bodies = Array.from({ length: 6 }, () => JSON.stringify({ checks: Array.from({ length: BATCH_SIZE }, next) }));
  // the same answers as single checks, through the production server (a sample of 200 per body)
  const first = (await (await fetch(`${base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] })).json()) as { results: unknown[] };
  const checks = (JSON.parse(bodies[0]) as { checks: Record<string, string>[] }).checks;
  if (first.results.length !== BATCH_SIZE) throw new Error(`a batch of ${BATCH_SIZE} answered ${first.results.length} results`);
  for (let i = 0; i < BATCH_SIZE; i += BATCH_SIZE / 200) {
    const one = await (await fetch(`${base}/api/v1/verify?${new URLSearchParams(checks[i])}`)).json();
    if (JSON.stringify(one) !== JSON.stringify(first.results[i])) throw new Error(`batch answer ${i} differs from the single answer: ${JSON.stringify(first.results[i])} vs ${JSON.stringify(one)}`);
  }
  let n = 0;
  const request = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, setupRequest: (req: { path: string }) => ({ ...req, path: '/api/v1/verify', body: bodies[n++ % bodies.length] }) };
  await autocannon({ url: base, connections: 2, amount: 4, timeout: 60, requests: [request] });
  const cpu0 = cpuSeconds(serverPid);
  const r = await autocannon({ url: base, connections: 2, duration: seconds, timeout: 60, requests: [request] });
  const cpu1 = cpuSeconds(serverPid);
  const checksPerSecond = (r['2xx'] * BATCH_SIZE) / r.duration;
  console.log(`POST /api/v1/verify: ${fmt(r.requests.total)} batches of ${fmt(BATCH_SIZE)} checks, 2 connections, ${fmt(r.duration, 1)} s (answers equal single GETs: 200 of 200 sampled)`);
  console.log(`  throughput     ${fmt(checksPerSecond)} checks/s in batches · ${fmt(singlePerSecond)} checks/s as single GETs`);
  console.log(`  latency        p50 ${r.latency.p50} ms · p99 ${r.latency.p99} ms per batch`);
  if (cpu0 !== null && cpu1 !== null && cpu1 > cpu0) {
    const perCpuSecond = (r['2xx'] * BATCH_SIZE) / (cpu1 - cpu0);
    console.log(`  server CPU     ${fmt(cpu1 - cpu0, 2)} s for ${fmt(r['2xx'] * BATCH_SIZE)} checks: ${fmt(perCpuSecond)} checks per CPU-second (${fmt(1e6 / perCpuSecond, 1)} µs a check; 50,000 checks/s needs at most 20 µs)`);
  }
  console.log(`  responses      ${fmt(r['2xx'])} 2xx · ${fmt(r.non2xx)} non-2xx · ${r.errors} errors · ${r.timeouts} timeouts`);
  console.log(`  aim            at least 50,000 checks/s: ${checksPerSecond >= 50_000 ? 'met' : 'NOT met'}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  verifyBench({ scale: Number(process.argv[2] ?? '1') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
