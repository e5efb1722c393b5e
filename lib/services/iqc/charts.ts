// Levey-Jennings charts per instrument: a lab that measures an analyte on several instruments gets
// one chart per instrument (its own lots, lot boundaries and targets), never one chart that mixes
// them; a selector narrows the page to one instrument.
import type { DB } from '@/db/client';
import type { Actor } from '@/lib/auth/core';
import { chartData } from './views';

type ChartQuery = { lab?: string | null; analyte: string; from?: string | null; to?: string | null; instrument?: string | null };

/** One chart of an analyte on one instrument ('' when the results name no instrument). */
export interface InstrumentChart {
  instrument: string;
  panels: ReturnType<typeof chartData>['panels'];
}

/**
 * The charts of an analyte for a date range, one per instrument with results in the range (all of
 * them, or the one asked for with `instrument`). `instruments` lists every instrument of the range
 * (for the selector); an instrument that is not among them gives no chart.
 */
export function instrumentCharts(db: DB, actor: Actor, q: ChartQuery, now = Date.now()) {
  const all = chartData(db, actor, { ...q, instrument: null }, now);
  const { panels: _mixed, ...base } = all;
  const wanted = q.instrument != null && q.instrument !== '' ? [q.instrument].filter((i) => all.instruments.includes(i)) : all.instruments;
  const charts: InstrumentChart[] = wanted.map((instrument) => ({
    instrument,
    panels: all.instruments.length === 1 ? all.panels : chartData(db, actor, { ...q, instrument }, now).panels,
  }));
  return { ...base, selected: q.instrument || null, charts };
}
