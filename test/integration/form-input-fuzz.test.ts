// Every use case a form or an API call reaches answers odd input as bad input, never as a fault: each
// field of a valid input, in turn, replaced by odd text (empty, huge or non-finite numbers, ids beyond
// 2^53, impossible or five-digit-year dates, NUL, 5,000 characters, a list where one value is expected)
// must give the result or a refusal the API answers below 500 (lib/errors.ts errorBody) and a form
// answers as a refusal (lib/action-refusal.ts, what runAction answers), within a few
// seconds (a calendar year past 9999 once hung the server). On both backends: PostgreSQL refuses what
// SQLite took (NUL, integers beyond bigint).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, testBackend } from '../support/db';
import { actionRefusal } from '@/lib/action-refusal';
import { errorBody } from '@/lib/errors';
import { changeOwnPassword, createLabManager, createRegulator, resetPassword, setUserActive, updateUser } from '@/lib/services/users';
import { createLab, setLabActive, updateLab } from '@/lib/services/labs';
import { createRegion, updateRegion } from '@/lib/services/regions';
import { createAnalyte } from '@/lib/services/catalogue';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { decideBulk } from '@/lib/services/recognition/decisions';
import { addCalendarEntry, removeCalendarEntry } from '@/lib/services/recognition/calendar';
import { correctResult, excludeResult, includeResult } from '@/lib/services/iqc/results';
import { resolveCorrectiveAction } from '@/lib/services/iqc/corrective-actions';
import { establishNewLotTargets, establishTargetsFromBaseline, setManufacturerTarget } from '@/lib/services/iqc/targets';
import { setRuleConfig } from '@/lib/services/iqc/rules';
import { setRunWindow } from '@/lib/services/iqc/run-window';
import { setControlExpectations } from '@/lib/services/iqc/qualitative';
import { createApiToken, revokeApiToken } from '@/lib/services/tokens';
import { addWatch, removeWatch } from '@/lib/services/hospital/watches';
import { deleteLocalCodeMapping, setLocalCode } from '@/lib/services/hospital/local-codes';
import { createHospitalToken, revokeHospitalToken } from '@/lib/services/hospital/tokens';
import { createEndpoint, disableWebhookEndpoint, sendTestEvent } from '@/lib/services/hospital/webhooks';
import { createScheme } from '@/lib/services/eqa/schemes';
import { createRound } from '@/lib/services/eqa/rounds';
import { batchCheck } from '@/lib/services/hospital/batch-check';
import { importLocalCodes } from '@/lib/services/hospital/local-codes';
import { previewRegistryImport } from '@/lib/services/registry';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;
let w: World;
beforeAll(async () => {
  w = await createSeededTestDb();
}, 120_000);
afterAll(async () => await w?.close());

/** What a form field or a JSON value can hold that no valid input does. */
const ODD: unknown[] = [
  '', ' ', '-1', '0', '1.5', '1e400', '-1e400', '1e-400', 'NaN', 'Infinity', '9007199254740993', '99999999999999999999999',
  '2026-02-30', '9999-12-31', '+275760-09-13', '0000-01-01', 'a\u0000b', 'x'.repeat(5_000), '广州', "'; --", ['a', 'b'], undefined,
];

const NOW = Date.parse('2026-11-20T04:00:00Z');
const day = (d: number) => new Date(NOW + d * 86_400_000).toISOString();
type Case = [string, (input: Record<string, unknown>) => Promise<unknown>, () => Record<string, unknown>];
const admin = () => w.admin;
const gd = () => w.regulators.gd;
const lab = () => w.labManagers.get('GZ-001')!;

