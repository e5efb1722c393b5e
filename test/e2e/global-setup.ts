// Builds the app (unless E2E_SKIP_BUILD=1), seeds a fresh database with the demo data and starts the
// production server on a free port for the browser tests; stops it afterwards. Project `e2e` runs on a
// temporary SQLite file; project `e2e-pg` (test/e2e/global-setup-pg.ts, only with TEST_DATABASE_URL)
// on a new database of the TEST_DATABASE_URL server, dropped afterwards. When both projects run, the
// app is built once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, waitFor } from '../support/server';
import { serverEntry } from '../support/prod-server';
import { createPgTestDatabase } from '../support/pg';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** the SQLite file the server runs on (project e2e), or '' */
    databasePath: string;
    /** the PostgreSQL database the server runs on (project e2e-pg), or '' */
    databaseUrl: string;
  }
}

const g = globalThis as unknown as { __labqcE2eBuilt?: boolean };

/** `npm run build` (next build, then the server compiled to JavaScript) once per vitest process; with
 * E2E_SKIP_BUILD=1 only the server is compiled again (seconds), over the existing pages. */
function buildOnce(env: NodeJS.ProcessEnv) {
  if (g.__labqcE2eBuilt) return;
  const b = spawnSync('node', ['lib/server/build.mjs', ...(process.env.E2E_SKIP_BUILD === '1' ? ['--server-only'] : [])], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (b.status !== 0) throw new Error('npm run build failed');
  g.__labqcE2eBuilt = true;
}

/** How project e2e-pg fills its database: `direct` (the default) runs the demo seed on PostgreSQL
 * (`tsx db/cli.ts seed` with DATABASE_URL: migrations, then the seed through the PostgreSQL data
 * layer, ~4 min on the loaded 2-core machine); `copy` seeds a SQLite file and copies it
 * (copy-to-postgres, ~2 min; its audit chain verifies there too). E2E_PG_SEED chooses. */
function pgSeedMode(): 'direct' | 'copy' {
  return process.env.E2E_PG_SEED === 'copy' ? 'copy' : 'direct';
}

export async function startE2eServer(project: TestProject, backend: 'sqlite' | 'pg') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-e2e-'));
  const pgDb = backend === 'pg' ? await createPgTestDatabase('labqc_e2e') : undefined;
  const databasePath = pgDb ? '' : path.join(dir, 'e2e.sqlite');
  const base = { ...process.env };
  // the SQLite project never inherits a PostgreSQL URL from the shell, and the other way round
  delete base.DATABASE_URL;
  const env: NodeJS.ProcessEnv = {
    ...base,
    ...(pgDb ? { DATABASE_URL: pgDb.url, DATABASE_PATH: path.join(dir, 'unused.sqlite') } : { DATABASE_PATH: databasePath }),
    AUTH_SECRET: 'e2e-secret-not-for-production',
    AUTH_TRUST_HOST: 'true',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server?.pid) {
      const exited = server.exitCode === null && server.signalCode === null ? new Promise((resolve) => server!.once('exit', resolve)) : null;
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    await pgDb?.drop();
  };

  try {
    buildOnce(env);
    const t0 = Date.now();
    const cli = (args: string[], e: NodeJS.ProcessEnv, what: string) => {
      const r = spawnSync('npx', ['tsx', 'db/cli.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: e });
      if (r.status !== 0) throw new Error(`${what} failed`);
    };
    if (pgDb && pgSeedMode() === 'copy') {
      // the demo seeded into a SQLite file, then copied (`tsx db/cli.ts copy-to-postgres`, which migrates)
      const seedFile = path.join(dir, 'seed.sqlite');
      cli(['seed'], { ...base, DATABASE_PATH: seedFile }, 'seeding the e2e SQLite source');
      cli(['copy-to-postgres'], { ...env, DATABASE_PATH: seedFile }, `copying the demo into PostgreSQL ${pgDb.name}`);
    } else {
      cli(['seed'], env, `seeding the e2e database (${backend})`);
    }
    if (pgDb) console.log(`e2e-pg: demo data in PostgreSQL ${pgDb.name} (${pgSeedMode()}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const port = await freePort();
    // the production server, as `npm start` runs it
    server = spawn(process.execPath, ['--enable-source-maps', serverEntry(process.env.NEXT_DIST_DIR || '.next')], { env: { ...env, PORT: String(port), HOSTNAME: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitFor(`${baseUrl}/login`, 60_000);
    project.provide('baseUrl', baseUrl);
    project.provide('databasePath', databasePath);
    project.provide('databaseUrl', pgDb?.url ?? '');
  } catch (e) {
    await stop();
    throw e;
  }
  return stop;
}

export default function setup(project: TestProject) {
  return startE2eServer(project, 'sqlite');
}
