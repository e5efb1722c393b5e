// One part of `npm run bench -- --db postgres` (test/bench/backends.ts) on the backend this process
// was started on: SQLite (no DATABASE_URL) or PostgreSQL (DATABASE_URL, a fresh database the parent
// created and drops). The backend is chosen once per process (db/backend.ts), so each backend's part
// runs in a process of its own. Prints its progress as the benches do, and its figures as one line
// `@figures {json}` for the parent's side-by-side table.
//
// `tsx test/bench/backend-part.ts <iqc|eqa|verify> <scale>`
import { asc, sql } from 'drizzle-orm';
import { createSyntheticWorld } from './synthetic';
import { iqcCsvFiles } from './iqc.bench';
import { eqaRound } from './eqa.bench';
import { verifyInstances } from './verify-instances';
import { importIqcCsv } from '@/lib/services/iqc/import-csv';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { iqcResults } from '@/db/schema';
import { dialectOf, rawRun } from '@/db/dialect';
import { withTx } from '@/db/tx';
import { bulkWriter } from '@/db/bulk';
import { pgBulkBatches, pgBulkWriter, setPgBulkMethod, type PgBulkMethod } from '@/db/pg/bulk-writer';
import { FIGURES_PREFIX, type Figure } from './backends';
import { profilePgQueries } from './pg-profile';
import { cpuSince, pgCpu } from './proc-cpu';
import { checkIqcParents, noIqcParentIds } from '@/db/pg/iqc-parents';
import { ingestStorageFloor, type FloorRun } from './ingest-floor';

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** IQC ingest: the CSV import through the app's ingest (importIqcCsv → ingestResults: parse,
 * judge, Westgard rules, runs, results, violations, audit), one file per lab and year; on PostgreSQL
 * the files alternate between the bulk writer with unnest only and with COPY for large batches.
 * After one untimed import (warm-up), the labs' files one after another, then as many other labs'
 * files all at once. Then the raw write of iqc_results rows through the bulk writer, on PostgreSQL
 * with each method and the writer's check of the rows' parents. */
