// The expiry day of a control lot as the ingest reads it: its end in China time, the days left the
// targets page shows, and which rows of an entry fall after it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { daysUntilExpiry, lotsInUse, valuesAfterExpiry } from '@/lib/services/iqc/lot-expiry';
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

describe('lotsInUse (the entry grid\'s lot per analyte, instrument and level)', () => {
  const lot = (id: number, lastAt: number | null, expiresOn: string | null, level = '1') => ({ analyte: 'GLU', instrument: 'AU', level, id, lastAt, expiresOn });
  const today = '2026-12-04';

  it('takes the lot with the latest result, else the newest', () => {
    expect(lotsInUse([lot(1, 500, null), lot(2, 100, null)], today).map((l) => l.id)).toEqual([1]);
    expect(lotsInUse([lot(1, null, null), lot(2, null, null)], today).map((l) => l.id)).toEqual([2]);
  });

  it('passes over an expired lot for one usable today, even one without results yet', () => {
    expect(lotsInUse([lot(1, 500, '2026-12-03'), lot(2, null, '2027-06-30')], today).map((l) => l.id)).toEqual([2]);
    // the expiry day itself is still usable
    expect(lotsInUse([lot(1, 500, today), lot(2, null, '2027-06-30')], today).map((l) => l.id)).toEqual([1]);
  });

  it('keeps the latest expired lot when no lot of the level is usable, and one row per level', () => {
    const rows = lotsInUse([lot(1, 500, '2026-11-01'), lot(2, 900, '2026-12-01'), lot(3, 10, null, '2')], today);
    expect(rows.map((l) => l.id)).toEqual([2, 3]);
  });

  it('gives the same lot whatever the order of the lots', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([lot(1, 500, '2026-12-01'), lot(2, 300, null), lot(3, 300, '2027-01-01'), lot(4, null, '2026-01-01')], { minLength: 1 }), fc.boolean(), (lots, reverse) => {
        const given = reverse ? [...lots].reverse() : lots;
        expect(lotsInUse(given, today).map((l) => l.id)).toEqual(lotsInUse(lots, today).map((l) => l.id));
      }),
    );
  });
});
