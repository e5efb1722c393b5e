// Targets from a CSV file (lib/services/iqc/targets-csv.ts): every row checked and refused by line and
// column (the form's checks, categorical items, conflicts with stored data found while writing), the
// preview keeps nothing, a valid file writes every row in one transaction; another lab's manager and a
// regulator are refused before the file is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { createSeededTestDb } from '../support/db';
import { appErrorAsync } from '../support/errors';
import { analytes, controlLots, qcTargets } from '@/db/schema';
import type { Actor } from '@/lib/auth/core';
import { importTargetsCsv } from '@/lib/services/iqc/targets-csv';
import { postResults } from '@/lib/services/iqc/api';

const NOW = Date.UTC(2026, 10, 25, 4, 0);
const HEADER = 'analyte_code,level,lot,mean,sd,instrument,effective_from,expires_on,reason';

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;

const lotsLike = async (pattern: string) => await t.db.select().from(controlLots).where(and(eq(controlLots.labId, lab.labId!), like(controlLots.lotNumber, pattern)));
const targetCount = async () => (await t.db.select({ id: qcTargets.id }).from(qcTargets).where(eq(qcTargets.labId, lab.labId!))).length;

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  await t.db.insert(analytes).values({ code: 'TQ_HBS', nameEn: 'HBsAg (test)', nameZh: '乙肝表面抗原（测试）', unit: '', category: 'serology', kind: 'qualitative', categories: [{ code: 'negative', nameEn: 'Negative', nameZh: '阴性' }, { code: 'positive', nameEn: 'Positive', nameZh: '阳性' }], teaSource: 'test fixture', createdAt: NOW, updatedAt: NOW });
});
afterAll(() => t.close());

describe('a targets file', () => {
  const valid = `${HEADER}\nGLU,1,CSV-G1,5.2,0.15,AU,2026-11-01,2027-06-30,new box\nGLU,2,CSV-G2,16.5,0.4,AU,2026-11-01,2027-06-30,new box\nk,1,CSV-K1,3.8,0.08,AU,,,\n`;

  it('is previewed with every check and nothing kept', async () => {
    const before = await targetCount();
    expect(await importTargetsCsv(t.db, lab, { text: valid }, { now: NOW, dryRun: true })).toEqual({ targets: 3, lots: 3, dryRun: true });
    expect(await targetCount()).toBe(before);
    expect(await lotsLike('CSV-%')).toEqual([]);
  });

  it('writes every row: lots, first targets (in force from effective_from, else now) and expiry days', async () => {
    expect(await importTargetsCsv(t.db, lab, { text: valid }, { now: NOW })).toEqual({ targets: 3, lots: 3, dryRun: false });
    const lots = await lotsLike('CSV-%');
    expect(lots.map((l) => [l.lotNumber, l.instrument, l.expiresOn]).sort()).toEqual([['CSV-G1', 'AU', '2027-06-30'], ['CSV-G2', 'AU', '2027-06-30'], ['CSV-K1', 'AU', null]]);
    const k1 = (await t.db.select().from(qcTargets).where(eq(qcTargets.controlLotId, lots.find((l) => l.lotNumber === 'CSV-K1')!.id)))[0];
    expect([k1.mean, k1.sd, k1.source, k1.effectiveFrom, k1.version]).toEqual([3.8, 0.08, 'manufacturer', NOW, 1]);
  });

  it('is refused with every bad row by line and column, nothing written', async () => {
    const before = await targetCount();
    const text = `${HEADER}\nNOPE,1,X1,5,0.1,AU,,,\nGLU,1,X2,5,-1,AU,,,\nGLU,1,X3,5,0.1,AU,2026-13-01,,\nGLU,1,X4,5,0.1,AU,,2026-02-30,\nGLU,1,X5,5,0.1,AU,,,\n`;
    const e = await appErrorAsync(() => importTargetsCsv(t.db, lab, { text }, { now: NOW }));
    expect(e.status).toBe(422);
    expect(e.errors.map((x) => [x.row, x.field])).toEqual([[2, 'analyte_code'], [3, 'sd'], [4, 'effective_from'], [5, 'expires_on']]);
    expect(await targetCount()).toBe(before);
    expect(await lotsLike('X_')).toEqual([]);
  });

  it('refuses a qualitative item\'s row by line (its controls take an expected result, on the form)', async () => {
    const e = await appErrorAsync(() => importTargetsCsv(t.db, lab, { text: `${HEADER}\nGLU,1,Q1,5,0.1,AU,,,\ntq_hbs,NEG,Q2,0.2,0.05,AU,,,\n` }, { now: NOW }));
    expect(e.errors).toMatchObject([{ row: 3, field: 'analyte_code', code: 'iqc.csvTargetCategorical' }]);
    expect(await lotsLike('Q_')).toEqual([]);
  });

  it('names the line of a row that conflicts with stored data (targets before the lot\'s last result), nothing written', async () => {
    // a result of CSV-G1 at 2026-11-20 08:00: new targets must take effect after it
    const res = new Request('http://localhost/api/v1/iqc/results', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ results: [{ analyte: 'GLU', level: '1', lot: 'CSV-G1', instrument: 'AU', value: 5.2, measuredAt: '2026-11-20 08:00' }] }) });
    await postResults(t.db, lab, res, NOW);
    const before = await targetCount();
    const e = await appErrorAsync(() => importTargetsCsv(t.db, lab, { text: `${HEADER}\nNA,1,CSV-N1,140,1.5,AU,,,\nGLU,1,CSV-G1,5.3,0.15,AU,2026-11-10,,insert v2\n` }, { now: NOW }));
    expect([e.status, e.reason]).toEqual([409, 'iqc.targetsBeforeLastResult']);
    expect(e.errors).toMatchObject([{ row: 3, field: '(row)', code: 'iqc.targetsBeforeLastResult' }]);
    expect(await targetCount()).toBe(before);
    expect(await lotsLike('CSV-N1')).toEqual([]);
  });

  it('is refused to a regulator (403) before the file is read; a lab manager writes only their own lab', async () => {
    const e = await appErrorAsync(() => importTargetsCsv(t.db, t.regulators.zj, { text: 'not,a,targets,file', lab: 'GZ-001' }, { now: NOW }));
    expect(e.status).toBe(403);
    const other = await appErrorAsync(() => importTargetsCsv(t.db, t.labManagers.get('HZ-001')!, { text: valid, lab: 'GZ-001' }, { now: NOW }));
    expect(other.status).toBe(403);
  });

  it('refuses an empty file and one without the required columns', async () => {
    expect((await appErrorAsync(() => importTargetsCsv(t.db, lab, { text: `${HEADER}\n` }, { now: NOW }))).reason).toBe('file.noRows');
    const e = await appErrorAsync(() => importTargetsCsv(t.db, lab, { text: 'analyte_code,level,lot\nGLU,1,L\n' }, { now: NOW }));
    expect(e.status).toBe(422);
  });
});
