'use server';
import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { runAction, formObject, type ActionState } from '@/lib/actions';
import { createLab } from '@/lib/services/labs';

export async function createLabAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => ({ code: (await createLab(getDb(), actor, formObject(form))).code }));
  if (!r.ok) return r;
  revalidatePath('/regulator/labs');
  redirect(`/regulator/labs/${encodeURIComponent((r.data as { code: string }).code)}`);
}
