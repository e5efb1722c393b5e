/**
 * Evaluation of a national-scale EQA round (issue 5): 10,000 labs × 40 analytes × 5 samples =
 * 2,000,000 current results, read from the database, evaluated (Algorithm A per peer group, z/z′,
 * acceptability, round scores, performance history) and written back in one transaction. The
 * submissions are bulk-inserted first (not timed as evaluation); a sample of labs also submits
 * through the real submission service to show its throughput. Sizes scale with `opts.scale`.
 *
 * Run alone: `npx tsx test/bench/eqa.bench.ts [scale]`.
 */
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { createScheme, enrollLabs } from '../../lib/services/eqa/schemes';
import { closeRound, createRound, openRound } from '../../lib/services/eqa/rounds';
import { rowsFromJson, submitResults } from '../../lib/services/eqa/submissions';
import { evaluateRound } from '../../lib/services/eqa/evaluation';

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export default async function eqaBench(opts: { scale: number }): Promise<void> {
  const labs = Math.max(20, Math.round(10_000 * opts.scale));
  const SAMPLES = ['N1', 'N2', 'N3', 'N4', 'N5'];
  const t0 = performance.now();
  const world = await createSyntheticWorld({ labs });
  try {
    const { db, regulator } = world;
    const analyteCodes = db.$client
      .prepare('select code from analytes where tea_percent is not null order by id limit 40')
      .pluck()
      .all() as string[];
    const now = Date.now();
    await createScheme(db, regulator, { code: 'NAT', name: '全国常规化学', regionCode: '100000', analytes: analyteCodes.map((analyte) => ({ analyte })) }, { now: now - 10 * 86_400_000 });
    await enrollLabs(db, regulator, { schemeCode: 'NAT' }, { now: now - 10 * 86_400_000 });
    await createRound(db, regulator, { schemeCode: 'NAT', code: 'NAT-1', opensAt: now - 5 * 86_400_000, closesAt: now + 86_400_000, samples: SAMPLES }, { now: now - 9 * 86_400_000 });
    await openRound(db, regulator, { roundCode: 'NAT-1' }, { now: now - 9 * 86_400_000 });
    const roundId = db.$client.prepare("select id from eqa_rounds where code = 'NAT-1'").pluck().get() as number;
    const sampleIds = db.$client.prepare('select id from eqa_samples where round_id = ? order by ordinal').pluck().all(roundId) as number[];
    const analyteIds = analyteCodes.map((c) => world.analyteIds.get(c)!);
    console.log(`world: ${fmt(labs)} labs, ${analyteCodes.length} analytes, ${SAMPLES.length} samples (${fmt((performance.now() - t0) / 1000, 1)} s)`);

    // a few labs through the real submission service (validation, versions, audit)
    const random = mulberry32(5);
    const truth = analyteIds.map(() => SAMPLES.map(() => 1 + 9 * random()));
    const viaService = Math.min(100, labs);
    const tService = performance.now();
    for (let l = 0; l < viaService; l++) {
      const rows = analyteCodes.flatMap((analyte, a) =>
        SAMPLES.map((sample, s) => ({ sample, analyte, value: Number((truth[a][s] * (1 + 0.03 * (random() - 0.5))).toFixed(4)), method: `M${l % 3}` })),
      );
      await submitResults(db, await world.labManager(world.labIds[l]), { roundCode: 'NAT-1', rows: rowsFromJson(rows), source: 'api' }, { now });
    }
    const serviceMs = performance.now() - tService;
    console.log(`submission service: ${viaService} labs × ${analyteCodes.length * SAMPLES.length} results — ${fmt((viaService * analyteCodes.length * SAMPLES.length) / (serviceMs / 1000))} results/s`);

    // the rest in bulk
    const tBulk = performance.now();
    db.$client.pragma('cache_size = -262144');
    const insert = db.$client.prepare(
      `insert into eqa_submissions (round_id, lab_id, sample_id, analyte_id, value, method, instrument, version, current, source, submitted_at) values (?, ?, ?, ?, ?, ?, '', 1, 1, 'seed', ?)`,
    );
    db.$client.transaction(() => {
      for (let l = viaService; l < labs; l++) {
        const labId = world.labIds[l];
        const method = `M${l % 3}`;
        for (let a = 0; a < analyteIds.length; a++) {
          for (let s = 0; s < SAMPLES.length; s++) insert.run(roundId, labId, sampleIds[s], analyteIds[a], truth[a][s] * (1 + 0.03 * (random() - 0.5)) * (random() < 0.01 ? 1.5 : 1), method, now);
        }
      }
    })();
    const total = labs * analyteCodes.length * SAMPLES.length;
    console.log(`bulk insert of the remaining submissions: ${fmt((performance.now() - tBulk) / 1000, 1)} s`);

    await closeRound(db, regulator, { roundCode: 'NAT-1' }, { now: now + 1000 });
    let lastPrinted = -1;
    const tEval = performance.now();
    const summary = await evaluateRound(db, regulator, { roundCode: 'NAT-1' }, {
      now: now + 2000,
      onProgress: (f) => {
        const pct = Math.floor(f * 20) * 5;
        if (pct > lastPrinted) {
          lastPrinted = pct;
          process.stdout.write(`  progress ${pct}% at ${fmt((performance.now() - tEval) / 1000, 1)} s\n`);
        }
      },
    });
    const evalMs = performance.now() - tEval;
    console.log(
      `evaluateRound: ${fmt(summary.results)} results (expected ${fmt(total)}), ${fmt(summary.assignedValues)} assigned values, ${fmt(summary.scores)} lab × analyte scores — ` +
        `${fmt(evalMs / 1000, 1)} s, ${fmt(summary.results / (evalMs / 1000))} results/s (aim: < 30 s at scale 1)`,
    );
    const tRe = performance.now();
    const again = await evaluateRound(db, regulator, { roundCode: 'NAT-1' }, { now: now + 3000 });
    console.log(`re-evaluation with diff: ${fmt((performance.now() - tRe) / 1000, 1)} s (assigned values changed: ${again.diff.assignedValues?.changed}, verdicts changed: ${again.diff.verdicts?.changed})`);
  } finally {
    world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  eqaBench({ scale: Number(process.argv[2] ?? '1') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
