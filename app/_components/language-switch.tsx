import { getLocale, getTranslations } from 'next-intl/server';
import { LOCALES } from '@/lib/i18n/locales';
import { setLocaleAction } from './locale-action';

/** Works without JavaScript: each language is a submit button of a tiny form. */
export async function LanguageSwitch() {
  const locale = await getLocale();
  const t = await getTranslations('common.language');
  return (
    <form action={setLocaleAction} className="flex items-center gap-1" aria-label={t('label')}>
      {LOCALES.map((l) => (
        <button
          key={l}
          type="submit"
          name="locale"
          value={l}
          aria-pressed={l === locale}
          className={l === locale ? 'rounded px-1.5 py-0.5 font-semibold text-brand-700' : 'rounded px-1.5 py-0.5 text-slate-500 hover:text-brand-700'}
        >
          {t(l)}
        </button>
      ))}
    </form>
  );
}
