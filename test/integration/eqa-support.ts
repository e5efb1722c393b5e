// Shared set-up of the EQA integration tests: a seeded database, a Guangdong scheme, a round, and
// helpers that submit as a lab's manager. Not a test file itself.
import { createSeededTestDb } from '../support/db';
import { createScheme, enrollLabs } from '@/lib/services/eqa/schemes';
import { createRound, openRound } from '@/lib/services/eqa/rounds';
import { rowsFromJson, submitResults } from '@/lib/services/eqa/submissions';

export const DAY = 86_400_000;
/** The tests' clock: rounds open 10 days before and close 10 days after it. */
export const NOW = Date.UTC(2026, 5, 1, 8, 0, 0);
export const AFTER_CLOSE = NOW + 11 * DAY;

export type World = Awaited<ReturnType<typeof createSeededTestDb>>;

export const GD_LABS = [
  ...Array.from({ length: 11 }, (_, i) => `GZ-${String(i + 1).padStart(3, '0')}`),
  ...Array.from({ length: 10 }, (_, i) => `SZ-${String(i + 1).padStart(3, '0')}`),
];

export async function makeScheme(
  w: World,
  code: string,
  opts: { analytes?: { analyte: string; percent?: number; absolute?: number }[]; sigmaPtSource?: 'allowable_error' | 'robust_sd'; minPeerGroupSize?: number; labCodes?: string[] } = {},
) {
  await createScheme(
    w.db,
    w.regulators.gd,
    {
      code,
      name: `测试 ${code}`,
      nameEn: `Test ${code}`,
      regionCode: '440000',
      sigmaPtSource: opts.sigmaPtSource ?? 'allowable_error',
      minPeerGroupSize: opts.minPeerGroupSize ?? 8,
      analytes: opts.analytes ?? [{ analyte: 'K' }, { analyte: 'GLU' }],
    },
    { now: NOW - 30 * DAY },
  );
  await enrollLabs(w.db, w.regulators.gd, { schemeCode: code, ...(opts.labCodes ? { labCodes: opts.labCodes } : { all: true }) }, { now: NOW - 30 * DAY });
}

export async function makeRound(
  w: World,
  schemeCode: string,
  code: string,
  samples: string[],
  opts: { referenceValues?: { sample: string; analyte: string; value: number; uncertainty?: number }[]; opensAt?: number; closesAt?: number; open?: boolean } = {},
) {
  const opensAt = opts.opensAt ?? NOW - 10 * DAY;
  // set up before it opens (a round whose window is over cannot be created)
  const setUpAt = Math.min(NOW - 20 * DAY, opensAt - DAY);
  const round = await createRound(
    w.db,
    w.regulators.gd,
    { schemeCode, code, opensAt, closesAt: opts.closesAt ?? NOW + 10 * DAY, samples, referenceValues: opts.referenceValues ?? [] },
    { now: setUpAt },
  );
  if (opts.open !== false) await openRound(w.db, w.regulators.gd, { roundCode: code }, { now: setUpAt });
  return round;
}

export interface Row {
  sample: string;
  analyte: string;
  value: number;
  method?: string;
  instrument?: string;
}

export async function submitAs(w: World, labCode: string, roundCode: string, rows: Row[], now = NOW) {
  const actor = w.labManagers.get(labCode);
  if (!actor) throw new Error(`no manager for ${labCode}`);
  return await submitResults(w.db, actor, { roundCode, rows: rowsFromJson(rows), source: 'api' }, { now });
}
