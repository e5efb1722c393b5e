// EQA submissions and access rules against a real SQLite file: the deadline, versions, all-or-nothing
// validation (JSON and CSV), plausibility warnings, and every refusal.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import pg from 'pg';
import { createSeededTestDb, fakeActor, testBackend } from '../support/db';
import { auditLog, controlLots, eqaSubmissions, laboratories, qcTargets, analytes } from '@/db/schema';
import { listRounds, closeRound } from '@/lib/services/eqa/rounds';
import { checkSubmission, rowsFromCsv, submissionTemplateCsv, submitFromPage, submitResults } from '@/lib/services/eqa/submissions';
import { evaluateRound, publishRound } from '@/lib/services/eqa/evaluation';
import { getRoundResults, labRoundReport, roundCsv } from '@/lib/services/eqa/reports';
import { createScheme } from '@/lib/services/eqa/schemes';
import { AFTER_CLOSE, DAY, GD_LABS, NOW, makeRound, makeScheme, submitAs, type World } from './eqa-support';
import { first } from '@/db/dialect';

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
  await makeScheme(w, 'CHEM', { analytes: [{ analyte: 'K' }, { analyte: 'GLU' }] });
  await makeRound(w, 'CHEM', 'R-1', ['S1', 'S2']);
});
afterEach(() => w.close());

const submissions = async () => await w.db.select().from(eqaSubmissions);
const lab = (code: string) => w.labManagers.get(code)!;

describe('the submission window', () => {
  it.each([
    ['before the opening time', NOW - 11 * DAY],
    ['exactly at the closing time', NOW + 10 * DAY],
    ['after the closing time', NOW + 11 * DAY],
  ])('a submission %s is refused with 409 and writes nothing', async (_t, at) => {
    await expect(async () => await submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4 }], at)).rejects.toThrow(expect.objectContaining({ code: 'conflict', status: 409 }));
    expect(await submissions()).toHaveLength(0);
  });

  // PostgreSQL only: SQLite's write transactions run one at a time, so a close and a submission never overlap
  it.skipIf(testBackend !== 'pg')('a submission sent while the round is being closed waits for the close and is refused (an evaluation after the close would miss it)', async () => {
    const holder = new pg.Client({ connectionString: w.file });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("UPDATE eqa_rounds SET status = 'closed', closes_at = $1 WHERE code = 'R-1'", [NOW]);
      const submitting = submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4 }], NOW + 1).then(() => 'saved', (e) => e);
      await new Promise((r) => setTimeout(r, 300));
      await holder.query('COMMIT');
      expect(await submitting).toMatchObject({ reason: 'round.closedForSubmissions', status: 409 });
    } finally {
      await holder.end();
    }
    expect(await submissions()).toHaveLength(0);
  });

  it('a round closed early by the regulator refuses submissions at once', async () => {
    await closeRound(w.db, w.regulators.gd, { roundCode: 'R-1' }, { now: NOW });
    await expect(async () => await submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4 }], NOW + 1)).rejects.toThrow(expect.objectContaining({ status: 409 }));
  });

  it('a draft round is not visible to labs and takes no submissions', async () => {
    await makeRound(w, 'CHEM', 'R-DRAFT', ['S1'], { open: false });
    expect((await listRounds(w.db, lab('GZ-001'), { now: NOW })).map((r) => r.code)).toEqual(['R-1']);
    await expect(async () => await submitAs(w, 'GZ-001', 'R-DRAFT', [{ sample: 'S1', analyte: 'K', value: 4 }])).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });
});

