// The IQC ingest's batch prefetch reads on PostgreSQL (db/pg/iqc-ingest-prefetch.ts): each runs on a
// seeded database and answers in the statements' row shapes. Skipped on SQLite.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createSeededTestDb, testBackend } from '../support/db';
import { countingStatements } from '../support/statements';
import { prefetchClientRuns, prefetchContextValues, prefetchLab, prefetchRegionResults } from '@/db/pg/iqc-ingest-prefetch';
import { rawAll } from '@/db/dialect';
import { withTx } from '@/db/tx';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { setRuleConfig } from '@/lib/services/iqc/rules';
import { setRunWindow } from '@/lib/services/iqc/run-window';

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
    expect((await prefetchContextValues(t.db, 1, series, 64)).values.size).toBe(0);
  });

  it('reads the lab context in one statement, as the reads it stands for answer it', async () => {
    const gz = t.labManagers.get('GZ-001')!;
    const labId = gz.labId!;
    // targets whose numbers need every digit, a categorical control, a rule set, a run window
    await setManufacturerTarget(t.db, gz, { analyte: 'K', level: '1', lot: 'K1-P', instrument: 'AU', mean: 3.8720000000000003, sd: 0.1 + 0.2, effectiveFrom: 1_700_000_000_000, expiresOn: '2027-06-30' }, 1_700_000_000_000);
    await setManufacturerTarget(t.db, gz, { analyte: 'K', level: '1', lot: 'K1-P', instrument: 'AU', mean: 1 / 3, sd: 2 / 7, effectiveFrom: 1_800_000_000_000 }, 1_800_000_000_000);
    await setRuleConfig(t.db, gz, { analyte: 'K', rules: ['1-3s', '2-2s'] }, 1_800_000_000_001);
    await setRunWindow(t.db, gz, { minutes: 45 });
    const reads = {
      catalogue: await rawAll(t.db, sql`SELECT id, code, active::int AS active, tea_percent AS "teaPercent", kind, categories::text AS categories FROM analytes`),
      lots: await rawAll(t.db, sql`SELECT id, analyte_id AS "analyteId", level, lot_number AS "lotNumber", instrument, expected_category AS "expectedCategory", expected_from AS "expectedFrom", expires_on AS "expiresOn" FROM control_lots WHERE lab_id = ${labId}`),
      targets: await rawAll(t.db, sql`SELECT t.id, t.control_lot_id AS "controlLotId", t.version, t.mean, t.sd, t.source, t.effective_from AS "effectiveFrom" FROM qc_targets t WHERE t.lab_id = ${labId} ORDER BY t.control_lot_id, t.effective_from, t.version`),
      ruleConfigs: await rawAll(t.db, sql`SELECT analyte_id AS "analyteId", rules::text AS rules FROM qc_rule_configs WHERE lab_id = ${labId}`),
      runWindow: (await rawAll(t.db, sql`SELECT run_window_minutes AS minutes FROM laboratories WHERE id = ${labId}`))[0],
    };
    const statements: string[] = [];
    const lab = await countingStatements(t.db, statements, () =>
      withTx(t.db, async (tx) => {
        statements.length = 0;
        const read = await prefetchLab(tx, labId);
        expect(statements).toHaveLength(1);
        return read;
      }),
    );
    const byId = <T extends { id: number }>(rows: T[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
    expect(byId(lab.catalogue)).toEqual(byId(reads.catalogue as { id: number }[]));
    expect(byId(lab.lots)).toEqual(byId(reads.lots as { id: number }[]));
    expect(lab.targets).toEqual(reads.targets);
    expect(lab.targets.map((x) => [x.mean, x.sd])).toEqual([[3.8720000000000003, 0.1 + 0.2], [1 / 3, 2 / 7]]);
    expect(lab.ruleConfigs).toEqual(reads.ruleConfigs);
    expect(lab.runWindow).toEqual({ minutes: 45 });
    expect(lab.runWindow).toEqual(reads.runWindow);
    expect(lab.categoricalItems.map((i) => i.code).sort()).toEqual((reads.catalogue as { code: string; kind: string }[]).filter((a) => a.kind !== 'quantitative').map((a) => a.code).sort());
  });
});
