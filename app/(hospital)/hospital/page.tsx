import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { PageHeader } from '@/app/_components/page-header';

export default async function HospitalHome() {
  await requirePage('certification.read');
  const t = await getTranslations('common.landing');
  return (
    <div data-testid="landing-hospital">
      <PageHeader title={t('hospitalTitle')} subtitle={t('hospitalSubtitle')} />
      <form action="/verify" className="card flex max-w-xl gap-2">
        <label htmlFor="q" className="sr-only">
          {t('searchLabs')}
        </label>
        <input id="q" name="q" className="input" placeholder={t('searchLabsPlaceholder')} />
        <button type="submit" className="btn">
          {t('search')}
        </button>
      </form>
      <p className="mt-4 text-sm text-slate-600">
        <Link href="/verify" className="text-brand-700 underline">
          {t('verifyLink')}
        </Link>
      </p>
    </div>
  );
}
