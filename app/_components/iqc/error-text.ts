// The IQC services report field errors as English text (the API's contract). The pages show them in
// the reader's language: each known message is matched here to a key of `iqc.errors`; anything not
// listed is shown as it came.
import type { FieldError } from '@/lib/errors';

type Values = Record<string, string>;
type Translate = (key: string, values?: Values) => string;

const MESSAGES: readonly [RegExp, string, (m: RegExpExecArray) => Values][] = [
  [/^Required$/, 'required', () => ({})],
  [/^Not a number$/, 'notNumber', () => ({})],
  [/^Not a date and time/, 'notDateTime', () => ({})],
  [/^Not a date \(/, 'notDate', () => ({})],
  [/^Before the year 2000$/, 'before2000', () => ({})],
  [/^In the future$/, 'future', () => ({})],
  [/^Must be text$/, 'mustBeText', () => ({})],
  [/^At most (\d+) characters$/, 'tooLong', (m) => ({ max: m[1] })],
  [/^(Text m|M)ust not start with =/, 'formula', () => ({})],
  [/^Unknown analyte code (.*)$/, 'unknownAnalyte', (m) => ({ code: m[1] })],
  [/^Column "(.+)" is missing$/, 'missingColumn', (m) => ({ column: m[1] })],
  [/^No data rows after the header$/, 'noRows', () => ({})],
  [/^The file is empty$/, 'emptyFile', () => ({})],
  [/^No results$/, 'noResults', () => ({})],
  [/^Level (.+) of (.+) already has a value at this time/, 'duplicate', (m) => ({ level: m[1], analyte: m[2] })],
  [/^Must be greater than 0$/, 'positive', () => ({})],
  [/^The value is unchanged$/, 'unchanged', () => ({})],
  [/^Use YYYY-MM$/, 'month', () => ({})],
  [/^Targets need at least (\d+) in-control results on \d+ days; this lot has (\d+) on (\d+) days$/, 'baseline', (m) => ({ n: m[1], values: m[2], days: m[3] })],
  [/^Targets take effect after the lot's last result \((.+)\)/, 'targetBeforeLast', (m) => ({ at: m[1].replace('T', ' ').slice(0, 16) })],
  [/^This corrective action is already resolved$/, 'alreadyResolved', () => ({})],
  [/^This result has already been corrected/, 'alreadyCorrected', () => ({})],
  [/^Sign in required$/, 'signIn', () => ({})],
];

/** The message in the reader's language (`t` is `useTranslations('iqc.errors')`). */
export function localizeMessage(t: Translate, message: string | undefined): string {
  if (!message) return '';
  for (const [re, key, values] of MESSAGES) {
    const m = re.exec(message);
    if (m) return t(key, values(m));
  }
  return message;
}

/** The CSV column or form field the error is about, in the reader's language when known. */
export function localizeField(t: Translate, has: (key: string) => boolean, field: string): string {
  return has(`fields.${field}`) ? t(`fields.${field}`) : field;
}

export function localizeFieldError(t: Translate, has: (key: string) => boolean, e: FieldError): { field: string; message: string } {
  return { field: localizeField(t, has, e.field), message: localizeMessage(t, e.message) };
}
