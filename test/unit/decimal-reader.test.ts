// The one reader of typed and sent numbers (lib/validation/decimal.ts) and the regulator's settings
// that read through it: a policy's criteria, a scheme's settings, the catalogue's limits, a token's expiry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decimal, decimalNumber, decimalOrAsIs } from '@/lib/validation/decimal';
import { policyCriteria, policyInput } from '@/lib/validation/recognition';
import { schemeInput } from '@/lib/validation/eqa';
import { analyteInput, limitRangeInput } from '@/lib/validation/analyte';
import { tokenExpiryField } from '@/lib/validation/auth';

const NOT_DECIMAL = ['0x10', '0X1f', '0b11', '0o7', 'Infinity', '-Infinity', 'NaN', '1_000', '5,1', '1e', '.', '--1', 'true', '١٢'];
const reasonsOf = (r: { success: boolean; error?: z.ZodError }) => (r.error?.issues ?? []).map((i) => (i as { params?: { reason?: string } }).params?.reason ?? i.code);

describe('decimalNumber', () => {
  it.each([
    ['4.2', 4.2],
    ['-.5', -0.5],
    ['+1.2e3', 1200],
    ['007', 7],
    ['5.', 5],
  ])('reads %s as %s', (text, n) => expect(decimalNumber(text)).toBe(n));
  it.each(NOT_DECIMAL.concat(['', ' ']))('reads %j as no number', (text) => expect(decimalNumber(text)).toBeNaN());
  it('reads back every finite number JavaScript writes', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => Object.is(decimalNumber(String(n)), n) || (n === 0 && decimalNumber(String(n)) === 0)));
  });
});

describe('decimalOrAsIs', () => {
  it('turns decimal text (trimmed) into its number and leaves the rest as it is', () => {
    expect(decimalOrAsIs(' 12 ')).toBe(12);
    expect(decimalOrAsIs(3)).toBe(3);
    expect(decimalOrAsIs('0x10')).toBe('0x10');
    expect(decimalOrAsIs(true)).toBe(true);
    expect(decimalOrAsIs('1e400')).toBe('1e400');
  });
});

describe('decimal(schema)', () => {
  const days = decimal(z.number().int().min(0).max(90)).default(7);
  it('reads numbers and decimal text, and an omitted field takes the default', () => {
    expect(days.parse(3)).toBe(3);
    expect(days.parse(' 30 ')).toBe(30);
    expect(days.parse(undefined)).toBe(7);
  });
  it.each(NOT_DECIMAL)('refuses %s as not a number, never as the number Number() makes of it', (text) => {
    expect(reasonsOf(days.safeParse(text))).toEqual(['value.notNumber']);
  });
  it('refuses a boolean, and an emptied field, which z.coerce.number() took as 1 and 0', () => {
    expect(reasonsOf(days.safeParse(true))).toEqual(['value.notNumber']);
    expect(reasonsOf(days.safeParse(''))).toEqual(['value.required']);
    expect(reasonsOf(days.safeParse('  '))).toEqual(['value.required']);
  });
  it('still applies the schema to what it read', () => {
    expect(days.safeParse('91').success).toBe(false);
    expect(days.safeParse('2.5').success).toBe(false);
  });
});

describe('settings that read through it', () => {
  it('a policy: criteria, recognition windows and validity', () => {
    expect(policyCriteria.parse({ correctiveActionDays: '14', iqcCoveragePercent: '75.5' })).toMatchObject({ correctiveActionDays: 14, iqcCoveragePercent: 75.5 });
    for (const field of ['eqaSatisfactoryRounds', 'eqaUnsuccessfulWindow', 'iqcMinLevels', 'iqcCoveragePercent', 'iqcWindowDays', 'correctiveActionDays']) {
      expect(policyCriteria.safeParse({ [field]: '0x10' }).success, field).toBe(false);
      // an emptied field of the policy form was 0 days / 0 %: now the form must say
      expect(policyCriteria.safeParse({ [field]: '' }).success, field).toBe(false);
    }
    const base = { regionCode: '440000', effectiveFrom: '2026-12-01', analyteCodes: 'K', reason: 'annual review' };
    expect(policyInput.parse({ ...base, validityMonths: '24' }).validityMonths).toBe(24);
    expect(policyInput.safeParse({ ...base, validityMonths: '0x10' }).success).toBe(false);
    expect(policyInput.parse({ ...base, windows: { defaultDays: '30', items: { K: '7' } } }).windows).toEqual({ defaultDays: 30, items: { K: 7 } });
    expect(policyInput.safeParse({ ...base, windows: { defaultDays: '0x1e', items: {} } }).success).toBe(false);
  });
  it('a scheme: round score, peer group size, consensus share and ordinal tolerance', () => {
    const base = { code: 'S1', name: 'Scheme', analytes: ['K'] };
    expect(schemeInput.parse({ ...base, minRoundScore: '75', minGroupSize: '10', consensusPercent: '90', ordinalTolerance: '2' })).toMatchObject({
      minRoundScore: 75,
      minPeerGroupSize: 10,
      consensusPercent: 90,
      ordinalTolerance: 2,
    });
    for (const field of ['minRoundScore', 'minPeerGroupSize', 'consensusPercent', 'ordinalTolerance']) {
      expect(schemeInput.safeParse({ ...base, [field]: '0x10' }).success, field).toBe(false);
      expect(schemeInput.safeParse({ ...base, [field]: true }).success, field).toBe(false);
    }
  });
  it("the catalogue's allowable limits and limit ranges", () => {
    const k = { code: 'K', nameEn: 'Potassium', nameZh: '钾', unit: 'mmol/L', category: 'chemistry', teaSource: 'WS/T 403' };
    expect(analyteInput.parse({ ...k, teaPercent: '6', teaAbsolute: '0.2' })).toMatchObject({ teaPercent: 6, teaAbsolute: 0.2 });
    expect(analyteInput.safeParse({ ...k, teaPercent: '0x10' }).success).toBe(false);
    expect(analyteInput.safeParse({ ...k, teaPercent: '6', allowableCvPercent: '0b11' }).success).toBe(false);
    expect(analyteInput.safeParse({ ...k, teaPercent: true }).success).toBe(false);
    const range = { percent: '10', source: 'WS/T 403' };
    expect(limitRangeInput.parse({ ...range, from: '', to: '3.5' })).toMatchObject({ from: null, to: 3.5, percent: 10 });
    expect(limitRangeInput.safeParse({ ...range, to: '0x10' }).success).toBe(false);
  });
  it("a token's expiry in days", () => {
    expect(tokenExpiryField.parse('30')).toBe(30);
    expect(tokenExpiryField.parse('never')).toBeNull();
    expect(tokenExpiryField.safeParse('0x10').success).toBe(false);
  });
});
