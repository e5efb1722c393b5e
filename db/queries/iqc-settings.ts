// A lab's IQC settings stored on its laboratories row: the run window (minutes) within which results
// of one analyte × instrument form one run (lib/services/iqc/runs.ts).
import { eq } from 'drizzle-orm';
import type { Conn } from '../client';
import { laboratories } from '../schema';
import { first } from '@/db/dialect';

/** The lab's run window in minutes, or undefined for an unknown lab. */
export async function labRunWindowMinutes(db: Conn, labId: number): Promise<number | undefined> {
  return first(await db.select({ minutes: laboratories.runWindowMinutes }).from(laboratories).where(eq(laboratories.id, labId)).limit(1))?.minutes;
}

export async function updateLabRunWindow(db: Conn, labId: number, minutes: number, now: number): Promise<void> {
  await db.update(laboratories).set({ runWindowMinutes: minutes, updatedAt: now }).where(eq(laboratories.id, labId));
}
