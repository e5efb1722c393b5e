// `npm run build`: the Next.js build, then the production server and its job worker compiled to
// JavaScript (esbuild) into <distDir>/labqc-server, so `npm start` runs plain `node` with no
// TypeScript loader. Packages stay in node_modules (imported at run time); the app's own modules
// (`@/…`, tsconfig paths) are bundled. `--if-missing` builds only when no complete build exists
// (`npm run demo`); `--server-only` compiles the server without building Next again.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const distDir = process.env.NEXT_DIST_DIR || '.next';
export const SERVER_DIR = path.join(distDir, 'labqc-server');
const args = process.argv.slice(2);

function complete() {
  return fs.existsSync(path.join(distDir, 'BUILD_ID')) && fs.existsSync(path.join(SERVER_DIR, 'main.mjs')) && fs.existsSync(path.join(SERVER_DIR, 'worker.mjs'));
}

/** Compile lib/server/main.ts and lib/server/worker.ts into <distDir>/labqc-server/*.mjs. */
export async function compileServer(outdir = SERVER_DIR) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'lib/server/main.ts', worker: 'lib/server/worker.ts', 'webhook-worker': 'lib/server/webhook-worker.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    tsconfig: 'tsconfig.json',
    sourcemap: 'linked',
    logLevel: 'warning',
    // bundled CommonJS helpers may call require(): give ESM output one
    banner: { js: "import { createRequire as __labqcRequire } from 'node:module'; const require = __labqcRequire(import.meta.url);" },
  });
}

async function main() {
  if (args.includes('--if-missing') && complete()) {
    console.log(`[labqc] using the existing build in ${distDir}`);
    return;
  }
  if (!args.includes('--server-only')) {
    console.log('[labqc] building the app…');
    const b = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', env: process.env });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  await compileServer();
  console.log(`[labqc] production server compiled into ${SERVER_DIR}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