describe('resubmission', () => {
  it('a changed value adds version 2 and keeps version 1; an identical value changes nothing', async () => {
    await submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4.1, method: 'ISE' }]);
    const second = await submitAs(w, 'GZ-001', 'R-1', [
      { sample: 'S1', analyte: 'K', value: 4.2, method: 'ISE' },
      { sample: 'S2', analyte: 'K', value: 5.0, method: 'ISE' },
    ]);
    expect(second).toMatchObject({ created: 1, revised: 1, unchanged: 0 });
    const third = await submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4.2, method: 'ISE' }]);
    expect(third).toMatchObject({ created: 0, revised: 0, unchanged: 1 });
    const k1 = (await submissions()).filter((s) => s.value === 4.1 || s.value === 4.2);
    expect(k1.map((s) => [s.value, s.version, s.current])).toEqual([
      [4.1, 1, false],
      [4.2, 2, true],
    ]);
    expect(await w.db.select().from(auditLog).where(eq(auditLog.action, 'eqa.submission.save'))).toHaveLength(3);
  });

  it('only the latest version is evaluated', async () => {
    for (const l of GD_LABS.slice(0, 5)) { await submitAs(w, l, 'R-1', [{ sample: 'S1', analyte: 'K', value: 4 }]); }
    await submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4.05 }], NOW + DAY);
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'R-1' }, { now: AFTER_CLOSE });
    const mine = (await getRoundResults(w.db, w.regulators.gd, { roundCode: 'R-1', labCode: 'GZ-001' })).results;
    expect(mine.map((r) => r.value)).toEqual([4.05]);
  });
});

describe('validation: every bad row reported, nothing written', () => {
  it('JSON rows with an unknown sample, an unknown analyte, a missing value, a duplicate and a formula are all reported by row and field', async () => {
    const rows = [
      { sample: 'S1', analyte: 'K', value: 4 },
      { sample: 'S9', analyte: 'K', value: 4 },
      { sample: 'S1', analyte: 'XYZ', value: 4 },
      { sample: 'S2', analyte: 'K', value: 'abc' },
      { sample: 'S1', analyte: 'k', value: 4.1 },
      { sample: 'S2', analyte: 'GLU', value: 5, method: '=CMD()' },
    ];
    let err: { code: string; errors: { row?: number; field: string }[] } | undefined;
    try {
      await submitAs(w, 'GZ-001', 'R-1', rows as never);
    } catch (e) {
      err = e as never;
    }
    expect(err?.code).toBe('invalid');
    expect(err!.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'sample'],
      [3, 'analyte'],
      [4, 'value'],
      [5, 'sample'],
      [6, 'method'],
    ]);
    expect(await submissions()).toHaveLength(0);
  });

  it('a sample × analyte given twice is reported even when its first row was refused for its value', async () => {
    const rows = [
      { sample: 'S2', analyte: 'K', value: 'abc' },
      { sample: 'S2', analyte: 'K', value: 4.2 },
      { sample: 'S1', analyte: 'GLU', value: null },
      { sample: 'S1', analyte: 'glu', value: 5.1 },
    ];
    let err: { errors: { row?: number; field: string; code?: string; params?: Record<string, unknown> }[] } | undefined;
    try {
      await submitAs(w, 'GZ-001', 'R-1', rows as never);
    } catch (e) {
      err = e as never;
    }
    expect(err!.errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [1, 'value', 'value.numberRequired'],
      [2, 'sample', 'eqa.duplicateRow'],
      [3, 'value', expect.any(String)],
      [4, 'sample', 'eqa.duplicateRow'],
    ]);
    expect(err!.errors[1].params).toMatchObject({ line: 1 });
    expect(await submissions()).toHaveLength(0);
  });

  it('CSV rows are reported with their line in the file (header = line 1)', async () => {
    const csv = 'sample,analyte,value,method,instrument\nS1,K,4.0,ISE,c701\n\nS2,K,,ISE,c701\nS1,GLU,=1+1,HK,c701\n';
    let err: { errors: { row?: number; field: string }[] } | undefined;
    try {
      await submitResults(w.db, lab('GZ-001'), { roundCode: 'R-1', rows: rowsFromCsv(csv), source: 'csv' }, { now: NOW });
    } catch (e) {
      err = e as never;
    }
    expect(err!.errors.map((e) => [e.row, e.field])).toEqual([
      [4, 'value'],
      [5, 'value'],
    ]);
    expect(await submissions()).toHaveLength(0);
  });

  it.each([
    ['an empty file', '', 'invalid'],
    ['a header without rows', 'sample,analyte,value\n', 'invalid'],
    ['a file without the value column', 'sample,analyte\nS1,K\n', 'invalid'],
    ['a file over 20 MB', `sample,analyte,value\n${'S1,K,4\n'.repeat(3_500_000)}`, 'too_large'],
  ])('refuses %s', (_t, text, code) => {
    expect(() => rowsFromCsv(text)).toThrow(expect.objectContaining({ code }));
  });

  it('a valid CSV saves every row in one go, with method and instrument', async () => {
    const csv = 'sample,analyte,value,method,instrument\nS1,K,4.0,ISE,c701\nS2,K,5.1,ISE,c701\nS1,GLU,6.2,HK,c701\nS2,GLU,8.0,HK,c701\n';
    const out = await submitResults(w.db, lab('GZ-001'), { roundCode: 'R-1', rows: rowsFromCsv(csv), source: 'csv' }, { now: NOW });
    expect(out.created).toBe(4);
    expect((await submissions()).map((s) => [s.method, s.instrument, s.source])[0]).toEqual(['ISE', 'c701', 'csv']);
  });

  it('the template lists every sample × analyte with the current values', async () => {
    await submitAs(w, 'GZ-001', 'R-1', [{ sample: 'S2', analyte: 'GLU', value: 8.5, method: 'HK' }]);
    const t = await submissionTemplateCsv(w.db, lab('GZ-001'), 'R-1');
    expect(t.trim().split('\r\n')).toEqual(['sample,analyte,value,method,instrument', 'S1,GLU,,,', 'S2,GLU,8.5,HK,', 'S1,K,,,', 'S2,K,,,']);
  });
});

