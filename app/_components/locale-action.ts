'use server';
import { cookies } from 'next/headers';
import { revalidatePath } from 'next/cache';
import { formOf } from '@/lib/actions';
import { isLocale, LOCALE_COOKIE } from '@/lib/i18n/locales';

export async function setLocaleAction(form: FormData): Promise<void> {
  const locale = formOf(form).get('locale');
  if (!isLocale(locale)) return;
  (await cookies()).set(LOCALE_COOKIE, locale, { path: '/', maxAge: 365 * 24 * 3600, sameSite: 'lax' });
  revalidatePath('/', 'layout');
}
