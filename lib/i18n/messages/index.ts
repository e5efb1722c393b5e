// Messages are split by area (one JSON file per namespace and language) so that each part of the
// app owns its strings. test/unit/i18n.test.ts proves both languages have exactly the same keys.
import type { Locale } from '../locales';
import enCommon from './en/common.json';
import zhCommon from './zh/common.json';
import enAdmin from './en/admin.json';
import zhAdmin from './zh/admin.json';
import enIqc from './en/iqc.json';
import zhIqc from './zh/iqc.json';
import enEqa from './en/eqa.json';
import zhEqa from './zh/eqa.json';
import enRecognition from './en/recognition.json';
import zhRecognition from './zh/recognition.json';
import enHospital from './en/hospital.json';
import zhHospital from './zh/hospital.json';
import enErrors from './en/errors.json';
import zhErrors from './zh/errors.json';

export const MESSAGES = {
  en: { common: enCommon, admin: enAdmin, iqc: enIqc, eqa: enEqa, recognition: enRecognition, hospital: enHospital, errors: enErrors },
  zh: { common: zhCommon, admin: zhAdmin, iqc: zhIqc, eqa: zhEqa, recognition: zhRecognition, hospital: zhHospital, errors: zhErrors },
} satisfies Record<Locale, Record<string, unknown>>;

export function messagesFor(locale: Locale) {
  return MESSAGES[locale];
}
