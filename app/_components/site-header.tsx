import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { currentActor } from '@/lib/auth';
import { navFor } from '@/lib/navigation';
import { LanguageSwitch } from './language-switch';
import { signOutAction } from '@/app/login/actions';

export async function SiteHeader() {
  const t = await getTranslations('common');
  const actor = await currentActor();
  const items = navFor(actor);
  return (
    <header className="no-print border-b border-slate-200 bg-white">
      <a href="#main" className="sr-only focus:not-sr-only">
        {t('a11y.skipToContent')}
      </a>
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold text-brand-900">
          <span aria-hidden className="rounded bg-brand-600 px-1.5 py-0.5 text-xs font-bold text-white">
            QC
          </span>
          {t('app.name')}
        </Link>
        <nav aria-label={t('a11y.mainNav')} className="flex flex-1 flex-wrap gap-x-4 gap-y-1 text-sm">
          {items.map((i) => (
            <Link key={i.href} href={i.href} className="text-slate-600 hover:text-brand-700">
              {t(`nav.${i.label}`)}
            </Link>
          ))}
          {!actor && (
            <Link href="/verify" className="text-slate-600 hover:text-brand-700">
              {t('nav.verify')}
            </Link>
          )}
        </nav>
        <div className="flex items-center gap-3 text-sm">
          <LanguageSwitch />
          {actor ? (
            <>
              <span className="text-slate-600" data-testid="current-user">
                {actor.name} · {t(`roles.${actor.role}`)}
              </span>
              <Link href="/account/password" className="text-slate-600 hover:text-brand-700" data-testid="change-password-link">
                {t('auth.changePassword')}
              </Link>
              <form action={signOutAction}>
                <button type="submit" className="btn-secondary">
                  {t('auth.signOut')}
                </button>
              </form>
            </>
          ) : (
            <Link href="/login" className="btn">
              {t('auth.signIn')}
            </Link>
          )}
        </div>
      </div>
    </header>
  );
}