async function iqcPart(scale: number): Promise<Figure[]> {
  const labs = Math.max(2, Math.round(70 * scale));
  // as many labs again for the imports of several labs at once (below), and one lab to warm up with
  const world = await createSyntheticWorld({ labs: 2 * labs + 1 });
  try {
    const { files: all, end } = await iqcCsvFiles(world, 360);
    const warmUp = all[2 * labs];
    const files = all.slice(0, labs);
    const together = all.slice(labs, 2 * labs);
    // untimed: the first import compiles the engine's code paths and fills the caches (it ran about
    // half as fast as the next ones, which would count against whichever figure comes first)
    await importIqcCsv(world.db, warmUp.actor, { text: warmUp.csv }, { source: 'api', now: end + 3_600_000 });
    const total = files.reduce((n, f) => n + f.rows, 0);
    const pg = dialectOf(world.db) === 'pg';
    console.log(`world: ${fmt(labs)} labs, ${fmt(total)} results in ${files.length} CSV files (and as many for the labs at once)`);
    const methods: PgBulkMethod[] = pg ? ['unnest', 'auto'] : ['auto'];
    const profile = pg && process.env.BENCH_PG_PROFILE === '1' ? profilePgQueries() : null;
    const tImport = performance.now();
    const spent = new Map(methods.map((m) => [m, { rows: 0, ms: 0, inserted: 0, copy: 0, unnest: 0 }]));
    for (const [i, f] of files.entries()) {
      const m = methods[i % methods.length];
      setPgBulkMethod(m);
      const before = { ...pgBulkBatches };
      const t0 = performance.now();
      const out = await importIqcCsv(world.db, f.actor, { text: f.csv }, { source: 'api', now: end + 3_600_000 });
      const s = spent.get(m)!;
      s.copy += pgBulkBatches.copy - before.copy;
      s.unnest += pgBulkBatches.unnest - before.unnest;
      s.ms += performance.now() - t0;
      s.rows += f.rows;
      s.inserted += out.inserted;
    }
    setPgBulkMethod('auto');
    profile?.report('the CSV import', performance.now() - tImport);
    const figures: Figure[] = [];
    for (const [m, s] of spent) {
      const variant = pg ? (m === 'auto' ? 'COPY ≥ 5,000' : 'unnest') : undefined;
      const batches = pg ? `; bulk batches: ${s.copy} by COPY, ${s.unnest} by unnest` : '';
      console.log(`CSV import with rule evaluation${variant ? ` (bulk writer: ${variant})` : ''}: ${fmt(s.rows)} results — ${fmt(s.rows / (s.ms / 1000))} results/s (${fmt(s.ms)} ms, ${fmt(s.inserted)} inserted${batches})`);
      figures.push({ measure: 'IQC ingest: CSV import through the app (rules, runs, results, audit)', unit: 'results/s', value: s.rows / (s.ms / 1000), variant, detail: `${fmt(s.rows)} results${batches}` });
    }

    // several labs at once: each lab's file in its own import, all started together (on PostgreSQL
    // each in its own transaction and connection, up to the pool's 4; SQLite has one writer). The
    // imports' JavaScript shares this one thread; the server runs them on its worker threads.
    {
      const rows = together.reduce((n, f) => n + f.rows, 0);
      const server0 = pg ? await pgCpu(world.db, 'server') : null;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const outs = await Promise.all(together.map((f) => importIqcCsv(world.db, f.actor, { text: f.csv }, { source: 'api', now: end + 3_600_000 })));
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const serverS = pg ? cpuSince(server0, await pgCpu(world.db, 'server')) : null;
      const inserted = outs.reduce((n, o) => n + o.inserted, 0);
      console.log(`CSV import, ${together.length} labs at once: ${fmt(rows)} results — ${fmt(rows / (ms / 1000))} results/s (${fmt(ms)} ms, ${fmt(inserted)} inserted)`);
      figures.push({ measure: `IQC ingest: ${together.length} labs' CSV imports at once`, unit: 'results/s', value: rows / (ms / 1000), variant: pg ? 'COPY ≥ 5,000' : undefined, detail: `${fmt(rows)} results` });
      // the CPU each result costs, which says how many cores a rate needs: the app's (on SQLite
      // the database's with it) and, on PostgreSQL on this machine, the database server's
      const appUs = (cpu.user + cpu.system) / rows;
      console.log(`  CPU per result: app process ${fmt(appUs, 1)} µs${serverS === null ? (pg ? ', database server not measurable from here' : ' (with the database)') : `, database server ${fmt((serverS * 1e6) / rows, 1)} µs (one core of it: ${fmt(rows / serverS)} results/s)`}`);
      figures.push({ measure: '  CPU per result of the labs at once: app process', unit: 'µs/result', value: appUs, detail: pg ? undefined : 'the database in the process' });
      if (serverS !== null) figures.push({ measure: '  CPU per result of the labs at once: database server', unit: 'µs/result', value: (serverS * 1e6) / rows, detail: 'its processes on this machine' });
    }

    // an LIS's everyday post: one 2-level run of one item, an hour after the last, into a lab with a
    // year of history (the first lab's file above): time and CPU per post. On PostgreSQL twice: right
    // after the imports, before the tables have statistics, and after ANALYZE, as autovacuum leaves
    // them within a minute or so of an import
    {
      const actor = files[0].actor;
      const n = 100;
      let next = 0;
      const postRun = () => {
        const measuredAt = end + 3_600_000 * (1 + next++);
        return ingestResults(world.db, actor, { results: [{ analyte: 'K', level: '1', lot: 'K-1-A', value: 3.8, measuredAt, instrument: 'C702' }, { analyte: 'K', level: '2', lot: 'K-2-A', value: 6.2, measuredAt: measuredAt + 300_000, instrument: 'C702' }] }, { source: 'api', now: end + 1_000 * 3_600_000 });
      };
      for (let i = 0; i < 10; i++) await postRun();
      for (const when of pg ? (['before statistics', 'after ANALYZE'] as const) : ([undefined] as const)) {
        if (when === 'after ANALYZE') await rawRun(world.db, sql`ANALYZE`);
        const server0 = pg ? await pgCpu(world.db, 'server') : null;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await postRun();
        const ms = (performance.now() - t0) / n;
        const cpu = process.cpuUsage(cpu0);
        const serverS = pg ? cpuSince(server0, await pgCpu(world.db, 'server')) : null;
        const cpuText = `app ${fmt((cpu.user + cpu.system) / 1000 / n, 2)} ms${serverS === null ? '' : `, database server ${fmt((serverS * 1000) / n, 2)} ms`} CPU a post`;
        console.log(`one 2-level run posted after a lab-year of history${when ? ` (${when})` : ''}: ${fmt(ms, 2)} ms a post (${n} posts one after another; ${cpuText})`);
        figures.push({ measure: 'IQC post of one 2-level run after a lab-year (LIS, one at a time)', unit: 'ms/post', value: ms, variant: when, detail: `${n} posts; ${cpuText}` });
      }
    }

    // PostgreSQL: what storing the ingest's rows costs the server alone (test/bench/ingest-floor.ts)
    if (pg) figures.push(...floorFigures(await ingestStorageFloor(world.db as unknown as Parameters<typeof ingestStorageFloor>[0])));

    // the write alone: iqc_results rows (of one stored run and lot, not current so the dedup key
    // leaves them be) through the bulk writer in one transaction, ids taken with the rows
    const [ref] = await world.db.select().from(iqcResults).orderBy(asc(iqcResults.id)).limit(1);
    const rows = Math.max(50_000, Math.round(2_000_000 * scale));
    const columns = ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'measuredAt', 'targetId', 'z', 'current', 'createdAt'] as const;
    // the two COPY formats twice each, in the order text, binary, binary, text: each later write
    // meets a bigger table and index, and this order gives both formats the same share of that
    const order = pg ? (['unnest', 'copy-text', 'copy', 'copy', 'copy-text'] as const) : (['sqlite'] as const);
    const totals = new Map<(typeof order)[number], { rows: number; ms: number; appUs: number; serverS: number | null }>();
    for (const m of order) {
      const server0 = pg ? await pgCpu(world.db, 'server') : null;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await withTx(world.db, async (tx) => {
        const opts = { columns, returnIds: true };
        const w = m === 'sqlite' ? bulkWriter(tx, iqcResults, opts) : pgBulkWriter(tx, iqcResults, opts, m);
        for (let i = 0; i < rows; i++) w.addValues([ref.runId, ref.labId, ref.analyteId, ref.controlLotId, ref.level, ref.value + i * 1e-6, end + i * 1000, ref.targetId, 0.5, pg ? false : 0, end]);
        await w.flush();
        if (w.ids.length !== rows) throw new Error(`bulk write: ${w.ids.length} ids for ${rows} rows`);
        // PostgreSQL: the keys the IQC writer checks itself, as its flush does (one statement for the set)
        if (pg) await checkIqcParents(tx, ref.labId, { ...noIqcParentIds(), runs: new Set([ref.runId]), lots: new Set([ref.controlLotId]), targets: new Set(ref.targetId === null ? [] : [ref.targetId]) });
      });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const serverS = pg ? cpuSince(server0, await pgCpu(world.db, 'server')) : null;
      const t = totals.get(m) ?? { rows: 0, ms: 0, appUs: 0, serverS: serverS === null ? null : 0 };
      totals.set(m, { rows: t.rows + rows, ms: t.ms + ms, appUs: t.appUs + cpu.user + cpu.system, serverS: t.serverS === null || serverS === null ? null : t.serverS + serverS });
    }
    for (const [m, t] of totals) {
      const variant = m === 'sqlite' ? undefined : ({ copy: 'COPY binary', 'copy-text': 'COPY text', unnest: 'unnest' } as const)[m];
      const cpuText = `app ${fmt(t.appUs / t.rows, 2)} µs${t.serverS === null ? '' : `, database server ${fmt((t.serverS * 1e6) / t.rows, 2)} µs`} a row`;
      const runs = t.rows / rows;
      console.log(`iqc_results bulk write${variant ? ` (${variant})` : ''}: ${fmt(rows)} rows${runs > 1 ? ` × ${runs}` : ''} — ${fmt(t.rows / (t.ms / 1000))} rows/s (${fmt(t.ms / runs)} ms a write; ${cpuText})`);
      figures.push({ measure: 'IQC results write alone: bulk writer, ids with the rows, one transaction', unit: 'results/s', value: t.rows / (t.ms / 1000), variant, detail: `${fmt(rows)} rows${runs > 1 ? ` × ${runs}` : ''}; ${cpuText}` });
    }
    return figures;
  } finally {
    await world.close();
  }
}

