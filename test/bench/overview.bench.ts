/**
 * The regulator's regional overview (issue 11): server time of regionalOverview on national
 * synthetic data, 10,000 labs at scale 1, each with 10 analytes × 2 control levels measured on the
 * last 180 days. The IQC figures of the overview read the region roll-ups of the daily aggregates,
 * so the bench writes the aggregates directly (what ingest keeps: one row per control lot and day,
 * then the roll-ups as the migration backfills them) instead of ingesting the raw results first. Every
 * lab × test also has a stored verdict and every 40th pair a certification (as in queue.bench.ts),
 * which the overview's recognition figures and at-risk list read. Time: median of 5 runs after one warm-up.
 *
 * Run alone: `npx tsx test/bench/overview.bench.ts [scale]`.
 */
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { addVerdicts } from './queue.bench';
import { bulkWriter } from '@/db/bulk';
import { ROLLUP_SQL } from '@/db/queries/daily-iqc-rollups';
import { iqcDailyLots, regions } from '@/db/schema';
import { addDays, dayOf } from '@/lib/calendar';
import { regionalOverview } from '@/lib/services/recognition/overview';
import { withTx } from '@/db/tx';

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const ANALYTES = 10;
const DAYS = 180;

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export default async function overviewBench(opts: { scale: number }): Promise<void> {
  const labs = Math.max(10, Math.round(10_000 * opts.scale));
  const t0 = performance.now();
  const world = await createSyntheticWorld({ labs });
  try {
    const now = Date.UTC(2026, 10, 25, 4);
    const today = dayOf(now);
    const analyteIds = [...world.analyteIds.values()].slice(0, ANALYTES);
    let rows = 0;
    await withTx(world.db, async () => {
      const w = bulkWriter(world.db, iqcDailyLots, { rowsPerStatement: 256 });
      world.labIds.forEach((labId, li) => {
        analyteIds.forEach((analyteId, ai) => {
          for (const level of ['1', '2']) {
            const controlLotId = (li * ANALYTES + ai) * 2 + Number(level);
            for (let d = DAYS; d >= 1; d--) {
              // level 2 is missing on one day in seven: those days are not covered (2 levels needed)
              if (level === '2' && (d + li) % 7 === 0) continue;
              w.add({ controlLotId, day: addDays(today, -d), labId, analyteId, level, results: 1, n: 1, mean: 5, sumSqDev: 0 });
              rows++;
            }
          }
        });
      });
      w.flush();
      // the lab × analyte and region roll-ups, as the migration backfills them
      for (const q of ROLLUP_SQL) world.db.$client.exec(q);
    });
    const v = await addVerdicts(world, now);
    console.log(`world: ${fmt(labs)} labs, ${fmt(rows)} daily control-lot rows, ${fmt(v.verdicts)} verdicts, ${fmt(v.certifications)} certifications (${fmt((performance.now() - t0) / 1000, 1)} s)`);

    const province = (await world.db.select().from(regions)).find((r) => r.level === 'province')!;
    for (const [label, input] of [
      ['national', {}],
      [`one province (${province.code})`, { regionCode: province.code }],
    ] as const) {
      const times: number[] = [];
      let months = 0;
      for (let i = 0; i < 6; i++) {
        const t = performance.now();
        const o = await regionalOverview(world.db, world.regulator, input, { now });
        if (i > 0) times.push(performance.now() - t);
        months = o.iqc.length;
      }
      console.log(`regional overview, ${label}: ${fmt(median(times))} ms server time (median of 5; ${months} months of IQC coverage; aim < 300 ms at scale 1)`);
    }
  } finally {
    world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  overviewBench({ scale: Number(process.argv[2] ?? '1') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
