// Service refusals shown in the reader's language: each message shape the services produce maps to a
// key that exists in both languages, with its values taken from the message.
import { describe, expect, it } from 'vitest';
import { matchServiceMessage } from '@/app/_components/service-message';
import { MESSAGES } from '@/lib/i18n/messages';

describe('service messages', () => {
  it.each([
    ['That laboratory is outside your jurisdiction', 'outsideJurisdiction', { thing: 'laboratory' }],
    ['This round is outside your jurisdiction', 'outsideJurisdiction', { thing: 'round' }],
    ['Only an administrator manages regions', 'notAllowed', {}],
    ['Round 2026-4 is open: evaluate it after it closes', 'roundNotClosed', { round: '2026-4' }],
    ['Round 2026-3 is published: its evaluation is frozen', 'roundFrozen', { round: '2026-3' }],
    ['Laboratory GZ-001 already exists', 'alreadyExists', { thing: 'laboratory', code: 'GZ-001' }],
    ['lab9@demo.labqc already has an account', 'emailTaken', { email: 'lab9@demo.labqc' }],
    ['K is already certified (HR-440000-2026-000001, active)', 'alreadyCertified', { analyte: 'K', certificateNo: 'HR-440000-2026-000001' }],
    ['3 error(s); nothing was saved', 'errorsNothingSaved', { n: '3' }],
    ['The registry has invalid rows; nothing was written', 'nothingWritten', {}],
    ['No such laboratory', 'noSuch', { thing: 'laboratory' }],
  ])('%s → %s', (message, key, values) => {
    const found = matchServiceMessage(message);
    expect(found?.key).toBe(key);
    expect(found?.values).toEqual(values);
    for (const lang of ['en', 'zh'] as const) {
      const table = MESSAGES[lang].common.serviceErrors as Record<string, unknown>;
      expect(typeof table[key], `${lang}.${key}`).toBe('string');
      if ('thing' in values) expect((table.things as Record<string, string>)[values.thing as string]).toBeTruthy();
    }
  });

  it('leaves unknown messages as they are', () => {
    expect(matchServiceMessage('Something nobody expected')).toBeNull();
  });
});
