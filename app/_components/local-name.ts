// The name of a thing in the reader's language: Chinese names for 'zh', English ones (falling back
// to the Chinese name where a record has none) otherwise. The one place that chooses.
import { useLocale } from 'next-intl';

export type Named = { nameZh: string; nameEn: string | null } | { name: string; nameEn?: string | null; nameZh?: undefined };

/** `zhText` for Chinese readers, `enText` (or `zhText` when missing) for everyone else. */
export function localText(locale: string, zhText: string, enText: string | null | undefined): string {
  return locale === 'zh' ? zhText : (enText ?? zhText);
}

/** A record's name in the reader's language (records name Chinese `nameZh` or `name`, English `nameEn`). */
export function localName(locale: string, x: Named): string {
  return localText(locale, x.nameZh ?? (x as { name: string }).name, x.nameEn);
}

/** localName bound to the current locale, for components. */
export function useLocalName(): (x: Named) => string {
  const locale = useLocale();
  return (x) => localName(locale, x);
}
