/**
 * IQC import throughput (issue 4): 1,000,000 control results (scale 1) imported as CSV through the
 * same code path as `POST /api/v1/iqc/results` with text/csv (importIqcCsv: parse, validate every
 * row, dedupe, judge against targets, Westgard rules, write runs/results/violations/corrective
 * actions, audit), one file per laboratory and year: 70 labs × 20 analytes × 2 levels × 360 days.
 * Then the same files again (every row a duplicate) and a one-run entry as the grid sends it.
 *
 * Run alone: `npx tsx test/bench/iqc.bench.ts [scale]`.
 */
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { createRandom } from '@/db/seed/random';
import { importIqcCsv } from '@/lib/services/iqc/import-csv';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';

const ANALYTES: [string, number, number, number][] = [
  // code, level-1 mean, level-2 mean, CV %
  ['K', 3.8, 6.2, 1.8], ['NA', 135, 155, 1.1], ['CL', 95, 115, 1.2], ['CA', 2.1, 3.2, 1.6], ['GLU', 5.2, 16.5, 2],
  ['UREA', 5.5, 20, 2.5], ['CREA', 90, 450, 3], ['UA', 300, 600, 3], ['TP', 55, 75, 1.6], ['ALB', 35, 48, 2],
  ['CHOL', 4.2, 6.8, 2.2], ['TG', 1.4, 3.5, 3.5], ['HDLC', 1.1, 1.8, 4], ['LDLC', 2.4, 4.5, 4], ['TBIL', 18, 120, 4],
  ['ALT', 40, 180, 4], ['AST', 45, 190, 4], ['ALP', 100, 400, 3.5], ['GGT', 50, 200, 3], ['CK', 150, 600, 4],
];

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

export default async function iqcBench(opts: { scale: number }): Promise<void> {
  const scale = Number.isFinite(opts.scale) && opts.scale > 0 ? opts.scale : 1;
  const labs = Math.max(1, Math.round(70 * scale));
  const days = 360;
  const world = createSyntheticWorld({ labs });
  try {
    const random = createRandom(4);
    const end = Date.UTC(2026, 10, 25);
    const start = end - days * 86_400_000;
    // targets: manufacturer inserts for every lab × analyte × level (not timed)
    const files: { actor: ReturnType<typeof world.labManager>; csv: string; rows: number }[] = [];
    for (const labId of world.labIds) {
      const actor = world.labManager(labId);
      for (const [code, m1, m2, cv] of ANALYTES) {
        for (const [level, mean] of [['1', m1], ['2', m2]] as const) {
          setManufacturerTarget(world.db, actor, { analyte: code, level, lot: `${code}-${level}-A`, instrument: 'C702', mean, sd: (mean * cv) / 100, effectiveFrom: start - 1 }, start - 1);
        }
      }
      const lines = ['measured_at,analyte_code,level,lot,value,instrument'];
      for (let d = 0; d < days; d++) {
        const t = new Date(start + d * 86_400_000 + 8 * 3_600_000).toISOString();
        for (const [code, m1, m2, cv] of ANALYTES) {
          const shift = random.next() < 0.01 ? 3.5 : 0;
          lines.push(`${t},${code},1,${code}-1-A,${(m1 * (1 + (cv / 100) * (random.gaussian() + shift))).toFixed(3)},C702`);
          lines.push(`${t},${code},2,${code}-2-A,${(m2 * (1 + (cv / 100) * random.gaussian())).toFixed(3)},C702`);
        }
      }
      files.push({ actor, csv: lines.join('\n') + '\n', rows: lines.length - 1 });
    }
    const total = files.reduce((n, f) => n + f.rows, 0);
    const bytes = files.reduce((n, f) => n + f.csv.length, 0);

    let inserted = 0;
    let rejected = 0;
    if (process.env.BENCH_CACHE_KB) world.db.$client.pragma(`cache_size = -${process.env.BENCH_CACHE_KB}`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const f of files) {
      const out = importIqcCsv(world.db, f.actor, { text: f.csv }, { source: 'api', now: end + 3_600_000 });
      inserted += out.inserted;
      rejected += out.rejected;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `CSV import with rule evaluation: ${fmt(total)} results in ${files.length} files (${fmt(bytes / 1e6, 1)} MB) — ` +
        `${fmt(total / (ms / 1000))} results/s (${fmt(ms)} ms wall; ${fmt(total / (cpuMs / 1000))} results per CPU-second); ` +
        `${fmt(inserted)} inserted, ${fmt(rejected)} rejected runs`,
    );

    const t1 = performance.now();
    let skipped = 0;
    for (const f of files.slice(0, Math.max(1, Math.round(files.length / 10)))) skipped += importIqcCsv(world.db, f.actor, { text: f.csv }, { source: 'api', now: end + 3_600_000 }).skipped;
    const ms1 = performance.now() - t1;
    console.log(`re-sending files (all duplicates, skipped): ${fmt(skipped)} results — ${fmt(skipped / (ms1 / 1000))} results/s`);

    const actor = files[0].actor;
    const n = 200;
    const t2 = performance.now();
    for (let i = 0; i < n; i++) {
      const measuredAt = end + i * 60_000;
      ingestResults(world.db, actor, { results: [{ analyte: 'K', level: '1', lot: 'K-1-A', value: 3.8, measuredAt, instrument: 'C702' }, { analyte: 'K', level: '2', lot: 'K-2-A', value: 6.2, measuredAt, instrument: 'C702' }] }, { source: 'manual', now: end + 86_400_000 });
    }
    const ms2 = performance.now() - t2;
    console.log(`grid entry of one 2-level run: ${fmt(ms2 / n, 2)} ms per run (${n} runs)`);
  } finally {
    world.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await iqcBench({ scale: Number(process.argv[2] ?? process.env.BENCH_SCALE ?? 1) });
}
