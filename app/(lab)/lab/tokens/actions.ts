'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { runAction, formObject, type ActionState } from '@/lib/actions';
import { createApiToken, revokeApiToken } from '@/lib/services/tokens';

export async function createTokenAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => ({ secret: (await createApiToken(getDb(), actor, formObject(form))).token }));
  if (r.ok) revalidatePath('/lab/tokens');
  return r;
}

export async function revokeTokenAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => await revokeApiToken(getDb(), actor, formObject(form)));
  if (r.ok) revalidatePath('/lab/tokens');
  return r;
}
