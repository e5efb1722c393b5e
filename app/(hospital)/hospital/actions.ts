'use server';
// The hospital workspace's server actions: each one service call through runAction (lib/actions.ts).
import { revalidatePath } from 'next/cache';
import { getDb } from '@/db/client';
import { runAction, formObject, formOf, type ActionState } from '@/lib/actions';
import { uploadedText } from '@/lib/body';
import { headers } from 'next/headers';
import { clientAddressOf } from '@/lib/auth/client-address';
import { AppError } from '@/lib/errors';
import { runJob } from '@/lib/jobs';
import { batchRateLimited } from '@/lib/public-api';
import { deleteLocalCodeMapping, importLocalCodes, setLocalCode } from '@/lib/services/hospital/local-codes';
import { createHospitalToken, revokeHospitalToken } from '@/lib/services/hospital/tokens';
import { addWatch, removeWatch } from '@/lib/services/hospital/watches';
import { createEndpoint, disableWebhookEndpoint, sendTestEvent } from '@/lib/services/hospital/webhooks';

/** The text of a form: its uploaded file when one was chosen, else the pasted text. */
async function textOf(form: FormData): Promise<string> {
  form = formOf(form);
  const file = form.get('file');
  if (file && typeof file !== 'string' && file.size > 0) return uploadedText(file);
  return String(form.get('text') ?? '');
}

function done<T>(r: ActionState<T>, ...paths: string[]): ActionState<T> {
  if (r.ok) for (const p of paths) revalidatePath(p);
  return r;
}

/** The batch check page: as the batch verification API, rate-limited per client address (the same
 * limit) and checked in a job worker (10,000 lines kept the request thread for 0.6 s). */
export async function batchCheckAction(_prev: ActionState, form: FormData) {
  return runAction(async (actor) => {
    const limited = await batchRateLimited(clientAddressOf(await headers()));
    if (limited) throw new AppError('verify.rateLimited', { seconds: limited.retryAfter });
    return await runJob('hospital.batchCheck', actor, { text: await textOf(form) });
  });
}

export async function addWatchAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await addWatch(getDb(), actor, formObject(form))), '/hospital');
}

export async function removeWatchAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await removeWatch(getDb(), actor, formObject(form))), '/hospital');
}

/** Preview a mapping file; with `commit=1` (the preview's "save" button) save it all or nothing. */
export async function mappingUploadAction(_prev: ActionState, form: FormData) {
  form = formOf(form);
  const commit = form.get('commit') === '1';
  const reason = String(form.get('reason') ?? '');
  const r = await runAction(async (actor) => ({ ...await importLocalCodes(getDb(), actor, { text: await textOf(form), reason }, { dryRun: !commit }), saved: commit }));
  return commit ? done(r, '/hospital/mapping', '/regulator/platform/mapping') : r;
}

export async function setMappingAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await setLocalCode(getDb(), actor, formObject(form))), '/hospital/mapping', '/regulator/platform/mapping');
}

export async function deleteMappingAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await deleteLocalCodeMapping(getDb(), actor, formObject(form))), '/hospital/mapping', '/regulator/platform/mapping');
}

export async function createHospitalTokenAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => ({ secret: (await createHospitalToken(getDb(), actor, formObject(form))).token })), '/hospital/tokens', '/regulator/platform/tokens');
}

export async function revokeHospitalTokenAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await revokeHospitalToken(getDb(), actor, formObject(form))), '/hospital/tokens', '/regulator/platform/tokens');
}

export async function createEndpointAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => ({ secret: (await createEndpoint(getDb(), actor, formObject(form))).secret })), '/hospital/webhooks');
}

export async function disableEndpointAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await disableWebhookEndpoint(getDb(), actor, formObject(form))), '/hospital/webhooks');
}

export async function testEventAction(_prev: ActionState, form: FormData) {
  return done(await runAction(async (actor) => await sendTestEvent(getDb(), actor, formObject(form))), '/hospital/webhooks');
}
