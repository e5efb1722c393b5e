'use server';
// The working-calendar forms' actions, shared by the regulator's and the administrator's page.
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, formOf, runAction, type ActionState } from '@/lib/actions';
import { addCalendarEntry, removeCalendarEntry } from '@/lib/services/recognition/calendar';

export async function addCalendarAction(_prev: ActionState, form: FormData) {
  return runAction(async (actor) => {
    const row = await addCalendarEntry(getDb(), actor, formObject(form));
    revalidatePath('/regulator/calendar');
    revalidatePath('/admin/calendar');
    return { day: row.day };
  });
}

export async function removeCalendarAction(_prev: ActionState, form: FormData) {
  return runAction(async (actor) => {
    const row = await removeCalendarEntry(getDb(), actor, { id: Number(formOf(form).get('id')) });
    revalidatePath('/regulator/calendar');
    revalidatePath('/admin/calendar');
    return { day: row.day };
  });
}
