// Refusals as reason codes (lib/errors.ts, lib/error-reasons.ts): every code has its sentence in both
// languages, the API's English sentence is exactly what next-intl renders for `en`, the sentences the
// UI used to recognise with regex tables come out unchanged from their codes, and zod issues are
// mapped by their issue code, never by their English text.
import { describe, expect, it } from 'vitest';
import { createTranslator } from 'next-intl';
import { z } from 'zod';
import { AppError, REASONS, englishText, errorBody, fieldError, type ErrorReason, type ErrorParams } from '@/lib/errors';
import { because, zodFieldErrors } from '@/lib/validation/errors';
import { errorText, type ErrorTranslator } from '@/app/_components/error-text';
import { MESSAGES } from '@/lib/i18n/messages';

const reasons = Object.keys(REASONS) as ErrorReason[];
const tr = (locale: 'en' | 'zh') => createTranslator({ locale, messages: MESSAGES[locale], namespace: 'errors' }) as unknown as ErrorTranslator & ((k: string, v?: ErrorParams) => string);
const lookup = (table: unknown, key: string) => key.split('.').reduce<unknown>((at, k) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined), table);
/** a value for each placeholder of the English sentence (`{round}` → 'round-value') */
const sampleParams = (reason: ErrorReason): ErrorParams =>
  Object.fromEntries([...String(lookup(MESSAGES.en.errors, reason)).matchAll(/\{(\w+)/g)].map((m) => [m[1], `${m[1]}-value`]));

describe('reason codes', () => {
  it.each(reasons)('%s has an English and a Chinese sentence', (reason) => {
    expect(typeof lookup(MESSAGES.en.errors, reason)).toBe('string');
    expect(typeof lookup(MESSAGES.zh.errors, reason)).toBe('string');
    expect(() => tr('zh')(reason, sampleParams(reason))).not.toThrow();
  });

  it('errors.json holds no sentence without a code (both languages)', () => {
    for (const lang of ['en', 'zh'] as const) {
      const keys = Object.entries(MESSAGES[lang].errors).flatMap(([group, v]) => Object.keys(v).map((k) => `${group}.${k}`));
      expect(keys.filter((k) => !(k in REASONS)), lang).toEqual([]);
    }
  });

  it.each([...new Set(Object.values(REASONS))])("the kind %s has a form summary in both languages (a refused form's heading)", (kind) => {
    for (const lang of ['en', 'zh'] as const) expect(typeof lookup(MESSAGES[lang].admin, `form.errors.${kind}`), lang).toBe('string');
  });

  it.each(reasons)('%s: the API sentence is what next-intl renders in English', (reason) => {
    const params = sampleParams(reason);
    expect(englishText(reason, params)).toBe(tr('en')(reason, params));
  });
});

describe('the sentences the UI used to parse back with regex tables come from codes unchanged', () => {
  // the left column is the old English message of each refusal (app/_components/service-message.ts
  // matched these); the service now throws the code and its values, and the API text must not change
  it.each<[string, AppError, string, number]>([
    ['That laboratory is outside your jurisdiction', new AppError('lab.outsideJurisdiction'), 'lab.outsideJurisdiction', 403],
    ['This round is outside your jurisdiction', new AppError('round.outsideJurisdiction'), 'round.outsideJurisdiction', 403],
    ['Only an administrator manages regions', new AppError('region.adminOnly'), 'region.adminOnly', 403],
    ['Round 2026-4 is open: evaluate it after it closes', new AppError('round.notClosed', { round: '2026-4', status: 'open' }), 'round.notClosed', 409],
    ['Round 2026-3 is published: its evaluation is frozen', new AppError('round.frozen', { round: '2026-3' }), 'round.frozen', 409],
    ['Round R-1 is closed, not open', new AppError('round.notOpen', { round: 'R-1', status: 'closed' }), 'round.notOpen', 409],
    ['Laboratory GZ-001 already exists', new AppError('lab.exists', { code: 'GZ-001' }), 'lab.exists', 409],
    ['lab9@demo.labqc already has an account', new AppError('account.emailTaken', { email: 'lab9@demo.labqc' }), 'account.emailTaken', 409],
    ['K is already certified (HR-440000-2026-000001, active)', new AppError('recognition.alreadyCertified', { analyte: 'K', certificateNo: 'HR-440000-2026-000001', status: 'active' }), 'recognition.alreadyCertified', 409],
    ['3 error(s); nothing was saved', new AppError('eqa.nothingSaved', { n: 3 }), 'eqa.nothingSaved', 422],
    ['The registry has invalid rows; nothing was written', new AppError('registry.invalidRows'), 'registry.invalidRows', 422],
    ['No such laboratory', new AppError('lab.noSuch'), 'lab.noSuch', 404],
    ['The file is larger than 5 MB', new AppError('file.tooLarge', { mb: 5 }), 'file.tooLarge', 413],
    ['Sign in required', new AppError('auth.signInRequired'), 'auth.signInRequired', 401],
  ])('%s', (message, error, code, status) => {
    expect(error.message).toBe(message);
    expect(error.status).toBe(status);
    expect(errorBody(error)).toEqual({ status, body: { error: message, code } });
  });

  it('shows each in Chinese from its code and values, not from the English text', () => {
    const zh = tr('zh');
    expect(errorText(zh, { reason: 'round.notOpen', params: { round: 'R-1', status: 'closed' }, message: 'ignored' })).toBe('轮次 R-1 当前为已结束状态，不在开放状态');
    expect(errorText(zh, { code: 'lab.exists', params: { code: 'GZ-001' }, error: 'Laboratory GZ-001 already exists' })).toBe('实验室 GZ-001 已存在');
    expect(errorText(zh, fieldError('value.tooLong', { max: 40 }, 'lot', 3))).toBe('最多 40 个字符');
  });

  it('falls back to the English text without a known code (a kind is not a code)', () => {
    expect(errorText(tr('zh'), { code: 'invalid', message: 'Something nobody expected' })).toBe('Something nobody expected');
    expect(errorText(tr('zh'), { error: 'Internal error', code: 'internal' })).toBe('Internal error');
    expect(errorText(tr('zh'), undefined)).toBe('');
  });

  it('keeps the old constructor (a kind and a sentence) with the kind’s generic code', () => {
    const e = new AppError('conflict', 'Some sentence');
    expect([e.code, e.reason, e.status, e.message]).toEqual(['conflict', 'common.conflict', 409, 'Some sentence']);
  });

  it('lets a batch take the most serious kind of its rows', () => {
    const e = new AppError('recognition.batchRefused', { n: 1, total: 2 }, [], 'forbidden');
    expect([e.status, e.reason, e.message]).toEqual([403, 'recognition.batchRefused', '1 of 2 decisions were refused; nothing was written']);
  });
});

describe('zod issues map by issue code (zod v4 issue shapes)', () => {
  const schema = z.object({
    name: z.string().min(1),
    code: z.string().min(3).max(5),
    n: z.coerce.number().int().min(2).max(9),
    email: z.email(),
    kind: z.enum(['a', 'b']),
    list: z.array(z.string()).min(1),
    pw: z.string().refine((s) => s.length > 0, because('password.mismatch')),
  });
  it.each<[string, Record<string, unknown>, string, ErrorParams | undefined]>([
    ['missing string', { name: undefined }, 'zod.expected', { expected: 'string' }],
    ['empty required string (min 1)', { name: '' }, 'zod.required', undefined],
    ['string too short', { code: 'ab' }, 'zod.tooShort', { n: 3 }],
    ['string too long', { code: 'abcdef' }, 'zod.tooLong', { n: 5 }],
    ['not a number (coerced NaN)', { n: 'x' }, 'zod.notNumber', undefined],
    ['number too small', { n: '1' }, 'zod.tooSmall', { n: 2 }],
    ['number too big', { n: '10' }, 'zod.tooBig', { n: 9 }],
    ['bad email', { email: 'q' }, 'zod.email', undefined],
    ['not an option', { kind: 'c' }, 'zod.option', undefined],
    ['empty list', { list: [] }, 'zod.tooFew', { n: 1 }],
    ['a refinement that names its reason', { pw: '' }, 'password.mismatch', undefined],
  ])('%s', (_title, input, code, params) => {
    const field = Object.keys(input)[0];
    const r = schema.pick({ [field]: true } as never).safeParse(input);
    expect(r.success).toBe(false);
    const [e] = zodFieldErrors(r.error!);
    expect(e.field).toBe(field);
    expect(e.code).toBe(code);
    expect(e.params).toEqual(params);
    expect(tr('zh')(e.code!, e.params ?? {})).not.toMatch(/^errors\./);
  });
});

describe('a bulk decision without a pair', () => {
  it('is refused in words (recognition.noPairs), not as the schema\'s "pairs: At least 1 items"', async () => {
    const { bulkDecisionInput } = await import('@/lib/validation/recognition');
    const r = bulkDecisionInput.safeParse({ action: 'approve', reason: 'audit finding', pairs: [] });
    expect(r.success).toBe(false);
    expect(zodFieldErrors(r.error!).map((e) => [e.field, e.code])).toEqual([['pairs', 'recognition.noPairs']]);
    expect(tr('zh')('recognition.noPairs')).toBe('请至少选择一项');
  });
});
