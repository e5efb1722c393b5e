/**
 * Server time of the regulator's recognition queue (issue 11) on national synthetic data: every
 * lab × test has a stored verdict (two thirds eligible, one pair in forty certified), and the queue
 * is read one page at a time — the first page, a deep page, another sort, a text filter and a city —
 * for the national regulator and for one province. Scale 1 = 10,000 labs.
 *
 * Run alone: `npx tsx test/bench/queue.bench.ts [scale]`.
 */
import { pathToFileURL } from 'node:url';
import { createSyntheticWorld, type SyntheticWorld } from './synthetic';
import { bulkInsert } from '@/db/bulk';
import { certifications, eligibilityResults } from '@/db/schema';
import { listRegions } from '@/db/queries/regions';
import { recognitionQueuePage } from '@/lib/services/recognition/queue';
import type { PageRequest } from '@/db/queries/paging';
import type { QueueSort } from '@/db/queries/recognition-queue';
import type { Actor } from '@/lib/auth/core';
import { withTx } from '@/db/tx';

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** The median of `runs` timings of fn, in ms (the first call warms the statement cache). */
async function median(fn: () => unknown, runs = 5): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** Stored verdicts for every lab × test of the world (two thirds eligible, every 40th pair certified,
 * every 400th flagged), as the nightly engine and the regulators leave them. */
export async function addVerdicts(world: SyntheticWorld, now = Date.now()) {
  const { db } = world;
  const tests = [...world.analyteIds.values()];
  const verdicts: (typeof eligibilityResults.$inferInsert)[] = [];
  const certs: (typeof certifications.$inferInsert)[] = [];
  const nation = (await listRegions(db)).find((r) => r.level === 'national')!;
  for (const labId of world.labIds) {
    for (const analyteId of tests) {
      const i = verdicts.length;
      verdicts.push({ labId, analyteId, policyId: null, eligible: i % 3 !== 0, criteria: [], computedAt: now - (i % 1000) * 60_000 });
      if (i % 40 === 1)
        certs.push({ labId, analyteId, scopeRegionId: nation.id, scope: 'national', mark: 'HR', certificateNo: `B${i}`, status: 'active', validFrom: '2026-01-01', validTo: '2027-12-31', flagged: i % 400 === 1, createdAt: now, updatedAt: now });
    }
  }
  await withTx(db, async () => {
    bulkInsert(db, eligibilityResults, verdicts);
    bulkInsert(db, certifications, certs);
  });
  db.$client.exec('ANALYZE');
  return { tests: tests.length, verdicts: verdicts.length, certifications: certs.length };
}

export default async function queueBench(opts: { scale: number }) {
  const labs = Math.max(200, Math.round(10_000 * opts.scale));
  const world = await createSyntheticWorld({ labs });
  try {
    const { db } = world;
    const n = await addVerdicts(world);
    console.log(`${fmt(labs)} labs × ${n.tests} tests: ${fmt(n.verdicts)} verdicts, ${fmt(n.certifications)} certifications`);

    const province = (await listRegions(db)).find((r) => r.level === 'province')!;
    const city = (await listRegions(db)).find((r) => r.level === 'city' && r.path.startsWith(province.path))!;
    const provincial: Actor = { ...world.regulator, regionId: province.id, regionCode: province.code, regionPath: province.path };
    const page = (p: Partial<PageRequest<QueueSort>> = {}): PageRequest<QueueSort> => ({ page: 1, size: 50, sort: 'city', dir: 'asc', q: '', ...p });
    const cases: [string, Actor, Parameters<typeof recognitionQueuePage>[2], PageRequest<QueueSort>][] = [
      ['national, page 1', world.regulator, {}, page()],
      ['national, page 200', world.regulator, {}, page({ page: 200 })],
      ['national, by test, descending', world.regulator, {}, page({ sort: 'analyte', dir: 'desc' })],
      ['national, by verdict time', world.regulator, {}, page({ sort: 'computed', dir: 'desc' })],
      ['national, text filter (one lab)', world.regulator, {}, page({ q: 'L000123' })],
      ['province, page 1', provincial, {}, page()],
      ['province, one city, by lab', provincial, { cityCode: city.code }, page({ sort: 'lab' })],
    ];
    for (const [name, actor, input, req] of cases) {
      let total = 0;
      const ms = await median(async () => {
        const q = await recognitionQueuePage(db, actor, input, { approve: req, review: { ...req, page: 1 } });
        total = q.toApprove.total;
      });
      console.log(`recognition queue (${name}): ${ms.toFixed(1)} ms server time, ${fmt(total)} pairs to approve`);
    }
  } finally {
    world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  queueBench({ scale: Number(process.argv[2] ?? '1') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
