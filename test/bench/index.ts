// `npm run bench [-- --scale 0.1] [--only stats,iqc]`: throughput on national-scale synthetic data.
// Each benchmark prints its own figures; scale 1 is the size the issues ask for.
// `npm run bench -- --db postgres [--scale 0.05] [--only iqc,eqa,verify]`: IQC ingest, EQA evaluation
// (of 2,000,000 results unless --scale says otherwise)
// and verify requests/s on SQLite and PostgreSQL in the same run, side by side (test/bench/backends.ts),
// in a fresh database of the cluster at DATABASE_URL or TEST_DATABASE_URL (exit 2 without one).
import statsBench from './stats.bench';
import verifyBench from './verify.bench';
import adminBench from './admin.bench';
import eqaBench from './eqa.bench';
import iqcBench from './iqc.bench';
import signinBench from './signin.bench';
import overviewBench from './overview.bench';
import queueBench from './queue.bench';
import importBench from './import.bench';
import { benchClusterUrl, compareBackends, COMPARE_DEFAULT_SCALES, COMPARE_PARTS } from './backends';

type Bench = (opts: { scale: number }) => Promise<void>;

const BENCHES: Record<string, Bench> = {
  stats: statsBench,
  verify: verifyBench,
  admin: adminBench,
  eqa: eqaBench,
  iqc: iqcBench,
  signin: signinBench,
  overview: overviewBench,
  queue: queueBench,
  import: importBench,
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const dbArg = arg('db');
  if (dbArg !== undefined && dbArg !== 'postgres' && dbArg !== 'sqlite') {
    console.error(`--db takes postgres (SQLite and PostgreSQL side by side) or sqlite (the default), not ${dbArg}`);
    process.exit(2);
  }
  const compare = dbArg === 'postgres';
  // side by side without --scale: each part at its own default (COMPARE_DEFAULT_SCALES)
  const given = arg('scale');
  const scale = Number(given ?? '1');
  if (!(scale > 0)) throw new Error('--scale must be a positive number');
  const only = arg('only')?.split(',');
  if (compare) {
    const cluster = benchClusterUrl();
    if (!cluster) {
      console.error('--db postgres needs a PostgreSQL server: set DATABASE_URL or TEST_DATABASE_URL to a postgres:// URL (a database is created in it for the run and dropped afterwards)');
      process.exit(2);
    }
    const unknown = only?.filter((p) => !(COMPARE_PARTS as readonly string[]).includes(p));
    if (unknown?.length) {
      console.error(`--only with --db postgres takes ${COMPARE_PARTS.join(', ')}, not ${unknown.join(', ')}`);
      process.exit(2);
    }
    const scales = given === undefined ? Object.entries(COMPARE_DEFAULT_SCALES).map(([p, x]) => `${p} ${x}`).join(', ') : String(scale);
    console.log(`LabQC benchmarks (scale ${scales}, node ${process.version}, ${new Date().toISOString()})`);
    await compareBackends({ scale: given === undefined ? undefined : scale, only, cluster });
    return;
  }
  console.log(`LabQC benchmarks (scale ${scale}, node ${process.version}, ${new Date().toISOString()})`);
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (only && !only.includes(name)) continue;
    console.log(`\n== ${name} ==`);
    await bench({ scale });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
