/**
 * Evaluation of a national-scale EQA round (issue 5): 10,000 labs × 40 analytes × 5 samples =
 * 2,000,000 current results, read from the database, evaluated (Algorithm A per peer group, z/z′,
 * acceptability, round scores, performance history) and written back in one transaction. The
 * submissions are bulk-inserted first (not timed as evaluation); a sample of labs also submits
 * through the real submission service to show its throughput. Sizes scale with `opts.scale`.
 *
 * Run alone: `npx tsx test/bench/eqa.bench.ts [scale]`. On PostgreSQL (`npm run bench -- --db postgres`,
 * DATABASE_URL set) the submissions go in through the bulk writer (COPY) instead of SQLite statements.
 */
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld } from './synthetic';
import { createScheme, enrollLabs } from '../../lib/services/eqa/schemes';
import { closeRound, createRound, openRound } from '../../lib/services/eqa/rounds';
import { rowsFromJson, submitResults } from '../../lib/services/eqa/submissions';
import { evaluateRound } from '../../lib/services/eqa/evaluation';
import { regulatorRoundReport } from '../../lib/services/eqa/reports';
import { streamWhileWritten, writeRoundExport } from '../../lib/services/eqa/export-file';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { analytes, eqaRounds, eqaSamples, eqaSubmissions } from '@/db/schema';
import { dialectOf } from '@/db/dialect';
import { withTx } from '@/db/tx';
import { bulkWriter } from '@/db/bulk';
import type { PgProfile } from './pg-profile';

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

/** What one run measured (the side-by-side table of `--db postgres` prints these). */
export interface EqaFigures {
  labs: number;
  results: number;
  /** evaluateRound, wall ms, and its phases from the progress reports: the read of the submissions
   * (to 20 %), the robust statistics and grading (to 60 %), the diff and the writes (the rest) */
  evalMs: number;
  readMs: number;
  gradeMs: number;
  writeMs: number;
  reevalMs: number;
  bulkInsertMs: number;
  /** regulatorRoundReport of the national round (the round page's reads), wall ms */
  reportMs: number;
  /** the round's CSV export read to its end as the route sends it, wall ms */
  exportMs: number;
  /** until its first bytes could be sent, wall ms */
  exportFirstByteMs: number;
}

export default async function eqaBench(opts: { scale: number }): Promise<void> {
  await eqaRound(opts);
}

