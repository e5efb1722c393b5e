import Link from 'next/link';
import { getTranslations } from 'next-intl/server';

/** The page shown for a refused (403) or missing (404) address. */
export async function ErrorPage({ status }: { status: 403 | 404 }) {
  const t = await getTranslations('common.errors');
  const forbidden = status === 403;
  return (
    <div className="mx-auto max-w-lg py-16 text-center" data-testid={forbidden ? 'forbidden' : undefined}>
      <p className={`text-sm font-semibold ${forbidden ? 'text-red-600' : 'text-brand-600'}`}>{status}</p>
      <h1 className="mt-2 text-2xl font-semibold">{t(forbidden ? 'forbiddenTitle' : 'notFoundTitle')}</h1>
      <p className="mt-2 text-slate-600">{t(forbidden ? 'forbiddenText' : 'notFoundText')}</p>
      <Link href="/" className="btn mt-6">
        {t('backHome')}
      </Link>
    </div>
  );
}
