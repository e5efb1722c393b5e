'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { runAction, formObject, type ActionState } from '@/lib/actions';
import { createRegion, updateRegion } from '@/lib/services/regions';
import { createAnalyte, updateAnalyte } from '@/lib/services/catalogue';

export async function createRegionAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    const region = await createRegion(getDb(), actor, formObject(form));
    return { code: region.code };
  });
  if (r.ok) revalidatePath('/admin/regions');
  return r;
}

export async function updateRegionAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    await updateRegion(getDb(), actor, formObject(form));
    return {};
  });
  if (r.ok) revalidatePath('/admin/regions', 'layout');
  return r;
}

export async function updateAnalyteAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    const { id, reason, ...input } = formObject(form);
    await updateAnalyte(getDb(), actor, Number(id), input, String(reason ?? ''));
    return {};
  });
  if (r.ok) revalidatePath('/admin/analytes', 'layout');
  return r;
}

export async function createAnalyteAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => {
    const a = await createAnalyte(getDb(), actor, formObject(form));
    return { code: a.code };
  });
  if (r.ok) revalidatePath('/admin/analytes', 'layout');
  return r;
}
