// Both languages are complete: every message key exists in Chinese and English, none is empty, and
// ICU placeholders match.
import { createTranslator } from 'next-intl';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from '@/lib/i18n/messages';

function flatten(obj: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') Object.assign(out, flatten(v, key));
    else out[key] = String(v);
  }
  return out;
}

const en = flatten(MESSAGES.en);
const zh = flatten(MESSAGES.zh);
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)/g)].map((m) => m[1]).sort();

describe('messages', () => {
  it('have the same keys in English and Chinese', () => {
    expect(Object.keys(zh).filter((k) => !(k in en))).toEqual([]);
    expect(Object.keys(en).filter((k) => !(k in zh))).toEqual([]);
  });
  it('are never empty', () => {
    expect(Object.entries({ ...en }).filter(([, v]) => !v.trim())).toEqual([]);
    expect(Object.entries({ ...zh }).filter(([, v]) => !v.trim())).toEqual([]);
  });
  it('use the same placeholders in both languages', () => {
    const mismatched = Object.keys(en).filter((k) => k in zh && placeholders(en[k]).join() !== placeholders(zh[k]).join());
    expect(mismatched).toEqual([]);
  });
  it('Chinese strings are actually Chinese where English has letters', () => {
    // a key copied over untranslated would be identical (names like "LabQC", "API", "CSV" aside)
    const untranslated = Object.keys(en).filter((k) => en[k] === zh[k] && /[a-z]{4,}/.test(en[k]) && !/^(English|中文)$/.test(en[k]));
    expect(untranslated).toEqual([]);
  });
});

describe('counts', () => {
  it("a batch check's counts are grouped as numbers are in the reader's language (10,000 lines)", () => {
    const counts = { checks: 10_000, recognized: 4_963, usable: 758, errors: 0 };
    const t = (locale: 'en' | 'zh') => createTranslator({ locale, messages: MESSAGES[locale], namespace: 'hospital.batch' });
    expect(t('en')('counts', counts)).toBe('10,000 checks: 4,963 recognised, 758 recognised and within the window, 0 could not be checked.');
    expect(t('zh')('counts', counts)).toBe('共 10,000 条：4,963 条互认，758 条互认且在时效内，0 条无法核对。');
    expect(t('en')('truncated', { shown: 2_000, n: 10_000 })).toBe('The first 2,000 of 10,000 answers are shown; the CSV has them all.');
  });

  it("an IQC import's and an entry grid's counts too (a year of a lab's results)", () => {
    const t = (locale: 'en' | 'zh') => createTranslator({ locale, messages: MESSAGES[locale], namespace: 'iqc.import' });
    const done = { inserted: 52_560, skipped: 1_200, runs: 26_280, rejected: 12 };
    expect(t('en')('committed', done)).toBe('Imported 52,560 results in 26,280 runs (1,200 already stored); 12 runs rejected.');
    expect(t('zh')('committed', done)).toBe('已导入 52,560 条结果，共 26,280 批（1,200 条已存在）；12 批失控。');
    expect(t('en')('invalid', { count: 1_500 })).toBe('The file has 1,500 problems; nothing was written.');
    // one problem is a problem, not "1 problems"
    expect(t('en')('invalid', { count: 1 })).toBe('The file has 1 problem; nothing was written.');
  });
});
