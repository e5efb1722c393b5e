// The demo data set: deterministic (fixed PRNG seed), laid out relative to the seed's clock, written
// through the same services and validation as real input.
import type { DB } from '../client';
import { users } from '../schema';
import { count } from 'drizzle-orm';
import { createRandom } from './random';
import { seedBase } from './base';
import type { SeedContext } from './context';
import { seedIqc } from './iqc';
import { seedEqa } from './eqa';
import { seedRecognition } from './recognition';
import { seedAdmin } from './admin';

export const DEMO_RANDOM_SEED = 20261125;

export function isEmpty(db: DB): boolean {
  return db.select({ n: count() }).from(users).get()!.n === 0;
}

export async function seedDemo(db: DB, opts: { now?: number; log?: (m: string) => void } = {}) {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const base = seedBase(db);
  log(`regions, catalogue, labs and accounts (${Date.now() - t0} ms)`);
  const ctx: SeedContext = { db, now: opts.now ?? Date.now(), random: createRandom(DEMO_RANDOM_SEED), log, ...base };
  for (const [name, part] of [
    ['internal QC', seedIqc],
    ['EQA', seedEqa],
    ['recognition', seedRecognition],
    // last: it deactivates an account that earlier parts act as
    ['administration', seedAdmin],
  ] as const) {
    const t = Date.now();
    await part(ctx);
    log(`${name} (${Date.now() - t} ms)`);
  }
}
