// The production server (lib/server/main.ts compiled into <distDir>/labqc-server, as `npm start` runs
// it) for integration tests of the
// server itself: timeouts, connection cap, malformed URLs, load and crashes. It uses its own build
// folder (.next-ops), built when missing or older than the sources, under the same lock as the
// browser tests' builds (flock /tmp/labqc-e2e.lock), so parallel builds never share a folder.
// Set OPS_SKIP_BUILD=1 to reuse an existing build as it is.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitFor } from './server';
import { isPostgresUrl } from '@/db/pg/url';

/** The server's database settings for a test database (TestDb.file): DATABASE_URL for a PostgreSQL
 * database (integration-pg), else DATABASE_PATH, with no DATABASE_URL inherited from the shell. */
export function databaseEnv(location: string): Record<string, string> {
  return isPostgresUrl(location) ? { DATABASE_URL: location } : { DATABASE_PATH: location, DATABASE_URL: '' };
}

/** The build folder (OPS_DIST_DIR overrides it, e.g. to reuse another build as it is). */
export const OPS_DIST = process.env.OPS_DIST_DIR || '.next-ops';

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** The compiled production server of a build folder (`npm start` runs `<distDir>/labqc-server/main.mjs`). */
export function serverEntry(distDir: string): string {
  return path.join(distDir, 'labqc-server', 'main.mjs');
}

/** Build `dist` unless it exists and is newer than app/, lib/ and db/ (serialised with e2e builds):
 * `npm run build`'s steps (lib/server/build.mjs: next build, then the server compiled to JavaScript).
 * A current build (another project of the same run built it: integration and integration-pg) only
 * gets the server compiled again. `reuse`: an existing build is taken `as-is`, or its `pages` are
 * (the server compiled again). */
export function ensureBuild(dist: string, reuse?: 'as-is' | 'pages'): void {
  const stamp = path.join(dist, 'BUILD_ID');
  const fresh = () => fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs > Math.max(...['app', 'lib', 'db'].map(newestSource));
  // compiling the server alone writes only <distDir>/labqc-server, which no page build touches: no lock
  const server = (extra: string[]) =>
    spawnSync('node', ['lib/server/build.mjs', ...extra], {
      env: { ...process.env, NEXT_DIST_DIR: dist, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  if (reuse === 'as-is' && fs.existsSync(stamp) && fs.existsSync(serverEntry(dist))) return;
  if ((reuse && fs.existsSync(stamp)) || fresh()) {
    // the pages are current: compile the server (a second or two) so it matches lib/server and lib/
    const c = server(['--server-only']);
    if (c.status !== 0) throw new Error(`compiling the server (${dist}) failed:\n${`${c.stdout}\n${c.stderr}`.slice(-3000)}`);
    return;
  }
  // under the lock, built only if still stale: the other backend's project may have built it meanwhile
  const newest = Math.floor(Math.max(...['app', 'lib', 'db'].map(newestSource)) / 1000);
  const r = spawnSync('flock', ['/tmp/labqc-e2e.lock', 'sh', '-c', '[ -f "$1" ] && [ "$(stat -c %Y "$1")" -gt "$2" ] || node lib/server/build.mjs', 'sh', stamp, String(newest)], {
    env: { ...process.env, NEXT_DIST_DIR: dist, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`npm run build (${dist}) failed:\n${`${r.stdout}\n${r.stderr}`.slice(-3000)}`);
}

/** .next-ops for the server tests (OPS_SKIP_BUILD=1 reuses it as it is). */
export function ensureOpsBuild(): void {
  ensureBuild(OPS_DIST, process.env.OPS_SKIP_BUILD === '1' ? 'as-is' : undefined);
}

export interface ProdServer {
  baseUrl: string;
  port: number;
  proc: ChildProcess;
  /** everything the server wrote to stdout and stderr so far */
  log: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Start the compiled server (`node .next-ops/labqc-server/main.mjs`) on a free loopback port over
 * `database` (a SQLite file, or a postgres:// URL); resolves once it answers. */
export async function startProdServer(database: string, env: Record<string, string> = {}): Promise<ProdServer> {
  const port = await freePort();
  let output = '';
  const proc = spawn(process.execPath, ['--enable-source-maps', serverEntry(OPS_DIST)], {
    env: { ...process.env, NODE_ENV: 'production', NEXT_DIST_DIR: OPS_DIST, ...databaseEnv(database), PORT: String(port), HOSTNAME: '127.0.0.1', AUTH_SECRET: 'ops-test-secret-not-for-production', NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  try {
    await waitFor(`${baseUrl}/api/v1/labs?q=zz`, 60_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return {
    baseUrl,
    port,
    proc,
    log: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        process.kill(-proc.pid!, signal); // the whole group
      } catch {
        // already gone
      }
      await exited;
    },
  };
}
