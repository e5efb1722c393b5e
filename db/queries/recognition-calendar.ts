// The working calendar (calendar_days): national entries (region null) and regional ones. Reads are
// small (a few dozen rows a year per jurisdiction), so they come back whole for a date range.
import { and, asc, eq, gte, isNull, lte, or, inArray, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { calendarDays, regions } from '../schema';
import type { CalendarDayKind } from '../enums';
import { ascNullsFirst, first } from '@/db/dialect';

export interface CalendarEntryRow {
  id: number;
  day: string;
  kind: CalendarDayKind;
  name: string;
  regionId: number | null;
  regionCode: string | null;
  regionName: string | null;
  regionNameEn: string | null;
  /** null: the national calendar */
  regionPath: string | null;
}

const cols = {
  id: calendarDays.id,
  day: calendarDays.day,
  kind: calendarDays.kind,
  name: calendarDays.name,
  regionId: calendarDays.regionId,
  regionCode: regions.code,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
  regionPath: regions.path,
};

/**
 * Entries between two days (inclusive). With `regionCodes`, only the national entries and those of
 * these regions (a region's own calendar and its ancestors'); without, every entry (the eligibility
 * engine resolves each lab's calendar from them).
 */
export async function listCalendarEntries(db: Conn, f: { from: string; to: string; regionCodes?: string[] }): Promise<CalendarEntryRow[]> {
  const regionFilter = f.regionCodes ? or(isNull(calendarDays.regionId), f.regionCodes.length ? inArray(regions.code, f.regionCodes) : sql`1 = 0`) : undefined;
  return await db
    .select(cols)
    .from(calendarDays)
    .leftJoin(regions, eq(regions.id, calendarDays.regionId))
    .where(and(gte(calendarDays.day, f.from), lte(calendarDays.day, f.to), regionFilter))
    .orderBy(asc(calendarDays.day), ascNullsFirst(regions.path));
}

export async function findCalendarEntry(db: Conn, id: number): Promise<CalendarEntryRow | undefined> {
  return first(await db.select(cols).from(calendarDays).leftJoin(regions, eq(regions.id, calendarDays.regionId)).where(eq(calendarDays.id, id)).limit(1));
}

/** The entry of one region (null: national) on one day, if any. */
export async function findCalendarEntryOn(db: Conn, regionId: number | null, day: string) {
  return first(await db
    .select({ id: calendarDays.id })
    .from(calendarDays)
    .where(and(regionId === null ? isNull(calendarDays.regionId) : eq(calendarDays.regionId, regionId), eq(calendarDays.day, day))).limit(1));
}

export async function insertCalendarEntry(db: Conn, values: typeof calendarDays.$inferInsert) {
  return (await db.insert(calendarDays).values(values).returning())[0];
}

export async function deleteCalendarEntry(db: Conn, id: number) {
  await db.delete(calendarDays).where(eq(calendarDays.id, id));
}
