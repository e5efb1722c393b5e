import { getTranslations } from 'next-intl/server';
import type { VerifyAnswer } from '@/lib/services/recognition/verification';

/** The answer of a point-in-time check, as a hospital reads it. */
export async function VerifyAnswerCard({ answer, labLabel, analyteLabel }: { answer: VerifyAnswer; labLabel: string; analyteLabel: string }) {
  const t = await getTranslations('recognition');
  return (
    <div
      className={`card mt-4 border-l-4 ${answer.recognized ? 'border-l-green-600' : 'border-l-red-600'}`}
      data-testid="verify-answer"
      data-recognized={answer.recognized}
      role="status"
    >
      <p className="text-lg font-semibold">
        <span className={answer.recognized ? 'text-green-800' : 'text-red-800'}>{answer.recognized ? t('verify.yes') : t('verify.no')}</span>
        {answer.mark && <span className="ml-2 badge-blue">{answer.mark}</span>}
      </p>
      <p className="mt-1 text-sm text-slate-700">{t('verify.answer', { lab: labLabel, analyte: analyteLabel, date: answer.date })}</p>
      <p className="mt-1 text-sm text-slate-600">{t(`reasons.${answer.reason}`)}</p>
      {answer.certificateNo && (
        <p className="mt-1 text-sm text-slate-600">
          {t('verify.answerMark', { mark: answer.mark ?? '', certificateNo: answer.certificateNo, from: answer.validFrom ?? '', to: answer.validTo ?? '' })}
        </p>
      )}
      <p className={`mt-1 text-sm ${answer.withinWindow ? 'text-slate-600' : 'text-red-800'}`} data-testid="verify-window" data-within={answer.withinWindow}>
        {answer.windowDays === null
          ? t('verify.windowNone', { asOf: answer.asOf })
          : t(answer.withinWindow ? 'verify.windowIn' : 'verify.windowOut', { asOf: answer.asOf, days: answer.windowDays })}
      </p>
    </div>
  );
}
