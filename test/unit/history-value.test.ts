// An edit history's values (the admin's version tables): ids by code, categories by their codes.
import { describe, expect, it } from 'vitest';
import { historyValue } from '@/app/(admin)/admin/_components/history-value';

describe('historyValue', () => {
  it('names an id by its code where one is known, else shows the number', () => {
    const codes = new Map([[7, 'GZ-001']]);
    expect(historyValue(7, codes)).toBe('GZ-001');
    expect(historyValue(8, codes)).toBe('8');
    expect(historyValue(5.5)).toBe('5.5');
  });

  it('shows a list of categories by their codes, in order, and other lists item by item', () => {
    expect(historyValue([{ code: 'neg', nameEn: 'Negative', nameZh: '阴性' }, { code: '1+', nameEn: '1+', nameZh: '1+' }])).toBe('neg, 1+');
    expect(historyValue(['a', 2])).toBe('a, 2');
    expect(historyValue([])).toBe('—');
  });

  it('shows an absent or empty value as a dash, text as itself, an object as JSON', () => {
    expect(historyValue(null)).toBe('—');
    expect(historyValue(undefined)).toBe('—');
    expect(historyValue('')).toBe('—');
    expect(historyValue('quantitative')).toBe('quantitative');
    expect(historyValue({ a: 1 })).toBe('{"a":1}');
  });
});
