'use server';
import { AuthError } from 'next-auth';
import { redirect } from 'next/navigation';
import { signIn, signOut } from '@/lib/auth';
import { getDb } from '@/db/client';
import { findActorRowByEmail } from '@/db/queries/actors';
import { HOME_BY_ROLE } from '@/lib/navigation';

export interface SignInState {
  error?: 'invalid';
}

export async function signInAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get('email') ?? '');
  try {
    await signIn('credentials', { email, password: String(form.get('password') ?? ''), redirect: false });
  } catch (e) {
    if (e instanceof AuthError) return { error: 'invalid' };
    throw e;
  }
  // straight to the page asked for, or to the role's landing page
  const next = safeNext(form.get('next'));
  const role = findActorRowByEmail(getDb(), email.trim().toLowerCase())?.role;
  redirect(next !== '/' || !role ? next : HOME_BY_ROLE[role]);
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: '/' });
}

function safeNext(v: FormDataEntryValue | null): string {
  const s = typeof v === 'string' ? v : '';
  // only same-site paths, never "//host" or absolute URLs
  return s.startsWith('/') && !s.startsWith('//') ? s : '/';
}
