// A refusal in the reader's language: the reason code (lib/error-reasons.ts) is a key of the `errors`
// namespace and its params fill the sentence; without a known code the English text is shown as it
// came. Works for an API body `{ error, code, errors? }`, a form's ActionState `{ reason, params,
// message }` and a field error `{ code, params, message }`. Client-safe (no server imports).
import { useTranslations } from 'next-intl';

/** Anything that describes a refusal or a field problem. */
export interface ErrorLike {
  /** the reason code (API body, field error); an ActionState's `code` is the kind and is skipped */
  code?: string;
  /** the reason code of an ActionState */
  reason?: string;
  params?: Record<string, string | number>;
  /** the English sentence (ActionState, field error) */
  message?: string;
  /** the English sentence (API body) */
  error?: string;
}

/** The translator of the `errors` namespace (`useTranslations('errors')` or `getTranslations('errors')`). */
export interface ErrorTranslator {
  (key: never, values?: never): string;
  has(key: never): boolean;
}

type Loose = { (key: string, values?: Record<string, string | number>): string; has(key: string): boolean };

/** The localized text of a refusal: `t('errors.' + code, params)`, else its English text, else ''. */
export function errorText(t: ErrorTranslator, err: ErrorLike | null | undefined): string {
  if (!err) return '';
  const tr = t as unknown as Loose;
  for (const key of [err.reason, err.code]) if (key && key.includes('.') && tr.has(key)) return tr(key, err.params ?? {});
  return err.message ?? err.error ?? '';
}

/** Hook form of errorText: `const text = useErrorText(); text(state)`. */
export function useErrorText(): (err: ErrorLike | null | undefined) => string {
  const t = useTranslations('errors');
  return (err) => errorText(t as unknown as ErrorTranslator, err);
}
