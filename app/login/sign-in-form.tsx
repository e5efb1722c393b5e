'use client';
import { useTranslations } from 'next-intl';
import { ActionForm } from '@/app/_components/action-form';
import { signInAction } from './actions';

export function SignInForm({ next }: { next: string }) {
  const t = useTranslations('common.auth');
  return (
    <ActionForm action={signInAction} id="sign-in" submitLabel={t('signIn')} pendingLabel={t('signingIn')} submitClassName="btn w-full" footerClassName="space-y-4" errorSummary={false}>
      <input type="hidden" name="next" value={next} />
      <div>
        <label htmlFor="email" className="label">
          {t('email')}
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required className="input" />
      </div>
      <div>
        <label htmlFor="password" className="label">
          {t('password')}
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className="input" />
      </div>
    </ActionForm>
  );
}
