/**
 * Sign-in flood against the PRODUCTION server (issue 10): the public `GET /api/v1/verify` latency
 * alone, then while 4 clients sign in as fast as they can (CSRF token, then the credentials callback,
 * with the right password so that every attempt does the full scrypt work and none is rate limited).
 * Password hashing runs in libuv's thread pool (lib/auth/passwords.ts), so verify should keep
 * answering: the aim is p99 under 100 ms during the flood.
 *
 * Build into .next-bench under the e2e build lock (BENCH_SKIP_BUILD=1 reuses it). Each phase lasts
 * 20 s × scale (at least 4 s). Run alone: `npx tsx test/bench/signin.bench.ts [scale]`.
 */
import { mapSeq } from '@/lib/async';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { freePort, waitFor } from '../support/server';
import { serverEntry } from '../support/prod-server';
import { signInOverHttp } from '../support/sign-in';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const DIST = '.next-bench';
const FLOOD_CLIENTS = 4;
const PASSWORD = 'bench-password';

/** One client signing in again and again until `until`; returns how many sign-ins succeeded. */
async function signInLoop(base: string, email: string, address: string, until: number): Promise<{ ok: number; other: number }> {
  let ok = 0;
  let other = 0;
  while (Date.now() < until) {
    if ((await signInOverHttp(base, email, PASSWORD, { 'x-forwarded-for': address })).session) ok++;
    else other++;
  }
  return { ok, other };
}

export default async function signinBench({ scale }: { scale: number }) {
  const seconds = Math.max(4, Math.round(20 * scale));
  const world = await createSyntheticWorld({ labs: 100 });
  const emails = await mapSeq(world.labIds.slice(0, FLOOD_CLIENTS), async (id) => (await world.labManager(id)).email);
  world.db.$client.pragma('wal_checkpoint(TRUNCATE)');

  const env = { ...process.env, NEXT_DIST_DIR: DIST, DATABASE_PATH: world.file, AUTH_SECRET: 'bench-secret-not-for-production', NEXT_TELEMETRY_DISABLED: '1' };
  if (!(process.env.BENCH_SKIP_BUILD === '1' && fs.existsSync(`${DIST}/BUILD_ID`))) {
    const b = spawnSync('flock', ['/tmp/labqc-e2e.lock', 'node', 'lib/server/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (b.status !== 0) throw new Error('next build failed');
  }
  const port = await freePort();
  // the flood clients present themselves as different addresses through a trusted proxy
  const server = spawn(process.execPath, [serverEntry(DIST)], {
    env: { ...env, PORT: String(port), HOSTNAME: '127.0.0.1', TRUSTED_PROXIES: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}/api/v1/verify?lab=L000001&analyte=K`;
    await waitFor(url, 60_000);
    await autocannon({ url, connections: 4, duration: 2 }); // warm-up
    await signInLoop(base, emails[0], '192.0.2.200', Date.now() + 1000);

    const quiet = await autocannon({ url, connections: 4, duration: seconds });
    const until = Date.now() + seconds * 1000;
    const flood = Promise.all(emails.map((email, i) => signInLoop(base, email, `192.0.2.${i + 1}`, until)));
    const busy = await autocannon({ url, connections: 4, duration: seconds });
    const signIns = await flood;
    const ok = signIns.reduce((s, r) => s + r.ok, 0);
    const other = signIns.reduce((s, r) => s + r.other, 0);

    const line = (name: string, r: AutocannonResult) =>
      console.log(`  ${name.padEnd(22)} p50 ${r.latency.p50} ms · p99 ${r.latency.p99} ms · max ${r.latency.max} ms · ${Math.round(r.requests.average)} req/s · ${r.errors} errors`);
    console.log(`GET /api/v1/verify, 4 connections, ${seconds} s per phase`);
    line('alone', quiet);
    line(`${FLOOD_CLIENTS} clients signing in`, busy);
    console.log(`  sign-ins during flood  ${ok} succeeded (${(ok / seconds).toFixed(1)}/s), ${other} other answers`);
    console.log(`  aim                    verify p99 < 100 ms during the flood: ${busy.latency.p99 < 100 ? 'met' : 'NOT met'}`);
  } finally {
    try {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  signinBench({ scale: Number(process.argv[2] ?? '1') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
