// The regulator's EQA forms for categorical items (issue 12), through their server actions: the scheme
// form sets the consensus share, the ordinal tolerance, the negative rule and the pass marks per kind;
// the round form's reference lines take a category code for a qualitative or ordinal item and a number
// for a quantitative one, and a number for a categorical item is refused with its reason code.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';
import { createSeededTestDb, sqlRows } from '../support/db';
import type { World } from './eqa-support';

const state: { w: World | null; actor: Actor | null } = { w: null, actor: null };
vi.mock('@/lib/auth', () => ({ currentActor: async () => state.actor }));
vi.mock('@/db/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('@/db/client')>()), getDb: () => state.w!.db }));
vi.mock('next/cache', () => ({ revalidatePath: () => undefined }));

const { createRoundAction, createSchemeAction } = await import('@/app/(regulator)/regulator/eqa/actions');

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
  state.w = w;
  state.actor = w.regulators.gd;
});
afterEach(() => w.close());

function form(fields: Record<string, string>) {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

const SCHEME = { code: 'F-URINE', regionCode: '440000', name: '尿液', analytes: 'U_PRO, HBSAG, K' };

describe('regulator EQA forms for categorical items', () => {
  it('the scheme form stores the categorical settings it was given (negative rule off)', async () => {
    const r = await createSchemeAction({ ok: false }, form({ ...SCHEME, consensusPercent: '90', ordinalTolerance: '2', negativeMustBeNegative: 'false', passPercentQualitative: '75', passPercentOrdinal: '70', passPercentNominal: '100' }));
    expect(r).toMatchObject({ ok: true, data: { code: 'F-URINE' } });
    const row = (await sqlRows(w.db, 'select consensus_percent c, ordinal_tolerance t, CASE WHEN negative_must_be_negative THEN 1 ELSE 0 END n, pass_percent_qualitative q, pass_percent_ordinal o, pass_percent_nominal m from eqa_schemes where code = ?', 'F-URINE'))[0];
    expect(row).toEqual({ c: 90, t: 2, n: 0, q: 75, o: 70, m: 100 });
  });

  it('the round form reads each reference line per item kind: a category for U_PRO and HBSAG, a number for K', async () => {
    expect((await createSchemeAction({ ok: false }, form({ ...SCHEME, negativeMustBeNegative: 'true' }))).ok).toBe(true);
    // a window still ahead, whenever the test runs (a round whose window is over is refused)
    const year = new Date().getUTCFullYear() + 1;
    const round = { schemeCode: 'F-URINE', code: 'F-URINE-1', opensAt: `${year}-06-01T08:00`, closesAt: `${year}-06-10T08:00`, samples: 'S1, S2' };
    const r = await createRoundAction({ ok: false }, form({ ...round, references: 'S1, U_PRO, 2+\nS2, HBSAG, pos\nS1, K, 4.2' }));
    expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
    // the form's datetime-local values mean China Standard Time (08:00 there is 00:00 UTC)
    expect(await sqlRows(w.db, `select opens_at o, closes_at c from eqa_rounds where code = 'F-URINE-1'`)).toEqual([{ o: Date.UTC(year, 5, 1), c: Date.UTC(year, 5, 10) }]);
    const refs = await sqlRows(w.db, 'select s.code sample, a.code analyte, r.value value, r.category category from eqa_reference_values r join eqa_samples s on s.id = r.sample_id join analytes a on a.id = r.analyte_id order by a.code');
    // U_PRO: negative, trace, 1+, 2+ → grade 3; HBSAG: negative, positive → grade 1 ('pos' is an alias)
    expect(refs).toEqual([
      { sample: 'S2', analyte: 'HBSAG', value: 1, category: 'positive' },
      { sample: 'S1', analyte: 'K', value: 4.2, category: null },
      { sample: 'S1', analyte: 'U_PRO', value: 3, category: '2+' },
    ]);
    // a number for a categorical item: refused with the reason code of readItemValue
    const bad = await createRoundAction({ ok: false }, form({ ...round, code: 'F-URINE-2', references: 'S1, U_PRO, 5' }));
    expect(bad.ok).toBe(false);
    expect(bad.errors?.map((e) => e.code)).toContain('value.categoryNotNumber');
  });
});
