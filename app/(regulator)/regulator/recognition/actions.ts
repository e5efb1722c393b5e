'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, runAction, type ActionState } from '@/lib/actions';
import { decideBulk } from '@/lib/services/recognition/decisions';
import { runJob } from '@/lib/jobs';

export async function decideAction(_prev: ActionState, form: FormData) {
  return runAction(async (actor) => {
    const results = await decideBulk(getDb(), actor, formObject(form));
    revalidatePath('/regulator/recognition');
    return results.map((r) => ({ action: r.action, certificateNo: r.certificateNo ?? null, mark: r.mark ?? null }));
  });
}

export async function recomputeAction(_prev: ActionState, _form: FormData) {
  return runAction(async (actor) => {
    const r = await runJob('recognition.recompute', actor, {});
    revalidatePath('/regulator/recognition');
    return r;
  });
}