/** The floor runs as a line and a figure: the server's CPU per stored result (each run's, and the
 * median's split by table), and the rate one core could store at that cost. */
function floorFigures(runs: FloorRun[]): Figure[] {
  const totals = runs.map((r) => {
    const parts = [...r.serverS.values()];
    return parts.some((x) => x === null) ? null : (parts as number[]).reduce((a, b) => a + b, 0);
  });
  if (totals.some((t) => t === null)) {
    console.log('storing the ingest\'s rows alone: the database server runs elsewhere, its CPU is not measurable from here');
    return [];
  }
  const order = totals.map((t, i) => [t as number, i] as const).sort((a, b) => a[0] - b[0]);
  const [median, at] = order[Math.floor(order.length / 2)];
  const { results, serverS } = runs[at];
  const us = (s: number) => (s * 1e6) / results;
  const daily = ['iqc_daily_lots', 'iqc_daily_series', 'iqc_daily_pairs'] as const;
  const split = `results ${fmt(us(serverS.get('iqc_results')!), 1)}, runs ${fmt(us(serverS.get('iqc_runs')!), 1)}, daily rows ${fmt(us(daily.reduce((n, t) => n + serverS.get(t)!, 0)), 1)}, violations ${fmt(us(serverS.get('iqc_violations')!), 1)}`;
  console.log(
    `storing the ingest's rows alone (read out, COPY'd back into the emptied tables, no app; ${runs.length} runs of ${fmt(results)} results): ` +
      `database server ${totals.map((t) => fmt(us(t as number), 1)).join(', ')} µs a result (median: ${split}) — one core stores at most ${fmt(results / median)} results/s`,
  );
  return [{ measure: "IQC ingest's rows stored alone: COPY back, no app (median of 3)", unit: 'µs/result', value: us(median), detail: `database server CPU; ${split}; one core: ${fmt(results / median)} results/s` }];
}