describe('plausibility warnings (never blocking)', () => {
  it('warns of a decimal slip against the lab’s own IQC range and still saves', async () => {
    const labId = first(await w.db.select({ id: laboratories.id }).from(laboratories).where(eq(laboratories.code, 'GZ-001')).limit(1))!.id;
    const kId = first(await w.db.select({ id: analytes.id }).from(analytes).where(eq(analytes.code, 'K')).limit(1))!.id;
    const lot = (await w.db.insert(controlLots).values({ labId, analyteId: kId, level: 'L1', lotNumber: 'X1', createdAt: NOW }).returning())[0];
    await w.db.insert(qcTargets).values({ labId: lot.labId, controlLotId: lot.id, version: 1, mean: 4.0, sd: 0.1, source: 'manufacturer', effectiveFrom: NOW - DAY, createdAt: NOW });
    const rows = [
      { line: 1, values: { sample: 'S1', analyte: 'K', value: 40 } },
      { line: 2, values: { sample: 'S2', analyte: 'K', value: 4.1 } },
      { line: 3, values: { sample: 'S1', analyte: 'GLU', value: 6 } },
    ];
    const check = await checkSubmission(w.db, lab('GZ-001'), { roundCode: 'R-1', rows, source: 'manual' }, { now: NOW });
    expect(check.warnings).toEqual([expect.objectContaining({ row: 1, kind: 'decimal_slip', range: [3.6, 4.4] })]);
    expect(await submissions()).toHaveLength(0);
    const saved = await submitResults(w.db, lab('GZ-001'), { roundCode: 'R-1', rows, source: 'manual' }, { now: NOW });
    expect(saved.created).toBe(3);
    expect(saved.warnings).toHaveLength(1);
  });

  it('the IQC range is rounded as verdicts are: a value on its bound is inside, and the range shows no float noise', async () => {
    const labId = first(await w.db.select({ id: laboratories.id }).from(laboratories).where(eq(laboratories.code, 'GZ-002')).limit(1))!.id;
    const gluId = first(await w.db.select({ id: analytes.id }).from(analytes).where(eq(analytes.code, 'GLU')).limit(1))!.id;
    const lot = (await w.db.insert(controlLots).values({ labId, analyteId: gluId, level: 'L1', lotNumber: 'G-NOISE', createdAt: NOW }).returning())[0];
    // 5.3 + 4 × 0.15 is 5.8999999999999995 in binary floating point
    await w.db.insert(qcTargets).values({ labId: lot.labId, controlLotId: lot.id, version: 1, mean: 5.3, sd: 0.15, source: 'manufacturer', effectiveFrom: NOW - DAY, createdAt: NOW });
    const rows = [
      { line: 1, values: { sample: 'S1', analyte: 'GLU', value: 5.9 } },
      { line: 2, values: { sample: 'S2', analyte: 'GLU', value: 59 } },
    ];
    const check = await checkSubmission(w.db, lab('GZ-002'), { roundCode: 'R-1', rows, source: 'manual' }, { now: NOW });
    expect(check.warnings).toEqual([expect.objectContaining({ row: 2, kind: 'decimal_slip', range: [4.7, 5.9] })]);
  });

  it("the round page's CSV file: parsed, checked and, once confirmed, saved in one job; a bad line refused by its number", async () => {
    await makeRound(w, 'CHEM', 'R-4', ['A', 'B', 'C']);
    const csv = 'sample,analyte,value\r\nA,GLU,5\r\nB,GLU,5.2\r\nC,GLU,52\r\n';
    const page = (confirmed: boolean, text = csv) => submitFromPage(w.db, lab('GZ-001'), { roundCode: 'R-4', csv: text, source: 'csv', confirmed }, { now: NOW });
    expect(await page(false)).toEqual({ needsConfirm: true, warnings: [expect.objectContaining({ row: 4, sample: 'C', kind: 'decimal_slip' })] });
    expect(await submissions()).toHaveLength(0);
    expect(await page(true)).toMatchObject({ saved: { created: 3, revised: 0, unchanged: 0 } });
    await expect(page(true, 'sample,analyte,value\r\nA,GLU,5\r\nZ,GLU,5\r\n')).rejects.toMatchObject({ errors: [expect.objectContaining({ row: 3, field: 'sample' })] });
  });

  it.each([
    ['a value 10× the lab’s other samples', [5, 5.2, 52], 'decimal_slip'],
    ['a value ≤ 0', [0, 5, 5.2], 'not_positive'],
  ])('without IQC targets, warns of %s', async (_t, values, kind) => {
    await makeRound(w, 'CHEM', 'R-3', ['A', 'B', 'C']);
    const rows = values.map((v, i) => ({ line: i + 1, values: { sample: ['A', 'B', 'C'][i], analyte: 'GLU', value: v } }));
    const check = await checkSubmission(w.db, lab('GZ-001'), { roundCode: 'R-3', rows, source: 'manual' }, { now: NOW });
    expect(check.warnings.map((x) => x.kind)).toEqual([kind]);
  });
});

