'use server';
// Setting the lab's IQC run window: runAction around the service, which authorizes, validates and audits.
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, runAction } from '@/lib/actions';
import { setRunWindow } from '@/lib/services/iqc/run-window';

export async function setRunWindowAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await setRunWindow(getDb(), actor, formObject(form)));
  if (r.ok) revalidatePath('/lab', 'layout');
  return r;
}
