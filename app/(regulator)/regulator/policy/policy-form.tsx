'use client';
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { createPolicyAction } from './actions';
import { useErrorText } from '@/app/_components/error-text';

type Criteria = Record<string, number | boolean>;
const NUMERIC = ['eqaSatisfactoryRounds', 'eqaUnsuccessfulWindow', 'iqcMinLevels', 'iqcCoveragePercent', 'iqcWindowDays', 'correctiveActionDays'] as const;

/** A new version of the region's policy, prefilled with the one in force. */
export function PolicyForm({ regionCode, criteria, analyteCodes, validityMonths, today }: { regionCode: string; criteria: Criteria; analyteCodes: string[]; validityMonths: number; today: string }) {
  const t = useTranslations('recognition.policy');
  const errorText = useErrorText();
  const [state, action, pending] = useActionState<ActionState<{ version: number }>, FormData>(createPolicyAction, { ok: false });
  const err = (field: string) => errorText(state.errors?.find((e) => e.field === field || e.field.endsWith(`.${field}`))) || undefined;
  return (
    <form action={action} className="grid gap-4 md:grid-cols-2" id="policy-form">
      <input type="hidden" name="regionCode" value={regionCode} />
      <fieldset disabled={pending} className="contents">
        <div>
          <label htmlFor="p-effective" className="label">
            {t('effectiveFrom')}
          </label>
          <input id="p-effective" name="effectiveFrom" type="date" required defaultValue={today} className="input" aria-invalid={!!err('effectiveFrom')} />
          {err('effectiveFrom') && <p className="field-error">{err('effectiveFrom')}</p>}
        </div>
        <div>
          <label htmlFor="p-validity" className="label">
            {t('validityMonths')}
          </label>
          <input id="p-validity" name="validityMonths" type="number" min={1} max={60} defaultValue={validityMonths} className="input" />
        </div>
        <div className="md:col-span-2">
          <label htmlFor="p-analytes" className="label">
            {t('analytes')}
          </label>
          <textarea id="p-analytes" name="analyteCodes" rows={3} defaultValue={analyteCodes.join(' ')} className="input font-mono" aria-invalid={!!err('analyteCodes')} />
          <p className="mt-1 text-xs text-slate-500">{t('analytesHint')}</p>
          {err('analyteCodes') && <p className="field-error">{state.errors?.filter((e) => e.field === 'analyteCodes').map((e) => errorText(e)).join('; ')}</p>}
        </div>
        {NUMERIC.map((k) => (
          <div key={k}>
            <label htmlFor={`p-${k}`} className="label">
              {t(`fields.${k}`)}
            </label>
            <input id={`p-${k}`} name={k} type="number" step="any" defaultValue={String(criteria[k] ?? '')} className="input" aria-invalid={!!err(k)} />
            {err(k) && <p className="field-error">{err(k)}</p>}
          </div>
        ))}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="requireCv" defaultChecked={criteria.requireCv !== false} />
          {t('fields.requireCv')}
        </label>
        <div className="md:col-span-2">
          <label htmlFor="p-reason" className="label">
            {t('reason')}
          </label>
          <input id="p-reason" name="reason" required className="input" aria-invalid={!!err('reason')} />
          {err('reason') && <p className="field-error">{err('reason')}</p>}
        </div>
        <div className="md:col-span-2">
          <button type="submit" className="btn">
            {t('save')}
          </button>
        </div>
      </fieldset>
      {state.ok && state.data && (
        <p role="status" className="text-sm text-green-800 md:col-span-2">
          {t('saved', { version: state.data.version })}
        </p>
      )}
      {!state.ok && state.message && (
        <p role="alert" className="field-error md:col-span-2">
          {errorText(state)}
        </p>
      )}
    </form>
  );
}
