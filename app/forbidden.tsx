import Link from 'next/link';
import { getTranslations } from 'next-intl/server';

export default async function Forbidden() {
  const t = await getTranslations('common.errors');
  return (
    <div className="mx-auto max-w-lg py-16 text-center" data-testid="forbidden">
      <p className="text-sm font-semibold text-red-600">403</p>
      <h1 className="mt-2 text-2xl font-semibold">{t('forbiddenTitle')}</h1>
      <p className="mt-2 text-slate-600">{t('forbiddenText')}</p>
      <Link href="/" className="btn mt-6">
        {t('backHome')}
      </Link>
    </div>
  );
}
