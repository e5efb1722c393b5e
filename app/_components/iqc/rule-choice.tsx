// How a run's rule set was chosen, in the reader's language: the lab's configured version; the
// sigma with its TEa, EQA bias (and rounds) and CV; or the reason for the default multirule.
import { getTranslations } from 'next-intl/server';
import type { RuleChoice } from '@/lib/services/iqc/sigma';
import { fmt } from './format';

export async function RuleChoiceText({ choice }: { choice: RuleChoice }) {
  const t = await getTranslations('iqc.targets');
  if (choice.source === 'configured') {
    return (
      <span data-testid="rule-choice" data-source="configured">
        {t('configured', { version: choice.version ?? 1 })}
      </span>
    );
  }
  if (choice.source === 'sigma' && choice.sigma !== null && choice.bias && choice.cv && choice.tea !== null) {
    return (
      <div data-testid="rule-choice" data-source="sigma" data-sigma={choice.sigma.toFixed(2)}>
        <p className="font-medium">{t('sigmaLine', { tea: fmt(choice.tea, 1), bias: fmt(choice.bias.percent, 2), cv: fmt(choice.cv.percent, 2), sigma: fmt(choice.sigma, 2) })}</p>
        <p className="text-xs text-slate-500">
          {t('biasFrom', { bias: fmt(choice.bias.percent, 2), rounds: choice.bias.rounds.join(', ') })} · {t('cvFrom', { cv: fmt(choice.cv.percent, 2), level: choice.cv.level })}
        </p>
      </div>
    );
  }
  const reason = choice.reasonCode === 'no_tea' || choice.reasonCode === 'no_cv' || choice.reasonCode === 'no_bias' ? choice.reasonCode : 'no_bias';
  return (
    <span data-testid="rule-choice" data-source="default" data-reason={choice.reasonCode} className="text-slate-600">
      {t(`reasons.${reason}`)}
    </span>
  );
}
