// The parts of a public verification ("was this test of this lab recognised on this day?") shared
// by the verification page and a lab's public page: the test and date fields, then the refusal or
// the answer.
import { getLocale, getTranslations } from 'next-intl/server';
import { FilterSelect } from '@/app/_components/fields';
import { localName } from '@/app/_components/local-name';
import { VerifyAnswerCard } from './verify-answer';

type Analyte = { code: string; nameZh: string; nameEn: string };

/** The test select and the date inputs (the result's day, the day it is reused) of a verification form. */
export async function VerifyFields({ analytes, analyte, date, asOf }: { analytes: Analyte[]; analyte: string; date?: string; asOf?: string }) {
  const t = await getTranslations('recognition');
  const locale = await getLocale();
  return (
    <>
      <FilterSelect id="analyte" label={t('verify.analyte')} value={analyte} required options={analytes.map((a) => ({ value: a.code, label: `${a.code} · ${localName(locale, a)}` }))} />
      <div>
        <label htmlFor="date" className="label">
          {t('verify.date')}
        </label>
        <input id="date" name="date" type="date" defaultValue={date ?? ''} className="input" />
      </div>
      <div>
        <label htmlFor="asOf" className="label">
          {t('verify.asOf')}
        </label>
        <input id="asOf" name="asOf" type="date" defaultValue={asOf ?? ''} className="input" />
      </div>
    </>
  );
}

/** The refusal of a verification, or its answer. */
export async function VerifyResult({
  error,
  answer,
  labLabel,
  analyte,
  analyteCode,
}: {
  error?: string | null;
  answer?: Parameters<typeof VerifyAnswerCard>[0]['answer'] | null;
  labLabel: string;
  analyte?: Analyte;
  analyteCode?: string;
}) {
  const locale = await getLocale();
  return (
    <>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      {answer && <VerifyAnswerCard answer={answer} labLabel={labLabel} analyteLabel={analyte ? localName(locale, analyte) : (analyteCode ?? '')} />}
    </>
  );
}
