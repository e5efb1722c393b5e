// The Levey-Jennings chart is per instrument (issue 9): a lab whose analyte has results on two
// instruments gets one chart each, with its own lots, lot boundaries and targets; a selector narrows
// the page to one instrument.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '../support/db';
import { sqlitePlans } from '../support/sqlite-plans';
import { exclusionsOf } from '@/db/queries/iqc-charts';
import { appError } from '../support/errors';
import type { Actor } from '@/lib/auth/core';
import { ingestResults } from '@/lib/services/iqc/ingest';
import { setManufacturerTarget } from '@/lib/services/iqc/targets';
import { instrumentCharts } from '@/lib/services/iqc/charts';
import { excludeResult } from '@/lib/services/iqc/results';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 10, 25, 4, 0);
const iso = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();

let t: Awaited<ReturnType<typeof createSeededTestDb>>;
let lab: Actor;

beforeAll(async () => {
  t = await createSeededTestDb();
  lab = t.labManagers.get('GZ-001')!;
  for (const [lot, instrument, mean] of [['GA1', 'A1', 5], ['GA2', 'A1', 5.4], ['GB1', 'B2', 5.2]] as const) {
    await setManufacturerTarget(t.db, lab, { analyte: 'GLU', level: '1', lot, instrument, mean, sd: 0.1, effectiveFrom: iso(30) }, NOW - 30 * DAY);
  }
  // A1: lot GA1 on days 10..6, GA2 from day 5; B2: lot GB1 every day, an hour later
  const rows = [];
  for (let d = 10; d >= 1; d--) {
    rows.push({ analyte: 'GLU', level: '1', lot: d > 5 ? 'GA1' : 'GA2', instrument: 'A1', value: d > 5 ? 5.01 : 5.41, measuredAt: iso(d) });
    rows.push({ analyte: 'GLU', level: '1', lot: 'GB1', instrument: 'B2', value: 5.19, measuredAt: new Date(NOW - d * DAY + 3600_000).toISOString() });
  }
  await ingestResults(t.db, lab, { results: rows }, { source: 'manual', now: NOW });
});
afterAll(() => t.close());

describe('Levey-Jennings charts per instrument', () => {
  it('one chart per instrument, each with its own points and lot boundaries', async () => {
    const c = await instrumentCharts(t.db, lab, { analyte: 'GLU' }, NOW);
    expect(c.instruments).toEqual(['A1', 'B2']);
    expect(c.charts.map((x) => x.instrument)).toEqual(['A1', 'B2']);
    const [a1, b2] = c.charts.map((x) => x.panels[0]);
    expect(a1.points).toHaveLength(10);
    expect(b2.points).toHaveLength(10);
    // A1 changes lot once (day 5); B2 never does: mixing them would mark a boundary at every point
    expect(a1.lotChanges).toEqual([{ t: NOW - 5 * DAY, lot: 'GA2' }]);
    expect(b2.lotChanges).toEqual([]);
    expect(new Set(b2.points.map((p) => p.lot))).toEqual(new Set(['GB1']));
    // each point against its own instrument's target
    expect(b2.points.every((p) => p.mean === 5.2)).toBe(true);
  });

  it('the selector narrows to one instrument; the list of instruments stays for the selector', async () => {
    const c = await instrumentCharts(t.db, lab, { analyte: 'GLU', instrument: 'B2' }, NOW);
    expect(c.selected).toBe('B2');
    expect(c.instruments).toEqual(['A1', 'B2']);
    expect(c.charts.map((x) => x.instrument)).toEqual(['B2']);
  });

  it('an instrument without results in the range gives no chart', async () => {
    expect((await instrumentCharts(t.db, lab, { analyte: 'GLU', instrument: 'NOPE' }, NOW)).charts).toEqual([]);
  });

  it('each point says whether the lab excluded it, and why (the exclude control beside each result reads it)', async () => {
    const before = (await instrumentCharts(t.db, lab, { analyte: 'GLU', instrument: 'B2' }, NOW)).charts[0].panels[0].points;
    expect(before.every((p) => p.excluded === false && p.excludedReason === null)).toBe(true);
    await excludeResult(t.db, lab, { resultId: before[3].resultId, reason: 'clot in the sample probe' }, NOW);
    const after = (await instrumentCharts(t.db, lab, { analyte: 'GLU', instrument: 'B2' }, NOW)).charts[0].panels[0].points;
    expect(after.filter((p) => p.excluded).map((p) => [p.resultId, p.excludedReason])).toEqual([[before[3].resultId, 'clot in the sample probe']]);
  });

  it('the exclusions are read by the results\' ids, and only the lab\'s own (SQLite: each id\'s row, not every result of the lab)', async () => {
    const points = (await instrumentCharts(t.db, lab, { analyte: 'GLU', instrument: 'B2' }, NOW)).charts[0].panels[0].points;
    const other = t.labManagers.get('GZ-002')!;
    await ingestResults(t.db, other, { results: [{ analyte: 'GLU', level: '1', lot: 'OT1', instrument: 'A1', value: 5, measuredAt: iso(2) }] }, { source: 'manual', now: NOW });
    const [foreign] = await sqlRows<{ id: number }>(t.db, "SELECT r.id FROM iqc_results r JOIN control_lots l ON l.id = r.control_lot_id WHERE l.lot_number = 'OT1'");
    const ids = [...points.map((p) => p.resultId), Number(foreign.id)];
    const read = await exclusionsOf(t.db, lab.labId!, ids);
    expect([...read.keys()].sort((a, b) => a - b)).toEqual(points.map((p) => p.resultId).sort((a, b) => a - b));
    if (t.backend !== 'sqlite') return; // PostgreSQL plans by its own statistics
    const plans = await sqlitePlans(t.db, /from "iqc_results"/, () => exclusionsOf(t.db, lab.labId!, ids));
    expect(plans).toEqual([['SEARCH iqc_results USING INTEGER PRIMARY KEY (rowid=?)']]);
  });

  it('a regulator of the region reads them; another province is refused (403)', async () => {
    expect((await instrumentCharts(t.db, t.regulators.gd, { lab: 'GZ-001', analyte: 'GLU' }, NOW)).charts).toHaveLength(2);
    expect((await appError(async () => await instrumentCharts(t.db, t.regulators.zj, { lab: 'GZ-001', analyte: 'GLU' }, NOW))).status).toBe(403);
  });
});