describe('refusals', () => {
  beforeEach(async () => {
    for (const l of GD_LABS.slice(0, 4)) { await submitAs(w, l, 'R-1', [{ sample: 'S1', analyte: 'K', value: 4 }]); }
    await submitAs(w, 'SZ-001', 'R-1', [{ sample: 'S1', analyte: 'K', value: 4.02 }]);
  });

  it('a lab manager cannot read another lab’s results (403), even after publication', async () => {
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'R-1' }, { now: AFTER_CLOSE });
    await publishRound(w.db, w.regulators.gd, { roundCode: 'R-1' }, { now: AFTER_CLOSE });
    await expect(async () => await getRoundResults(w.db, lab('GZ-001'), { roundCode: 'R-1', labCode: 'GZ-002' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
    await expect(async () => await labRoundReport(w.db, lab('GZ-001'), { roundCode: 'R-1', labCode: 'SZ-001' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
    await expect(async () => await roundCsv(w.db, lab('GZ-001'), { roundCode: 'R-1' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });

  it('a regulator of another province can neither see, evaluate nor read the round (403)', async () => {
    const zj = w.regulators.zj;
    expect(await listRounds(w.db, zj, { now: NOW })).toEqual([]);
    await expect(async () => await evaluateRound(w.db, zj, { roundCode: 'R-1' }, { now: AFTER_CLOSE })).rejects.toThrow(expect.objectContaining({ status: 403 }));
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'R-1' }, { now: AFTER_CLOSE });
    await expect(async () => await getRoundResults(w.db, zj, { roundCode: 'R-1' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
    await expect(async () => await publishRound(w.db, zj, { roundCode: 'R-1' }, { now: AFTER_CLOSE })).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });

  it('a city regulator reads only its own labs of a provincial round and cannot evaluate it', async () => {
    const sz = w.regulators.sz;
    await expect(async () => await evaluateRound(w.db, sz, { roundCode: 'R-1' }, { now: AFTER_CLOSE })).rejects.toThrow(expect.objectContaining({ status: 403 }));
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'R-1' }, { now: AFTER_CLOSE });
    const rows = (await getRoundResults(w.db, sz, { roundCode: 'R-1' })).results;
    expect([...new Set(rows.map((r) => r.lab))]).toEqual(['SZ-001']);
    await expect(async () => await getRoundResults(w.db, sz, { roundCode: 'R-1', labCode: 'GZ-001' })).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });

  it.each([
    ['a lab manager of another province', () => w.labManagers.get('HZ-001')!],
    ['a hospital account', () => fakeActor({ role: 'hospital' })],
    ['a regulator', () => w.regulators.gd],
  ])('%s cannot submit (403)', async (_t, who) => {
    await expect(async () => await submitResults(w.db, who(), { roundCode: 'R-1', rows: [{ line: 1, values: { sample: 'S1', analyte: 'K', value: 4 } }], source: 'api' }, { now: NOW })).rejects.toThrow(
      expect.objectContaining({ status: 403 }),
    );
  });

  it('a lab manager cannot create schemes or evaluate (403)', async () => {
    await expect(async () => await createScheme(w.db, lab('GZ-001'), { code: 'X', name: 'X', regionCode: '440000', analytes: [{ analyte: 'K' }] })).rejects.toThrow(expect.objectContaining({ status: 403 }));
    await expect(async () => await evaluateRound(w.db, lab('GZ-001'), { roundCode: 'R-1' }, { now: AFTER_CLOSE })).rejects.toThrow(expect.objectContaining({ status: 403 }));
  });

  it('an unknown round is 404', async () => {
    await expect(async () => await submitAs(w, 'GZ-001', 'NOPE', [{ sample: 'S1', analyte: 'K', value: 4 }])).rejects.toThrow(expect.objectContaining({ status: 404 }));
  });

  it('lists rounds for a lab manager of an enrolled lab with samples and analytes as codes', async () => {
    expect(await listRounds(w.db, lab('GZ-001'), { now: NOW })).toEqual([
      { code: 'R-1', scheme: 'CHEM', schemeName: '测试 CHEM', schemeNameEn: 'Test CHEM', status: 'open', acceptingResults: true, opensAt: new Date(NOW - 10 * DAY).toISOString(), closesAt: new Date(NOW + 10 * DAY).toISOString(), samples: ['S1', 'S2'], analytes: ['GLU', 'K'] },
    ]);
    expect((await listRounds(w.db, lab('GZ-001'), { now: AFTER_CLOSE }))[0].status).toBe('closed');
    expect(await w.db.select().from(eqaSubmissions).where(and(eq(eqaSubmissions.current, true)))).toHaveLength(5);
  });
});
