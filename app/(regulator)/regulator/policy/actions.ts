'use server';
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { formObject, runAction, type ActionState } from '@/lib/actions';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import { startJob } from '@/lib/jobs';
import { dayOf } from '@/lib/calendar';

const CRITERIA = ['eqaSatisfactoryRounds', 'eqaUnsuccessfulWindow', 'iqcMinLevels', 'iqcCoveragePercent', 'iqcWindowDays', 'correctiveActionDays', 'requireCv'];

export async function createPolicyAction(_prev: ActionState, form: FormData) {
  return runAction(async (actor) => {
    const raw = formObject(form);
    const criteria: Record<string, unknown> = { requireCv: raw.requireCv === 'on' };
    for (const k of CRITERIA) if (k !== 'requireCv' && raw[k] !== undefined && raw[k] !== '') criteria[k] = raw[k];
    const row = await createPolicyVersion(getDb(), actor, { ...raw, criteria });
    revalidatePath('/regulator/policy');
    // a version in force today leaves every verdict of the region behind it (an approval is refused
    // until they are computed again): the region's eligibility run starts now, in the background
    const recomputing = row.inForceToday;
    if (recomputing) startJob('recognition.recompute', actor, { regionCode: String(raw.regionCode) }, (m) => console.error('[labqc] eligibility run after a new policy version failed:', m));
    // dated today or earlier yet not in force: a version from a later day is
    const superseded = !row.inForceToday && row.effectiveFrom <= dayOf(Date.now());
    return { version: row.version, recomputing, superseded };
  });
}
