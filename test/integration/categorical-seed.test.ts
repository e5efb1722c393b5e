// The demo seed's qualitative, ordinal and nominal items (db/seed/categorical.ts) with its recognition
// part: three schemes per province with published rounds graded against their intended results (the
// designed failures unsatisfactory), daily negative and positive controls with one rejected run and
// its corrective action, and qualitative items recognised on the certificates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '@/test/support/db';
import { createRandom } from '@/db/seed/random';
import { CATEGORICAL_IQC_ITEMS, seedCategoricalEqa, seedCategoricalIqc } from '@/db/seed/categorical';
import { seedRecognition } from '@/db/seed/recognition';
import { verifyRecognition } from '@/lib/services/recognition/verification';
import { certificateForLab } from '@/lib/services/recognition/certificates';
import { NOW } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;

describe('demo seed: qualitative, ordinal and nominal items', () => {
  let w: World;
  const rows = (sql: string, ...args: unknown[]) => sqlRows(w.db, sql, ...args);
  beforeAll(async () => {
    w = await createSeededTestDb();
    const ctx = { db: w.db, now: NOW, random: createRandom(1), admin: w.admin, regulators: w.regulators, labManagers: w.labManagers, log: () => {} };
    await seedCategoricalEqa(ctx);
    await seedCategoricalIqc(ctx);
    await seedRecognition(ctx);
  }, 300_000);
  afterAll(() => w.close());

  it('publishes 3 rounds of a serology, a dipstick and a blood-group scheme in each province, graded against intended results', async () => {
    expect(await rows(`SELECT s.code, count(*) AS rounds, sum(CASE WHEN r.status = 'published' THEN 1 ELSE 0 END) AS published FROM eqa_rounds r JOIN eqa_schemes s ON s.id = r.scheme_id GROUP BY s.code ORDER BY s.code`)).toEqual(
      ['GD-ABO', 'GD-SERO', 'GD-URINE', 'ZJ-ABO', 'ZJ-SERO', 'ZJ-URINE'].map((code) => ({ code, rounds: 3, published: 3 })),
    );
    expect(await rows(`SELECT DISTINCT basis FROM eqa_category_targets`)).toEqual([{ basis: 'intended' }]);
    expect((await rows(`SELECT a.code FROM eqa_scheme_analytes x JOIN eqa_schemes s ON s.id = x.scheme_id JOIN analytes a ON a.id = x.analyte_id WHERE s.code = 'GD-SERO' ORDER BY a.code`)).map((r) => r.code)).toEqual(['HBSAG', 'HCV_AB', 'HIV_AB', 'TP_AB']);
  });

  it.each([
    // 2 of 5 samples wrong: 60 % below the 80 % pass mark
    ['GZ-004', 'HCV_AB', 'GD-SERO-2026-3', 60],
    // 1 of 5 blood groups wrong: 80 % fails the 100 % event
    ['SZ-005', 'ABO_FWD', 'GD-ABO-2026-2', 80],
    // two protein samples two grades off
    ['HZ-003', 'U_PRO', 'ZJ-URINE-2026-3', 60],
  ])('%s %s is unsatisfactory in %s (score %i)', async (lab, analyte, round, score) => {
    const [s] = await rows(
      `SELECT s.score, s.verdict FROM eqa_analyte_scores s JOIN eqa_rounds r ON r.id = s.round_id JOIN laboratories l ON l.id = s.lab_id JOIN analytes a ON a.id = s.analyte_id
       WHERE l.code = ? AND a.code = ? AND r.code = ?`,
      lab,
      analyte,
      round,
    );
    expect(s).toEqual({ score, verdict: 'unsatisfactory' });
    const [e] = await rows(`SELECT CASE WHEN e.eligible THEN 1 ELSE 0 END AS eligible FROM eligibility_results e JOIN laboratories l ON l.id = e.lab_id JOIN analytes a ON a.id = e.analyte_id WHERE l.code = ? AND a.code = ?`, lab, analyte);
    expect(e).toEqual({ eligible: 0 });
  });

  it('runs a negative and a positive control of each of the 8 items at every lab; GZ-001 has one rejected HBsAg run, its corrective action resolved', async () => {
    expect(await rows(`SELECT count(DISTINCT l.lab_id || ':' || l.analyte_id || ':' || l.expected_category) AS n FROM control_lots l WHERE l.expected_category IS NOT NULL`)).toEqual([{ n: w.labManagers.size * CATEGORICAL_IQC_ITEMS.length * 2 }]);
    const rejected = await rows(
      `SELECT ca.status, ca.cause FROM iqc_runs r JOIN laboratories l ON l.id = r.lab_id JOIN analytes a ON a.id = r.analyte_id JOIN corrective_actions ca ON ca.run_id = r.id
       WHERE l.code = 'GZ-001' AND a.code = 'HBSAG' AND r.status = 'rejected'`,
    );
    expect(rejected).toEqual([{ status: 'resolved', cause: expect.stringContaining('携带污染') }]);
    expect((await rows(`SELECT count(*) AS n FROM iqc_results WHERE signal IS NOT NULL`))[0].n).toBeGreaterThan(0);
  });

  it('recognises qualitative items: GZ-001 holds HBsAg and RhD among its certificates, verified publicly', async () => {
    const codes = (await certificateForLab(w.db, 'GZ-001', { now: NOW })).recognised.map((c) => c.analyteCode);
    expect(codes).toEqual(expect.arrayContaining(['HBSAG', 'RHD', 'ABO_FWD', 'U_PRO']));
    expect(await verifyRecognition(w.db, { lab: 'GZ-001', analyte: 'HBSAG' }, { now: NOW })).toMatchObject({ recognized: true, reason: 'recognized', mark: '广东HR' });
    expect((await rows(`SELECT count(*) AS n FROM certifications c JOIN analytes a ON a.id = c.analyte_id WHERE a.kind <> 'quantitative' AND c.status = 'active'`))[0].n).toBeGreaterThan(50);
  });
});
