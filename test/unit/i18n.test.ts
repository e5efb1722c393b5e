// Both languages are complete: every message key exists in Chinese and English, none is empty, and
// ICU placeholders match.
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