const cases: Case[] = [
  ['createLabManager', (i) => createLabManager(w.db, gd(), i), () => ({ email: 'fuzz.m@test.cn', name: 'F', labCode: 'GZ-004' })],
  ['createRegulator', (i) => createRegulator(w.db, admin(), i), () => ({ email: 'fuzz.r@test.cn', name: 'F', regionCode: '330200' })],
  ['updateUser', (i) => updateUser(w.db, admin(), i), () => ({ id: String(w.regulators.zj.userId), email: 'regulator.zj@demo.labqc', name: 'Z', regionCode: '330000', reason: 'fuzz check' })],
  ['setUserActive', (i) => setUserActive(w.db, gd(), i), () => ({ id: String(w.labManagers.get('GZ-003')!.userId), active: 'true', reason: 'fuzz check' })],
  ['resetPassword', (i) => resetPassword(w.db, gd(), i), () => ({ id: String(w.labManagers.get('GZ-003')!.userId) })],
  ['changeOwnPassword', (i) => changeOwnPassword(w.db, w.hospital, i), () => ({ currentPassword: 'wrong-password', newPassword: 'a-New-passw0rd!', confirmPassword: 'a-New-passw0rd!' })],
  ['createLab', (i) => createLab(w.db, gd(), i), () => ({ code: 'FZ-001', name: '测试', level: 'primary', regionCode: '440100' })],
  ['updateLab', (i) => updateLab(w.db, gd(), i), () => ({ code: 'GZ-006', name: '测试', level: 'tertiary', regionCode: '440100', address: '广州', reason: 'fuzz check' })],
  ['setLabActive', (i) => setLabActive(w.db, gd(), i), () => ({ code: 'GZ-007', active: 'true', reason: 'fuzz check' })],
  ['createRegion', (i) => createRegion(w.db, admin(), i), () => ({ code: '440600', name: '佛山', nameEn: 'Foshan', level: 'city', parentCode: '440000' })],
  ['updateRegion', (i) => updateRegion(w.db, admin(), i), () => ({ code: '330200', name: '宁波', nameEn: 'Ningbo', reason: 'fuzz check' })],
  ['createAnalyte', (i) => createAnalyte(w.db, admin(), i), () => ({ code: 'FZ_Q', nameZh: '测试', nameEn: 'Fuzz', kind: 'quantitative', unit: 'mmol/L', category: 'chemistry', teaSource: 'CLIA', teaPercent: '10', loinc: '' })],
  ['createPolicyVersion', (i) => createPolicyVersion(w.db, gd(), i), () => ({ regionCode: '440000', effectiveFrom: '2027-01-01', analyteCodes: ['K', 'NA'], reason: 'fuzz check' })],
  ['decideBulk', (i) => decideBulk(w.db, gd(), i), () => ({ action: 'reject', reason: 'fuzz check', pairs: ['1:1'] })],
  ['addCalendarEntry', (i) => addCalendarEntry(w.db, gd(), i), () => ({ regionCode: '440000', day: '2027-10-07', kind: 'workday', name: '调整' })],
  ['removeCalendarEntry', (i) => removeCalendarEntry(w.db, gd(), i as never), () => ({ id: '999999' })],
  ['correctResult', (i) => correctResult(w.db, lab(), i), () => ({ resultId: '1', value: '4.1', reason: 'fuzz check' })],
  ['excludeResult', (i) => excludeResult(w.db, lab(), i), () => ({ resultId: '1', reason: 'fuzz check' })],
  ['includeResult', (i) => includeResult(w.db, lab(), i), () => ({ resultId: '1' })],
  ['resolveCorrectiveAction', (i) => resolveCorrectiveAction(w.db, lab(), i), () => ({ id: '1', cause: 'a', action: 'b', outcome: 'c' })],
  ['setManufacturerTarget', (i) => setManufacturerTarget(w.db, lab(), i), () => ({ analyte: 'K', level: '1', lot: 'FZ-L1', instrument: 'AU5800', mean: '4', sd: '0.1', effectiveFrom: day(-1) })],
  ['establishTargetsFromBaseline', (i) => establishTargetsFromBaseline(w.db, lab(), i), () => ({ controlLotId: '1', reason: 'fuzz check' })],
  ['establishNewLotTargets', (i) => establishNewLotTargets(w.db, lab(), i), () => ({ controlLotId: '1' })],
  ['setRuleConfig', (i) => setRuleConfig(w.db, lab(), i), () => ({ analyte: 'K', rules: ['1-3s', '2-2s'], reason: 'fuzz check' })],
  ['setRunWindow', (i) => setRunWindow(w.db, lab(), i as { minutes?: unknown }), () => ({ minutes: '30' })],
  ['setControlExpectations', (i) => setControlExpectations(w.db, lab(), { controls: [i] }), () => ({ analyte: 'HBSAG', level: 'N', lot: 'FZ-N', instrument: 'i2000', expected: 'negative', mean: '', sd: '' })],
  ['createApiToken', (i) => createApiToken(w.db, lab(), i), () => ({ name: 'fuzz', scopes: ['read'], expiresInDays: '30' })],
  ['revokeApiToken', (i) => revokeApiToken(w.db, lab(), i), () => ({ id: '999999' })],
  ['addWatch', (i) => addWatch(w.db, w.hospital, i), () => ({ lab: 'GZ-001', region: '' })],
  ['removeWatch', (i) => removeWatch(w.db, w.hospital, i), () => ({ id: '999999' })],
  ['setLocalCode', (i) => setLocalCode(w.db, w.hospital, i), () => ({ localCode: 'FZ-K', analyte: 'K', reason: 'fuzz check' })],
  ['deleteLocalCodeMapping', (i) => deleteLocalCodeMapping(w.db, w.hospital, i), () => ({ id: '999999', reason: 'fuzz check' })],
  ['createHospitalToken', (i) => createHospitalToken(w.db, w.hospital, i), () => ({ name: 'fuzz', expiresInDays: '' })],
  ['revokeHospitalToken', (i) => revokeHospitalToken(w.db, w.hospital, i), () => ({ id: '999999' })],
  ['createEndpoint', (i) => createEndpoint(w.db, w.hospital, i, { resolve: async () => ['203.0.113.10'] }), () => ({ name: 'fuzz', url: 'https://his.example.test/hook' })],
  ['disableWebhookEndpoint', (i) => disableWebhookEndpoint(w.db, w.hospital, i), () => ({ id: '999999' })],
  ['sendTestEvent', (i) => sendTestEvent(w.db, w.hospital, i), () => ({ id: '999999' })],
  ['createScheme', (i) => createScheme(w.db, gd(), i), () => ({ code: 'FZ-S', name: 'Fuzz', analytes: ['K'], minGroupSize: '5' })],
  ['createRound', (i) => createRound(w.db, gd(), i), () => ({ scheme: 'FZ-S', code: 'FZ-R', opensAt: day(1), closesAt: day(20), samples: ['FZ1'], analytes: ['K'], referenceValues: [] })],
  // text areas and uploads: the form sends text, whatever was typed
  ['batchCheck', (i) => batchCheck(w.db, w.hospital, { text: String(i.text ?? '') }), () => ({ text: 'GZ-001,K,2026-11-20\nGZ-002,NA' })],
  ['importLocalCodes', (i) => importLocalCodes(w.db, w.hospital, { text: String(i.text ?? ''), reason: String(i.reason ?? '') }, { dryRun: true }), () => ({ text: 'local_code,analyte\nXK,K\n', reason: 'fuzz check' })],
  ['previewRegistryImport', (i) => previewRegistryImport(w.db, gd(), String(i.csv ?? '')), () => ({ csv: 'code,name,level,region_code\nFZ-002,测试,primary,440100\n' })],
];

describe(`odd input to every form's use case on ${testBackend}: an answer or a refusal below 500`, () => {
  it.each(cases)('%s', async (_name, run, validInput) => {
    const valid = validInput();
    const faults: string[] = [];
    for (const field of Object.keys(valid)) {
      for (const value of ODD) {
        const input = { ...valid, [field]: value };
        try {
          await run(input);
        } catch (e) {
          // a refusal both as the JSON API answers it and as a form is answered (runAction)
          if (errorBody(e).status >= 500 || !actionRefusal(e)) faults.push(`${field} = ${JSON.stringify(value)?.slice(0, 40)}: ${(e as Error)?.message?.slice(0, 160)} ${JSON.stringify(errorBody(e).body)}`);
        }
      }
    }
    expect(faults).toEqual([]);
  }, 60_000);
});
