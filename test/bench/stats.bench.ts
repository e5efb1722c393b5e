/**
 * Throughput of the statistics engine (issue 3): Algorithm A on 10,000 values, and Westgard
 * multirules over 1,000,000 runs of 2 levels, with a check that the Westgard evaluation is linear
 * in the number of runs (time for 1M runs ÷ time for 250k runs ≈ 4; a quadratic rescan would give
 * ≈ 16). Sizes are multiplied by `opts.scale` (1 = the sizes). Data come from a seeded
 * PRNG, so every run of the benchmark evaluates the same numbers.
 *
 * Run alone: `npx tsx test/bench/stats.bench.ts [scale]`.
 */
import { pathToFileURL } from 'node:url';
import { algorithmA, DEFAULT_WESTGARD_RULES, evaluateWestgard, type RunInput, type RunVerdict } from '../../lib/stats';

/** mulberry32: a small, fast, seeded 32-bit PRNG (Tommy Ettinger, public domain). Returns [0, 1). */
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

/** Standard normal deviate by the Box-Muller transform. */
function normal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(u) is finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

function benchAlgorithmA(scale: number): void {
  const n = Math.max(3, Math.round(10_000 * scale));
  const random = mulberry32(13528);
  // EQA-like data: potassium around 4.2 mmol/L, CV 2 %, with 3 % gross outliers
  const values = Array.from({ length: n }, () => (random() < 0.03 ? 4.2 * (1 + 0.5 * random()) : 4.2 + 0.084 * normal(random)));

  for (let i = 0; i < 3; i++) algorithmA(values); // warm-up (JIT)
  let calls = 0;
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (calls < 5 || (elapsed < 1000 && calls < 1000)) {
    iterations = algorithmA(values).iterations;
    calls++;
    elapsed = performance.now() - start;
  }
  const msPerCall = elapsed / calls;
  console.log(
    `algorithmA: ${fmt(n)} values, ${iterations} iterations to convergence — ` +
      `${fmt(1000 / msPerCall, 1)} calls/s, ${fmt(msPerCall, 3)} ms per call (${calls} calls)`,
  );
}

function benchWestgard(scale: number): void {
  const total = Math.max(1000, Math.round(1_000_000 * scale));
  const quarter = Math.max(250, Math.round(total / 4));
  const random = mulberry32(1981);
  const runs: RunInput[] = new Array<RunInput>(total);
  for (let i = 0; i < total; i++) {
    runs[i] = {
      id: `r${i}`,
      values: [
        { level: 'L1', z: normal(random) },
        { level: 'L2', z: normal(random) },
      ],
    };
  }
  const rules = DEFAULT_WESTGARD_RULES[2];
  const firstQuarter = runs.slice(0, quarter);

  evaluateWestgard(runs.slice(0, Math.min(total, 20_000)), rules); // warm-up (JIT)
  const small = time(() => evaluateWestgard(firstQuarter, rules));
  const full = time(() => evaluateWestgard(runs, rules));

  const counts = { accepted: 0, warning: 0, rejected: 0 };
  for (const v of full.result as RunVerdict[]) counts[v.status]++;
  console.log(
    `evaluateWestgard: ${fmt(total)} runs × 2 levels, rules ${rules.join(' ')} — ` +
      `${fmt(total / (full.ms / 1000))} runs/s (${fmt(full.ms)} ms); ` +
      `${fmt(counts.accepted)} accepted, ${fmt(counts.warning)} warning, ${fmt(counts.rejected)} rejected`,
  );
  console.log(
    `evaluateWestgard linearity: ${fmt(quarter)} runs in ${fmt(small.ms)} ms, ${fmt(total)} runs in ${fmt(full.ms)} ms — ` +
      `time ratio ${fmt(full.ms / small.ms, 2)} for ${fmt(total / quarter, 2)}× the runs (linear ≈ ${fmt(total / quarter, 0)}, quadratic ≈ ${fmt((total / quarter) ** 2, 0)})`,
  );
}

export default async function statsBench(opts: { scale: number }): Promise<void> {
  const scale = Number.isFinite(opts.scale) && opts.scale > 0 ? opts.scale : 1;
  console.log(`stats bench (scale ${scale})`);
  benchAlgorithmA(scale);
  benchWestgard(scale);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await statsBench({ scale: Number(process.argv[2] ?? process.env.BENCH_SCALE ?? 1) });
}
