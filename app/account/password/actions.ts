'use server';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '@/db/client';
import { currentActor, signIn } from '@/lib/auth';
import { safeNextPath } from '@/lib/auth/redirect';
import { clientAddressOf } from '@/lib/auth/client-address';
import { formObject, formOf, type ActionState } from '@/lib/actions';
import { isAppError } from '@/lib/errors';
import { HOME_BY_ROLE } from '@/lib/navigation';
import { publicOrigin } from '@/lib/origin';
import { changeOwnPassword } from '@/lib/services/users';

/** Change the signed-in person's password, then sign this browser in again with it (every other
 * session has ended) and continue to the page asked for or the role's landing page. */
export async function changePasswordAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const actor = await currentActor();
  if (!actor) return { ok: false, code: 'unauthenticated', message: 'Sign in required' };
  const input = formObject(form);
  try {
    // the address the production server resolved (TRUSTED_PROXIES), as the sign-in reads it
    await changeOwnPassword(getDb(), actor, input, Date.now(), { address: clientAddressOf(await headers()) });
  } catch (e) {
    if (isAppError(e)) return { ok: false, code: e.code, message: e.message, errors: e.errors };
    throw e;
  }
  await signIn('credentials', { email: actor.email, password: String(input.newPassword), redirect: false });
  const next = safeNextPath(formOf(form).get('next'), publicOrigin());
  redirect(next && next !== '/' && !next.startsWith('/account/password') ? next : HOME_BY_ROLE[actor.role]);
}
