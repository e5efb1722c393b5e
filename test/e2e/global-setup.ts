// Builds the app (unless E2E_SKIP_BUILD=1), seeds a temporary database with the demo data and starts
// the production server on a free port for the browser tests; stops it afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, waitFor } from '../support/server';
import { serverEntry } from '../support/prod-server';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    databasePath: string;
  }
}


let server: ChildProcess | undefined;

export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labqc-e2e-'));
  const databasePath = path.join(dir, 'e2e.sqlite');
  const env = { ...process.env, DATABASE_PATH: databasePath, AUTH_SECRET: 'e2e-secret-not-for-production', AUTH_TRUST_HOST: 'true', NEXT_TELEMETRY_DISABLED: '1' };

  // `npm run build` (next build, then the server compiled to JavaScript); with E2E_SKIP_BUILD=1 only
  // the server is compiled again (seconds), over the existing pages
  const b = spawnSync('node', ['lib/server/build.mjs', ...(process.env.E2E_SKIP_BUILD === '1' ? ['--server-only'] : [])], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (b.status !== 0) throw new Error('npm run build failed');
  const s = spawnSync('npx', ['tsx', 'db/cli.ts', 'seed'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (s.status !== 0) throw new Error('seeding the e2e database failed');

  const port = await freePort();
  // the production server, as `npm start` runs it
  server = spawn(process.execPath, ['--enable-source-maps', serverEntry(process.env.NEXT_DIST_DIR || '.next')], { env: { ...env, PORT: String(port), HOSTNAME: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${baseUrl}/login`, 60_000);
  project.provide('baseUrl', baseUrl);
  project.provide('databasePath', databasePath);

  return async () => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
