// The working calendar regulators keep: which days are working days for IQC coverage (recognition's
// criterion and the regional overview). Monday to Friday, except the entries: the national calendar
// (seeded with the State Council's 2026 arrangement by migration 0006) and regional entries, which
// apply to the region's labs and win over a national entry of the same day. An administrator keeps
// the national calendar; a regulator keeps their region's and its sub-regions'. Every change is
// audited (the audit row keeps a removed entry).
import type { DB, Conn } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { findRegionByCode, findRegionById } from '@/db/queries/regions';
import {
  deleteCalendarEntry,
  findCalendarEntry,
  findCalendarEntryOn,
  insertCalendarEntry,
  listCalendarEntries,
  type CalendarEntryRow,
} from '@/db/queries/recognition-calendar';
import { can, type Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { zodFieldErrors } from '@/lib/validation/errors';
import { calendarEntryInput } from '@/lib/validation/recognition';
import { addDays, dayOf, isWorkingDay, workCalendarFor, type WorkCalendar } from '@/lib/calendar';
import { withTx } from '@/db/tx';

/** can() scope of an entry: the national calendar has no region; '/' lies inside no regulator's. */
const scopeOf = (regionPath: string | null) => ({ regionPath: regionPath ?? '/' });
const codesOnPath = (path: string | null) => (path ?? '').split('/').filter(Boolean);

/** The working calendar of a region (or a lab's region) path, for the days from..to. */
export async function workCalendarForPath(db: Conn, regionPath: string | null, from: string, to: string): Promise<WorkCalendar> {
  return workCalendarFor(await listCalendarEntries(db, { from, to, regionCodes: codesOnPath(regionPath) }), regionPath);
}

/** Calendars per region path from one read of every entry (for a run over many labs). */
export async function workCalendarsFor(db: Conn, from: string, to: string): Promise<(regionPath: string | null) => WorkCalendar> {
  const entries = await listCalendarEntries(db, { from, to });
  const cache = new Map<string, WorkCalendar>();
  return (path) => {
    const key = path ?? '';
    let c = cache.get(key);
    if (!c) cache.set(key, (c = workCalendarFor(entries, path)));
    return c;
  };
}

async function regionFor(db: Conn, actor: Actor, regionCode?: string) {
  if (regionCode) {
    const r = await findRegionByCode(db, regionCode);
    if (!r) throw new AppError('region.notFound', { region: regionCode });
    // the national region's calendar is the national one (entries without a region)
    return r.level === 'national' ? null : r;
  }
  const own = actor.regionId ? await findRegionById(db, actor.regionId) : undefined;
  return own && own.level !== 'national' ? own : null;
}

/** The years a calendar page shows (the year field's bounds). */
export const CALENDAR_YEARS = { min: 2000, max: 2100 } as const;

/**
 * What the calendar page shows for a year: the entries that apply to the region (national and on
 * its path), whether the actor may remove each, and the working days per month under them.
 */
export async function calendarPage(db: DB, actor: Actor, input: { regionCode?: string; year?: number } = {}, opts: { now?: number } = {}) {
  if (!can(actor, 'calendar.manage')) throw new AppError('auth.forbidden');
  const region = await regionFor(db, actor, input.regionCode);
  if (!can(actor, 'calendar.manage', scopeOf(region?.path ?? null))) throw new AppError('region.outsideJurisdiction');
  const year = input.year ?? Number(dayOf(opts.now ?? Date.now()).slice(0, 4));
  // a year is walked day by day: only four-digit years (a fifth digit never ends the walk)
  if (!Number.isInteger(year) || year < CALENDAR_YEARS.min || year > CALENDAR_YEARS.max) throw new AppError('calendar.yearOutOfRange', CALENDAR_YEARS);
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const path = region?.path ?? null;
  const entries = await listCalendarEntries(db, { from, to, regionCodes: codesOnPath(path) });
  const calendar = workCalendarFor(entries, path);
  const months = Array.from({ length: 12 }, (_, i) => ({ month: `${year}-${String(i + 1).padStart(2, '0')}`, workingDays: 0 }));
  for (let d = from; d <= to; d = addDays(d, 1)) if (isWorkingDay(d, calendar)) months[Number(d.slice(5, 7)) - 1].workingDays++;
  return {
    region,
    year,
    entries: entries.map((e) => ({
      ...e,
      editable: can(actor, 'calendar.manage', scopeOf(e.regionPath)),
      // a national entry a regional one overrides does not apply here
      applies: (e.kind === 'holiday' ? calendar.holidays : calendar.workdays).has(e.day),
    })),
    months,
    workingDays: months.reduce((a, m) => a + m.workingDays, 0),
  };
}

/** Add a holiday or make-up working day to a region's calendar (one entry per region and day). */
export async function addCalendarEntry(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const parsed = calendarEntryInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid calendar entry', zodFieldErrors(parsed.error));
  const p = parsed.data;
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const region = await regionFor(tx, actor, p.regionCode);
    if (!can(actor, 'calendar.manage', scopeOf(region?.path ?? null))) throw new AppError('region.outsideJurisdiction');
    if (await findCalendarEntryOn(tx, region?.id ?? null, p.day)) throw new AppError('calendar.dayTaken', { day: p.day });
    const row = await insertCalendarEntry(tx, { regionId: region?.id ?? null, day: p.day, kind: p.kind, name: p.name, createdBy: actor.userId, createdAt: now });
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'calendar.add',
      entityType: 'calendar_day',
      entityId: row.id,
      regionId: region?.id ?? null,
      details: { regionCode: region?.code ?? null, day: p.day, kind: p.kind, name: p.name },
      at: now,
    });
    return row;
  });
}

/** Remove an entry (the day falls back to the parent calendar or the Monday–Friday rule). */
export async function removeCalendarEntry(db: DB, actor: Actor, input: { id: number }, opts: { now?: number } = {}): Promise<CalendarEntryRow> {
  const now = opts.now ?? Date.now();
  const id = Number(input.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('calendar.invalidEntry', {}, [fieldError('calendar.badId', {}, 'id')]);
  return await withTx(db, async (tx) => {
    const entry = await findCalendarEntry(tx, id);
    if (!entry) throw new AppError('calendar.entryNotFound');
    if (!can(actor, 'calendar.manage', scopeOf(entry.regionPath))) throw new AppError('calendar.outsideJurisdiction');
    await deleteCalendarEntry(tx, id);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'calendar.remove',
      entityType: 'calendar_day',
      entityId: id,
      regionId: entry.regionId,
      details: { regionCode: entry.regionCode, day: entry.day, kind: entry.kind, name: entry.name },
      at: now,
    });
    return entry;
  });
}
