import { getTranslations } from 'next-intl/server';
import { redirect } from 'next/navigation';
import { currentActor } from '@/lib/auth';
import { SignInForm } from './sign-in-form';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('common.auth');
  return { title: t('signInTitle') };
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await currentActor()) redirect('/');
  const t = await getTranslations('common.auth');
  const { next } = firstValues(await searchParams);
  return (
    <div className="mx-auto mt-10 max-w-sm">
      <h1 className="mb-1 text-2xl font-semibold">{t('signInTitle')}</h1>
      <p className="mb-6 text-sm text-slate-600">{t('signInHint')}</p>
      <div className="card">
        <SignInForm next={next ?? '/'} />
      </div>
    </div>
  );
}