export async function eqaRound(opts: { scale: number; profile?: PgProfile }): Promise<EqaFigures> {
  const labs = Math.max(20, Math.round(10_000 * opts.scale));
  const SAMPLES = ['N1', 'N2', 'N3', 'N4', 'N5'];
  const t0 = performance.now();
  const world = await createSyntheticWorld({ labs });
  try {
    const { db, regulator } = world;
    const pg = dialectOf(db) === 'pg';
    const analyteCodes = (await db.select({ code: analytes.code }).from(analytes).where(isNotNull(analytes.teaPercent)).orderBy(asc(analytes.id)).limit(40)).map((a) => a.code);
    const now = Date.now();
    await createScheme(db, regulator, { code: 'NAT', name: '全国常规化学', regionCode: '100000', analytes: analyteCodes.map((analyte) => ({ analyte })) }, { now: now - 10 * 86_400_000 });
    await enrollLabs(db, regulator, { schemeCode: 'NAT', all: true }, { now: now - 10 * 86_400_000 });
    await createRound(db, regulator, { schemeCode: 'NAT', code: 'NAT-1', opensAt: now - 5 * 86_400_000, closesAt: now + 86_400_000, samples: SAMPLES }, { now: now - 9 * 86_400_000 });
    await openRound(db, regulator, { roundCode: 'NAT-1' }, { now: now - 9 * 86_400_000 });
    const roundId = (await db.select({ id: eqaRounds.id }).from(eqaRounds).where(eq(eqaRounds.code, 'NAT-1')))[0].id;
    const sampleIds = (await db.select({ id: eqaSamples.id }).from(eqaSamples).where(and(eq(eqaSamples.roundId, roundId))).orderBy(asc(eqaSamples.ordinal))).map((x) => x.id);
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
    function* bulkRows() {
      for (let l = viaService; l < labs; l++) {
        const method = `M${l % 3}`;
        for (let a = 0; a < analyteIds.length; a++) {
          for (let s = 0; s < SAMPLES.length; s++) yield [world.labIds[l], sampleIds[s], analyteIds[a], truth[a][s] * (1 + 0.03 * (random() - 0.5)) * (random() < 0.01 ? 1.5 : 1), method] as const;
        }
      }
    }
    if (pg) {
      // PostgreSQL: the bulk writer (COPY for its batches of 10,000)
      await withTx(db, async (tx) => {
        const w = bulkWriter(tx, eqaSubmissions, { columns: ['roundId', 'labId', 'sampleId', 'analyteId', 'value', 'method', 'instrument', 'version', 'current', 'source', 'submittedAt'] });
        for (const [labId, sampleId, analyteId, value, method] of bulkRows()) w.addValues([roundId, labId, sampleId, analyteId, value, method, '', 1, true, 'seed', now]);
        await w.flush();
      });
    } else {
      db.$client.pragma('cache_size = -262144');
      const insert = db.$client.prepare(
        `insert into eqa_submissions (round_id, lab_id, sample_id, analyte_id, value, method, instrument, version, current, source, submitted_at) values (?, ?, ?, ?, ?, ?, '', 1, 1, 'seed', ?)`,
      );
      db.$client.transaction(() => {
        for (const [labId, sampleId, analyteId, value, method] of bulkRows()) insert.run(roundId, labId, sampleId, analyteId, value, method, now);
      })();
    }
    const bulkInsertMs = performance.now() - tBulk;
    const total = labs * analyteCodes.length * SAMPLES.length;
    console.log(`bulk insert of the remaining submissions: ${fmt(bulkInsertMs / 1000, 1)} s`);

    await closeRound(db, regulator, { roundCode: 'NAT-1' }, { now: now + 1000 });
    let lastPrinted = -1;
    const at: Record<number, number> = {};
    opts.profile?.reset();
    const tEval = performance.now();
    const summary = await evaluateRound(db, regulator, { roundCode: 'NAT-1' }, {
      now: now + 2000,
      onProgress: (f) => {
        at[f] ??= performance.now() - tEval;
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
    const readMs = at[0.2] ?? NaN;
    const gradeMs = (at[0.6] ?? NaN) - readMs;
    const writeMs = evalMs - (at[0.6] ?? NaN);
    opts.profile?.report('evaluateRound', evalMs);
    console.log(`  phases: read of the submissions ${fmt(readMs / 1000, 1)} s · robust statistics and grading ${fmt(gradeMs / 1000, 1)} s · diff and writes ${fmt(writeMs / 1000, 1)} s`);
    const tRe = performance.now();
    const again = await evaluateRound(db, regulator, { roundCode: 'NAT-1' }, { now: now + 3000 });
    const reevalMs = performance.now() - tRe;
    console.log(`re-evaluation with diff: ${fmt(reevalMs / 1000, 1)} s (assigned values changed: ${again.diff.assignedValues?.changed}, verdicts changed: ${again.diff.verdicts?.changed})`);
    // the regulator's round page: participation counted in SQL, one page of unsatisfactory scores and
    // of assigned values (the page's reads, without rendering), the first page and a filtered later one
    const tReport = performance.now();
    const report = await regulatorRoundReport(db, regulator, { roundCode: 'NAT-1' }, { now: now + 4000 });
    const reportMs = performance.now() - tReport;
    const tFiltered = performance.now();
    await regulatorRoundReport(db, regulator, { roundCode: 'NAT-1', failed: { page: 3, size: 50, sort: 'score', dir: 'desc', q: analyteCodes[0] } }, { now: now + 4000 });
    const filteredMs = performance.now() - tFiltered;
    const failed = report.evaluated ? report.failed.total : 0;
    console.log(`regulator's round page reads: ${fmt(reportMs)} ms (${fmt(failed)} unsatisfactory of ${fmt(summary.scores)} scores, first page); filtered, sorted page 3: ${fmt(filteredMs)} ms`);
    // the round's CSV export as the route sends it (here the job runs in this thread): the first bytes,
    // the whole, and what it held in memory
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const tExport = performance.now();
    const body = await streamWhileWritten((fd) => writeRoundExport(db, regulator, { roundCode: 'NAT-1', fd }));
    const firstByteMs = performance.now() - tExport;
    let exportedBytes = 0;
    const reader = body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) exportedBytes += chunk.value.byteLength;
    const exportMs = performance.now() - tExport;
    clearInterval(sampler);
    console.log(`CSV export: ${fmt(exportedBytes / 1e6, 1)} MB in ${fmt(exportMs / 1000, 1)} s, the first bytes after ${fmt(firstByteMs)} ms (resident memory +${fmt((rssPeak - rssBefore) / 1e6)} MB at most)`);
    return { labs, results: summary.results, evalMs, readMs, gradeMs, writeMs, reevalMs, bulkInsertMs, reportMs, exportMs, exportFirstByteMs: firstByteMs };
  } finally {
    await world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  eqaBench({ scale: Number(process.argv[2] ?? '1') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
