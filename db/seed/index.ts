// The demo data set: deterministic (fixed PRNG seed), laid out relative to the seed's clock, written
// through the same services and validation as real input.
import type { DB } from '../client';
import { laboratories, regions, users } from '../schema';
import { count } from 'drizzle-orm';
import { createRandom } from './random';
import { seedBase } from './base';
import type { SeedContext } from './context';
import { seedIqc } from './iqc';
import { seedEqa } from './eqa';
import { seedCategoricalEqa, seedCategoricalIqc } from './categorical';
import { seedRecognition } from './recognition';
import { seedAdmin } from './admin';
import { first } from '@/db/dialect';

export const DEMO_RANDOM_SEED = 20261125;

export async function isEmpty(db: DB): Promise<boolean> {
  for (const t of [users, regions, laboratories]) if (first(await db.select({ n: count() }).from(t).limit(1))!.n !== 0) return false;
  return true;
}

/** Why the demo seed must not run here, or null: never in production (its accounts share one
 * published password), never over existing data. */
export async function demoSeedRefusal(db: DB): Promise<string | null> {
  if (process.env.NODE_ENV === 'production') return 'the demo data is never seeded when NODE_ENV=production (create an administrator with `npm run admin:create -- --email …`)';
  if (!(await isEmpty(db))) return 'the database already has data; the demo seed runs only on an empty database (`npm run db:seed -- --reset` starts again)';
  return null;
}

export async function seedDemo(db: DB, opts: { now?: number; log?: (m: string) => void } = {}) {
  const refusal = await demoSeedRefusal(db);
  if (refusal) throw new Error(`Refused: ${refusal}`);
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const base = await seedBase(db);
  log(`regions, catalogue, labs and accounts (${Date.now() - t0} ms)`);
  const ctx: SeedContext = { db, now: opts.now ?? Date.now(), random: createRandom(DEMO_RANDOM_SEED), log, ...base };
  for (const [name, part] of [
    // before the internal QC: each publication recomputes its participants' verdicts, cheap without IQC yet
    ['EQA of qualitative, ordinal and nominal items', seedCategoricalEqa],
    ['internal QC', seedIqc],
    ['EQA', seedEqa],
    ['IQC of qualitative, ordinal and nominal items', seedCategoricalIqc],
    ['recognition', seedRecognition],
    // last: it deactivates an account that earlier parts act as
    ['administration', seedAdmin],
  ] as const) {
    const t = Date.now();
    await part(ctx);
    log(`${name} (${Date.now() - t} ms)`);
  }
}