async function eqaPart(scale: number): Promise<Figure[]> {
  const profile = process.env.DATABASE_URL?.startsWith('postgres') && process.env.BENCH_PG_PROFILE === '1' ? profilePgQueries() : null;
  const f = await eqaRound({ scale, profile: profile ?? undefined });
  const detail = `${fmt(f.results)} results, ${fmt(f.labs)} labs`;
  return [
    { measure: 'EQA evaluateRound (aim < 30 s at 2,000,000 results)', unit: 's', value: f.evalMs / 1000, detail },
    { measure: '  of which: read of the submissions', unit: 's', value: f.readMs / 1000 },
    { measure: '  of which: robust statistics and grading', unit: 's', value: f.gradeMs / 1000 },
    { measure: '  of which: diff and writes', unit: 's', value: f.writeMs / 1000 },
    { measure: 'EQA re-evaluation with diff', unit: 's', value: f.reevalMs / 1000 },
    { measure: 'EQA round CSV export, whole', unit: 's', value: f.exportMs / 1000 },
    { measure: '  its first bytes (sent while the file is written)', unit: 's', value: f.exportFirstByteMs / 1000 },
    { measure: "EQA regulator's round page reads (first page)", unit: 's', value: f.reportMs / 1000, detail: 'participation counted in SQL, one page of unsatisfactory scores' },
    { measure: 'EQA submissions bulk insert (setup)', unit: 's', value: f.bulkInsertMs / 1000, detail: 'SQLite statements; PostgreSQL bulk writer (COPY)' },
  ];
}

const PARTS: Record<string, (scale: number) => Promise<Figure[]>> = { iqc: iqcPart, eqa: eqaPart, verify: verifyInstances };

async function main() {
  const [part, scaleArg] = process.argv.slice(2);
  // BENCH_PG_BULK=unnest|copy|copy-text: every PostgreSQL bulk write one way (to compare, or to see
  // its triggers in auto_explain, which does not explain COPY)
  const forced = process.env.BENCH_PG_BULK;
  if (forced === 'unnest' || forced === 'copy' || forced === 'copy-text') setPgBulkMethod(forced);
  const run = PARTS[part];
  if (!run) throw new Error(`unknown part ${part} (${Object.keys(PARTS).join(', ')})`);
  const figures = await run(Number(scaleArg));
  console.log(FIGURES_PREFIX + JSON.stringify(figures));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
