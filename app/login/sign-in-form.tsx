'use client';
import { useTranslations } from 'next-intl';
import { ActionForm } from '@/app/_components/action-form';
import { Field } from '@/app/_components/fields';
import { signInAction } from './actions';

export function SignInForm({ next }: { next: string }) {
  const t = useTranslations('common.auth');
  return (
    <ActionForm action={signInAction} id="sign-in" submitLabel={t('signIn')} pendingLabel={t('signingIn')} submitClassName="btn w-full" footerClassName="space-y-4" errorSummary={false}>
      <input type="hidden" name="next" value={next} />
      <Field id="email" name="email" type="email" autoComplete="username" label={t('email')} />
      <Field id="password" name="password" type="password" autoComplete="current-password" label={t('password')} />
    </ActionForm>
  );
}
