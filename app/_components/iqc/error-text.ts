// IQC field names in the reader's language (a CSV column or form field named by a field error); the
// error's own text comes from its reason code (app/_components/error-text.ts).
import type { FieldError } from '@/lib/errors';
import type { ErrorLike } from '@/app/_components/error-text';

type Translate = (key: string, values?: Record<string, string>) => string;

/** The CSV column or form field the error is about, in the reader's language when known. */
export function localizeField(t: Translate, has: (key: string) => boolean, field: string): string {
  return has(`fields.${field}`) ? t(`fields.${field}`) : field;
}

/** A field error's field (`t` is `useTranslations('iqc.errors')`) and text (`text` is useErrorText()). */
export function localizeFieldError(t: Translate, has: (key: string) => boolean, text: (e: ErrorLike) => string, e: FieldError): { field: string; message: string } {
  return { field: localizeField(t, has, e.field), message: text(e) };
}
