'use client';
// The lab's IQC run window (minutes) on the targets and rules page: one number, the shared ActionForm.
import { useTranslations } from 'next-intl';
import { ActionForm, type FormAction } from '@/app/_components/action-form';

export function RunWindowForm({ action, current, min, max }: { action: FormAction; current: number; min: number; max: number }) {
  const t = useTranslations('iqc.targets');
  return (
    <ActionForm
      action={action}
      submitLabel={t('runWindowSave')}
      variant="secondary"
      className="flex flex-wrap items-end gap-3"
      testId="run-window-form"
      label={t('runWindowTitle')}
      successMessage={(data) => t('runWindowSaved', { minutes: (data as { runWindowMinutes: number }).runWindowMinutes })}
    >
      <div>
        <label className="label" htmlFor="f-minutes">
          {t('runWindowMinutes', { min, max })}
        </label>
        <input id="f-minutes" name="minutes" type="number" min={min} max={max} step={1} required defaultValue={current} key={current} className="input w-28" inputMode="numeric" />
      </div>
      <p className="text-sm text-slate-600" data-testid="run-window-current">
        {t('runWindowCurrent', { minutes: current })}
      </p>
    </ActionForm>
  );
}
