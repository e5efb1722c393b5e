'use server';
// Excluding a single control result from the rules and statistics, with a reason (and taking it
// back in): runAction around the service, which authorizes, re-evaluates and audits.
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, runAction } from '@/lib/actions';
import { excludeResult, includeResult } from '@/lib/services/iqc/results';

export async function excludeResultAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await excludeResult(getDb(), actor, formObject(form)));
  if (r.ok) revalidatePath('/lab', 'layout');
  return r;
}

export async function includeResultAction(_prev: unknown, form: FormData) {
  const r = await runAction(async (actor) => await includeResult(getDb(), actor, formObject(form)));
  if (r.ok) revalidatePath('/lab', 'layout');
  return r;
}
