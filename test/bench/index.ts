// `npm run bench [-- --scale 0.1] [--only stats,iqc]`: throughput on national-scale synthetic data.
// Each benchmark prints its own figures; scale 1 is the size the issues ask for.
import statsBench from './stats.bench';
import verifyBench from './verify.bench';
import adminBench from './admin.bench';
import eqaBench from './eqa.bench';
import iqcBench from './iqc.bench';
import signinBench from './signin.bench';
import overviewBench from './overview.bench';
import queueBench from './queue.bench';
import importBench from './import.bench';

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
  const scale = Number(arg('scale') ?? '1');
  if (!(scale > 0)) throw new Error('--scale must be a positive number');
  const only = arg('only')?.split(',');
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
