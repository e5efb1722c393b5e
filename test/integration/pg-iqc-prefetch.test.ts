// The IQC ingest's batch prefetch reads on PostgreSQL (db/pg/iqc-ingest-prefetch.ts): each runs on a
// seeded database and answers in the statements' row shapes. Skipped on SQLite.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSeededTestDb, testBackend } from '../support/db';
import { prefetchClientRuns, prefetchContextValues, prefetchLab, prefetchRegionResults } from '@/db/pg/iqc-ingest-prefetch';

describe.skipIf(testBackend !== 'pg')('IQC ingest prefetch on PostgreSQL', () => {
  let t: Awaited<ReturnType<typeof createSeededTestDb>>;
  beforeEach(async () => {
    t = await createSeededTestDb();
  });
  afterEach(async () => {
    await t.close();
  });

  it('reads a lab context and the per-series rows of a batch', async () => {
    const lab = await prefetchLab(t.db, 1);
    expect(lab.catalogue.length).toBeGreaterThan(0);
    expect(typeof lab.catalogue[0].active).toBe('number');
    const series = [{ analyteId: lab.catalogue[0].id, instrument: 'X', from: Date.now() }];
    expect((await prefetchClientRuns(t.db, 1, [{ analyteId: lab.catalogue[0].id, instrument: 'X', clientRunId: 'r1' }])).size).toBe(0);
    expect((await prefetchRegionResults(t.db, 1, series)).size).toBe(0);
    expect((await prefetchContextValues(t.db, 1, series, 64)).size).toBe(0);
  });
});
