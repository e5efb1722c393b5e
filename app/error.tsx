'use client';
import { useTranslations } from 'next-intl';

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations('common.errors');
  return (
    <div className="mx-auto max-w-lg py-16 text-center" role="alert">
      <h1 className="text-2xl font-semibold">{t('errorTitle')}</h1>
      <p className="mt-2 text-slate-600">{t('errorText')}</p>
      {error.digest && <p className="mt-2 font-mono text-xs text-slate-400">{error.digest}</p>}
      <button type="button" onClick={reset} className="btn mt-6">
        {t('retry')}
      </button>
    </div>
  );
}
