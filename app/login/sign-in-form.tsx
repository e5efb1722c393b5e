'use client';
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import { signInAction, type SignInState } from './actions';

export function SignInForm({ next }: { next: string }) {
  const t = useTranslations('common.auth');
  const [state, action, pending] = useActionState<SignInState, FormData>(signInAction, {});
  return (
    <form id="sign-in" action={action} className="space-y-4" noValidate>
      <input type="hidden" name="next" value={next} />
      <div>
        <label htmlFor="email" className="label">
          {t('email')}
        </label>
        <input id="email" name="email" type="email" autoComplete="username" required className="input" aria-invalid={!!state.error} />
      </div>
      <div>
        <label htmlFor="password" className="label">
          {t('password')}
        </label>
        <input id="password" name="password" type="password" autoComplete="current-password" required className="input" aria-invalid={!!state.error} />
      </div>
      {state.error && (
        <p role="alert" className="field-error">
          {state.error === 'rate_limited' ? t('rateLimited', { minutes: state.retryMinutes ?? 15 }) : t('invalidCredentials')}
        </p>
      )}
      <button type="submit" className="btn w-full" disabled={pending}>
        {pending ? t('signingIn') : t('signIn')}
      </button>
    </form>
  );
}
