'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { runAction, formObject, type ActionState } from '@/lib/actions';
import { setLabActive, updateLab } from '@/lib/services/labs';

export async function updateLabAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    await updateLab(getDb(), actor, formObject(form));
    return {};
  });
  if (r.ok) revalidatePath('/regulator/labs', 'layout');
  return r;
}

export async function setLabActiveAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    await setLabActive(getDb(), actor, formObject(form));
    return {};
  });
  if (r.ok) revalidatePath('/regulator/labs', 'layout');
  return r;
}
