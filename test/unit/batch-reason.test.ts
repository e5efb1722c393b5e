// The REASON column of the hospital's batch check speaks the reader's language: verification reasons
// as the public /verify answer words them, refusals by their code (expected texts: the message files,
// lib/i18n/messages/{en,zh}/recognition.json and errors.json).
import { createTranslator } from 'next-intl';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from '@/lib/i18n/messages';
import { batchReasonText } from '@/app/(hospital)/hospital/_components/batch-reason';

const row = { lab: 'GZ-001', analyte: 'K', date: '2026-06-01', asOf: '2026-06-05', reason: null, error: null, errorCode: null };
const text = (locale: 'en' | 'zh', r: typeof row | Record<string, unknown>) =>
  batchReasonText(
    { ...row, ...r },
    createTranslator({ locale, messages: MESSAGES[locale], namespace: 'recognition.reasons' }),
    createTranslator({ locale, messages: MESSAGES[locale], namespace: 'errors' }),
  );

describe('batch check reason', () => {
  it.each([
    ['en', { reason: 'not_certified' }, 'Never certified for this test'],
    ['zh', { reason: 'not_certified' }, MESSAGES.zh.recognition.reasons.not_certified],
    ['en', { reason: 'suspended' }, 'The certification was suspended on that day'],
    ['zh', { reason: 'suspended' }, MESSAGES.zh.recognition.reasons.suspended],
    ['en', { lab: 'XX-999', error: 'No laboratory XX-999', errorCode: 'lab.notFound' }, 'No laboratory XX-999'],
    ['zh', { lab: 'XX-999', error: 'No laboratory XX-999', errorCode: 'lab.notFound' }, '实验室 XX-999 不存在'],
    ['zh', { analyte: 'NOPE', error: 'No analyte NOPE', errorCode: 'analyte.notFound' }, '项目 NOPE 不存在'],
    ['zh', { error: 'Invalid query', errorCode: 'common.invalid' }, MESSAGES.zh.errors.common.invalid],
    // a code this build has no text for: the English sentence as it came
    ['zh', { error: 'Something new', errorCode: 'future.code' }, 'Something new'],
  ] as const)('%s %j → %s', (locale, r, expected) => {
    expect(text(locale, r)).toBe(expected);
  });
});
