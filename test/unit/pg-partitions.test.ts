// Issue 14: month arithmetic of the iqc_results partitions (db/pg/partitions.ts); no database needed.
// Expected instants checked with `date -u -d @<seconds>`: 1793491200 = 2026-11-01T00:00:00Z,
// 1796083200 = 2026-12-01T00:00:00Z, 1803859200 = 2027-03-01T00:00:00Z.
import { describe, expect, it } from 'vitest';
import { addMonths, formatBytes, monthOf, monthStartMs, parseMonth, partitionName } from '@/db/pg/partitions';

describe('iqc_results partition months', () => {
  it('bounds a month at 00:00 UTC of its first day', () => {
    expect(monthStartMs({ year: 2026, month: 11 })).toBe(1793491200_000);
    expect(monthStartMs(addMonths({ year: 2026, month: 11 }, 1))).toBe(1796083200_000);
    expect(monthStartMs(addMonths({ year: 2026, month: 11 }, 4))).toBe(1803859200_000);
  });

  it('puts the last millisecond of a month in that month and the next one in the next (UTC, not UTC+8)', () => {
    expect(monthOf(1796083200_000 - 1)).toEqual({ year: 2026, month: 11 });
    expect(monthOf(1796083200_000)).toEqual({ year: 2026, month: 12 });
    // 2026-12-01 07:59 in Beijing is still November in UTC
    expect(monthOf(Date.UTC(2026, 10, 30, 23, 59))).toEqual({ year: 2026, month: 11 });
  });

  it('steps across years both ways', () => {
    expect(addMonths({ year: 2026, month: 11 }, 3)).toEqual({ year: 2027, month: 2 });
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(addMonths({ year: 2026, month: 12 }, 13)).toEqual({ year: 2028, month: 1 });
  });

  it('names partitions by year and two-digit month and reads --from months', () => {
    expect(partitionName('iqc_results', { year: 2027, month: 2 })).toBe('iqc_results_y2027m02');
    expect(parseMonth('2024-01')).toEqual({ year: 2024, month: 1 });
    expect(parseMonth('2025-13')).toBeNull();
    expect(parseMonth('2025-00')).toBeNull();
    expect(parseMonth('2025-1')).toBeNull();
  });

  it('prints sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(48 * 1024)).toBe('48 kB');
    expect(formatBytes(13 * 1024 * 1024 + 300 * 1024)).toBe('13 MB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GB');
  });
});
