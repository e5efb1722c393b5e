import type { DB } from '../client';
import type { Actor } from '@/lib/auth/core';
import type { Random } from './random';

/** What every part of the demo seed receives: the database, a fixed clock, a seeded PRNG, and
 * the demo accounts' actors (each part writes through the services as a real user would). */
export interface SeedContext {
  db: DB;
  /** the seed's "now" (epoch ms); data is laid out relative to it */
  now: number;
  random: Random;
  admin: Actor;
  regulators: Record<'gd' | 'sz' | 'zj', Actor>;
  /** lab code → the actor of that lab's manager */
  labManagers: Map<string, Actor>;
  log: (msg: string) => void;
}
