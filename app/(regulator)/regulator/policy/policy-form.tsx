'use client';
import { useTranslations } from 'next-intl';
import { ActionForm } from '@/app/_components/action-form';
import { createPolicyAction } from './actions';

type Criteria = Record<string, number | boolean>;
const NUMERIC = ['eqaSatisfactoryRounds', 'eqaUnsuccessfulWindow', 'iqcMinLevels', 'iqcCoveragePercent', 'iqcWindowDays', 'correctiveActionDays'] as const;

/** A new version of the region's policy, prefilled with the one in force. */
export function PolicyForm({ regionCode, criteria, analyteCodes, validityMonths, windows, today }: { regionCode: string; criteria: Criteria; analyteCodes: string[]; validityMonths: number; windows: string; today: string }) {
  const t = useTranslations('recognition.policy');
  const input = (id: string, name: string, label: string, props: React.InputHTMLAttributes<HTMLInputElement>, wide = false) => (
    <div key={id} className={wide ? 'md:col-span-2' : undefined}>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input id={id} name={name} className="input" {...props} />
    </div>
  );
  return (
    <ActionForm
      action={createPolicyAction}
      submitLabel={t('save')}
      successMessage={(data) => {
        const d = data as { version: number; recomputing: boolean; superseded: boolean };
        return t(d.recomputing ? 'savedRecomputing' : d.superseded ? 'savedSuperseded' : 'saved', { version: d.version });
      }}
      className="grid gap-4 md:grid-cols-2"
      id="policy-form"
    >
      <input type="hidden" name="regionCode" value={regionCode} />
      {input('p-effective', 'effectiveFrom', t('effectiveFrom'), { type: 'date', required: true, defaultValue: today })}
      {input('p-validity', 'validityMonths', t('validityMonths'), { type: 'number', min: 1, max: 60, defaultValue: validityMonths })}
      <div className="md:col-span-2">
        <label htmlFor="p-analytes" className="label">
          {t('analytes')}
        </label>
        <textarea id="p-analytes" name="analyteCodes" rows={3} defaultValue={analyteCodes.join(' ')} className="input font-mono" />
        <p className="mt-1 text-xs text-slate-500">{t('analytesHint')}</p>
      </div>
      <div className="md:col-span-2">
        <label htmlFor="p-windows" className="label">
          {t('windows')}
        </label>
        <textarea id="p-windows" name="windows" rows={4} defaultValue={windows} className="input font-mono" />
        <p className="mt-1 text-xs text-slate-500">{t('windowsHint')}</p>
      </div>
      {NUMERIC.map((k) => input(`p-${k}`, k, t(`fields.${k}`), { type: 'number', step: 'any', defaultValue: String(criteria[k] ?? '') }))}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="requireCv" defaultChecked={criteria.requireCv !== false} />
        {t('fields.requireCv')}
      </label>
      {input('p-reason', 'reason', t('reason'), { required: true }, true)}
    </ActionForm>
  );
}
