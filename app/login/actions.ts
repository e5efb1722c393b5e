'use server';
import { AuthError } from 'next-auth';
import { redirect } from 'next/navigation';
import { PASSWORD_PAGE, RateLimitedSignIn, signIn, signOut } from '@/lib/auth';
import { safeNextPath } from '@/lib/auth/redirect';
import { signedInAccount } from '@/lib/auth/resolve';
import { getDb } from '@/db/client';
import { HOME_BY_ROLE } from '@/lib/navigation';
import { publicOrigin } from '@/lib/origin';

export interface SignInState {
  error?: 'invalid' | 'rate_limited';
  /** minutes until another attempt is accepted (rate_limited) */
  retryMinutes?: number;
}

export async function signInAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get('email') ?? '');
  try {
    await signIn('credentials', { email, password: String(form.get('password') ?? ''), redirect: false });
  } catch (e) {
    if (e instanceof RateLimitedSignIn) return { error: 'rate_limited', retryMinutes: Math.max(1, Math.ceil((e.retryAt - Date.now()) / 60_000)) };
    if (e instanceof AuthError) return { error: 'invalid' };
    throw e;
  }
  // straight to the page asked for (same origin only), or to the role's landing page
  const next = safeNextPath(form.get('next'), publicOrigin());
  const row = signedInAccount(getDb(), email);
  const home = row ? HOME_BY_ROLE[row.role] : '/';
  const target = next && next !== '/' ? next : home;
  if (row?.mustChangePassword) redirect(`${PASSWORD_PAGE}?next=${encodeURIComponent(target)}`);
  redirect(target);
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: '/' });
}
