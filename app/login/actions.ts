'use server';
import { AuthError } from 'next-auth';
import { redirect } from 'next/navigation';
import { PASSWORD_PAGE, RateLimitedSignIn, signIn, signOut } from '@/lib/auth';
import { safeNextPath } from '@/lib/auth/redirect';
import { signedInAccount } from '@/lib/auth/resolve';
import { getDb } from '@/db/client';
import { HOME_BY_ROLE } from '@/lib/navigation';
import { publicOrigin } from '@/lib/origin';
import { formOf, type ActionState } from '@/lib/actions';

/** A refused sign-in, as every form's ActionState: wrong credentials, or too many failures (with the minutes to wait). */
export async function signInAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  form = formOf(form);
  const email = String(form.get('email') ?? '');
  try {
    await signIn('credentials', { email, password: String(form.get('password') ?? ''), redirect: false });
  } catch (e) {
    if (e instanceof RateLimitedSignIn) {
      const minutes = Math.max(1, Math.ceil((e.retryAt - Date.now()) / 60_000));
      return { ok: false, code: 'too_many', reason: 'auth.signInsPaused', params: { minutes }, message: 'Too many failed sign-ins' };
    }
    if (e instanceof AuthError) return { ok: false, code: 'unauthenticated', reason: 'auth.invalidCredentials', message: 'Invalid credentials' };
    throw e;
  }
  // straight to the page asked for (same origin only), or to the role's landing page
  const next = safeNextPath(form.get('next'), publicOrigin());
  const row = await signedInAccount(getDb(), email);
  const home = row ? HOME_BY_ROLE[row.role] : '/';
  const target = next && next !== '/' ? next : home;
  if (row?.mustChangePassword) redirect(`${PASSWORD_PAGE}?next=${encodeURIComponent(target)}`);
  redirect(target);
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: '/' });
}
