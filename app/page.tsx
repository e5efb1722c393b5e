import Link from 'next/link';
import { redirect } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { currentActor } from '@/lib/auth';
import { HOME_BY_ROLE } from '@/lib/navigation';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const actor = await currentActor();
  if (actor) redirect(HOME_BY_ROLE[actor.role]);
  const t = await getTranslations('common.home');
  return (
    <div className="mx-auto max-w-3xl py-10">
      <h1 className="text-3xl font-semibold text-brand-900">{t('title')}</h1>
      <p className="mt-3 text-lg text-slate-600">{t('lead')}</p>
      <div className="mt-8 grid gap-4 sm:grid-cols-2">
        <Link href="/verify" className="card block hover:border-brand-600">
          <h2 className="font-semibold">{t('verifyTitle')}</h2>
          <p className="mt-1 text-sm text-slate-600">{t('verifyText')}</p>
        </Link>
        <Link href="/login" className="card block hover:border-brand-600">
          <h2 className="font-semibold">{t('signInTitle')}</h2>
          <p className="mt-1 text-sm text-slate-600">{t('signInText')}</p>
        </Link>
      </div>
    </div>
  );
}
