// Every navigation entry (lib/navigation.ts) has its link text and its home-page help line
// (app/_components/section-grid.tsx reads common.navHelp.<label>) in both languages: a missing one
// only shows up as a MISSING_MESSAGE error at render time.
import { describe, expect, it } from 'vitest';
import { NAV_ITEMS } from '@/lib/navigation';
import en from '@/lib/i18n/messages/en/common.json';
import zh from '@/lib/i18n/messages/zh/common.json';

describe('navigation texts', () => {
  it.each(NAV_ITEMS.map((i) => [i.href, i.label] as const))('%s (%s) has nav and navHelp texts in en and zh', (_href, label) => {
    for (const m of [en, zh] as unknown as { nav: Record<string, string>; navHelp: Record<string, string> }[]) {
      expect(m.nav[label]).toBeTruthy();
      expect(m.navHelp[label]).toBeTruthy();
    }
  });
});
