// The expiry day of a control lot as the ingest reads it: its end in China time, the days left the
// targets page shows, and which rows of an entry fall after it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { daysUntilExpiry, valuesAfterExpiry } from '@/lib/services/iqc/lot-expiry';
import { expiryEnd, lotKey, type PlannedValue } from '@/lib/services/iqc/series';
import { addDays, dayOf } from '@/lib/calendar';

describe('expiryEnd', () => {
  it('is 00:00 in Shanghai of the next day (16:00 UTC of the expiry day)', () => {
    expect(new Date(expiryEnd('2026-11-12')).toISOString()).toBe('2026-11-12T16:00:00.000Z');
    expect(new Date(expiryEnd('2026-12-31')).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(new Date(expiryEnd('2028-02-28')).toISOString()).toBe('2028-02-28T16:00:00.000Z');
  });

  it('an instant is before it exactly when its China day is the expiry day or earlier', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.integer({ min: -3, max: 3 }), (at, shift) => {
        const expiresOn = addDays(dayOf(at), shift);
        expect(at < expiryEnd(expiresOn)).toBe(dayOf(at) <= expiresOn);
      }),
    );
  });
});

describe('daysUntilExpiry', () => {
  it('counts calendar days: 0 on the day itself, negative after it, across months and leap days', () => {
    expect(daysUntilExpiry('2026-11-12', '2026-11-12')).toBe(0);
    expect(daysUntilExpiry('2026-11-12', '2026-11-13')).toBe(-1);
    expect(daysUntilExpiry('2026-12-01', '2026-11-30')).toBe(1);
    expect(daysUntilExpiry('2028-03-01', '2028-02-28')).toBe(2);
    expect(daysUntilExpiry('2027-11-12', '2026-11-12')).toBe(365);
  });
});

describe('valuesAfterExpiry', () => {
  const lots = new Map([[lotKey(1, '1', 'A', 'X'), 10], [lotKey(1, '2', 'B', 'X'), 11]]);
  const value = (row: number, level: string, lot: string, measuredAt: number): PlannedValue => ({ row, analyteId: 1, analyteCode: 'GLU', level, lot, instrument: 'X', value: 5, category: null, signal: null, measuredAt, operator: '', run: null });
  const end = expiryEnd('2026-11-12');

  it('names each row of an expired lot measured at or after the end, by the caller\'s field name', () => {
    const errors = valuesAfterExpiry({ lots, expiry: new Map([[10, end]]) }, [value(1, '1', 'A', end - 1), value(2, '1', 'A', end), value(3, '2', 'B', end + 1), value(4, '1', 'NEW', end + 1)], (f) => (f === 'measuredAt' ? 'measured_at' : f));
    expect(errors).toEqual([expect.objectContaining({ row: 2, field: 'measured_at', code: 'iqc.lotExpired', params: expect.objectContaining({ lot: 'A', expiresOn: '2026-11-12', day: '2026-11-13' }) })]);
  });

  it('finds nothing when no lot of the lab has an expiry', () => {
    expect(valuesAfterExpiry({ lots, expiry: new Map() }, [value(1, '1', 'A', end + 1)], (f) => f)).toEqual([]);
  });
});
