// The demo seed's recognition part: policies, verdicts and certifications in every state, and the
// point-in-time answers it sets up; and robustness when the IQC/EQA evidence is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '@/test/support/db';
import { createRandom } from '@/db/seed/random';
import { seedRecognition } from '@/db/seed/recognition';
import { verifyRecognition } from '@/lib/services/recognition/verification';
import { addDays, addMonths } from '@/lib/calendar';
import { NOW, TODAY, addGoodEvidence, analyteId, labId } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
const ctxOf = (w: World) => ({ db: w.db, now: NOW, random: createRandom(1), admin: w.admin, regulators: w.regulators, labManagers: w.labManagers, log: () => {} });

describe('demo seed: recognition', () => {
  let w: World;
  beforeAll(async () => {
    w = await createSeededTestDb();
    for (const lab of ['GZ-001', 'GZ-002', 'GZ-003', 'SZ-001', 'SZ-002', 'HZ-001', 'HZ-002', 'NB-001'])
      for (const a of ['K', 'NA', 'GLU', 'ALT']) await addGoodEvidence(w.db, await labId(w.db, lab), await analyteId(w.db, a));
    await seedRecognition(ctxOf(w));
  });
  afterAll(() => w.close());

  const rows = async (sql: string) => await sqlRows(w.db, sql);

  it('creates policies for Guangdong (two versions), Zhejiang and a Shenzhen override', async () => {
    expect((await rows('SELECT r.code, p.version FROM recognition_policies p JOIN regions r ON r.id = p.region_id ORDER BY r.code, p.version'))).toEqual([
      { code: '330000', version: 1 },
      { code: '440000', version: 1 },
      { code: '440000', version: 2 },
      { code: '440300', version: 1 },
    ]);
  });

  it('has certifications in every state, one flagged, with marks of the approving regions', async () => {
    const states = Object.fromEntries((await rows('SELECT status, count(*) AS n FROM certifications GROUP BY status')).map((r) => [r.status, r.n]));
    expect(Object.keys(states).sort()).toEqual(['active', 'expired', 'revoked', 'suspended']);
    expect((await rows('SELECT count(*) AS n FROM certifications WHERE flagged = true'))).toEqual([{ n: 1 }]);
    const marks = new Set((await rows('SELECT mark FROM certifications')).map((r) => r.mark));
    expect([...marks].sort()).toEqual(['广东HR', '浙江HR', '深圳HR']);
  });

  it('leaves eligible pairs waiting for approval', async () => {
    expect((await rows(`SELECT count(*) AS n FROM eligibility_results e WHERE e.eligible = true AND NOT EXISTS
      (SELECT 1 FROM certifications c WHERE c.lab_id = e.lab_id AND c.analyte_id = e.analyte_id AND c.status IN ('active','suspended'))`))[0].n).toBeGreaterThan(0);
  });

  it('sets up a past suspension lifted later: the answer differs by date', async () => {
    const [c] = (await rows(`SELECT l.code AS lab, a.code AS analyte FROM certification_events e JOIN laboratories l ON l.id = e.lab_id JOIN analytes a ON a.id = e.analyte_id WHERE e.action = 'reinstate'`));
    const at = async (date: string) => (await verifyRecognition(w.db, { lab: c.lab, analyte: c.analyte, date }, { now: NOW })).reason;
    expect(await at(addMonths(TODAY, -6))).toBe('recognized');
    expect(await at(addMonths(TODAY, -4))).toBe('suspended');
    expect(await at(addDays(TODAY, -1))).toBe('recognized');
    expect(await at(addMonths(TODAY, -9))).toBe('not_yet_certified');
  });

  it('without any IQC or EQA evidence it still runs and simply issues nothing', async () => {
    const empty = await createSeededTestDb();
    try {
      await seedRecognition(ctxOf(empty));
      expect((await sqlRows(empty.db, 'SELECT count(*) AS n FROM certifications'))[0]).toEqual({ n: 0 });
      expect((await sqlRows<{ n: number }>(empty.db, 'SELECT count(*) AS n FROM recognition_policies'))[0].n).toBe(4);
    } finally {
      empty.close();
    }
  });
});
