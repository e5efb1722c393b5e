'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, runAction, type ActionState } from '@/lib/actions';
import { createPolicyVersion } from '@/lib/services/recognition/policy';

const CRITERIA = ['eqaSatisfactoryRounds', 'eqaUnsuccessfulWindow', 'iqcMinLevels', 'iqcCoveragePercent', 'iqcWindowDays', 'correctiveActionDays', 'requireCv'];

export async function createPolicyAction(_prev: ActionState, form: FormData) {
  return runAction(async (actor) => {
    const raw = formObject(form);
    const criteria: Record<string, unknown> = { requireCv: raw.requireCv === 'on' };
    for (const k of CRITERIA) if (k !== 'requireCv' && raw[k] !== undefined && raw[k] !== '') criteria[k] = raw[k];
    const row = await createPolicyVersion(getDb(), actor, { ...raw, criteria });
    revalidatePath('/regulator/policy');
    return { version: row.version };
  });
}
