import { getRequestConfig } from 'next-intl/server';
import { cookies, headers } from 'next/headers';
import { LOCALE_COOKIE, negotiateLocale } from './locales';
import { messagesFor } from './messages';

// No locale in the URL: public verification links stay the same in both languages; the choice is a
// cookie (set by the language switch), else the browser's Accept-Language.
export default getRequestConfig(async () => {
  const locale = negotiateLocale((await cookies()).get(LOCALE_COOKIE)?.value, (await headers()).get('accept-language'));
  return { locale, messages: messagesFor(locale), timeZone: 'Asia/Shanghai' };
});
