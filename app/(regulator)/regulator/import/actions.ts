'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formOf, runAction, type ActionState } from '@/lib/actions';
import { commitRegistryImport, previewRegistryImport } from '@/lib/services/registry';

function csvOf(form: FormData): string {
  const v = formOf(form).get('csv');
  return typeof v === 'string' ? v : '';
}

export async function previewRegistryAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  return runAction(async (actor) => await previewRegistryImport(getDb(), actor, csvOf(form)));
}

export async function commitRegistryAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const r = await runAction(async (actor) => await commitRegistryImport(getDb(), actor, csvOf(form)));
  if (r.ok) revalidatePath('/regulator/labs', 'layout');
  return r;
}
