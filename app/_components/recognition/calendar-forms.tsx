'use client';
import { useActionState } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import { CALENDAR_DAY_KINDS } from '@/db/enums';
import { addCalendarAction, removeCalendarAction } from './calendar-actions';
import { useErrorText } from '@/app/_components/error-text';

/** Add a holiday or make-up working day to the shown calendar (a region's; '' the national one). */
export function AddCalendarEntryForm({ regionCode, defaultDay }: { regionCode: string; defaultDay: string }) {
  const t = useTranslations('recognition.calendar');
  const errorText = useErrorText();
  const [state, action, pending] = useActionState<ActionState<{ day: string }>, FormData>(addCalendarAction, { ok: false });
  const err = (field: string) => errorText(state.errors?.find((e) => e.field === field)) || undefined;
  return (
    <form action={action} className="flex flex-wrap items-end gap-3" id="calendar-add" aria-label={t('add')}>
      <input type="hidden" name="regionCode" value={regionCode} />
      <fieldset disabled={pending} className="contents">
        <div>
          <label htmlFor="c-day" className="label">
            {t('day')}
          </label>
          <input id="c-day" name="day" type="date" required defaultValue={defaultDay} className="input" aria-invalid={!!err('day')} />
          {err('day') && <p className="field-error">{err('day')}</p>}
        </div>
        <div>
          <label htmlFor="c-kind" className="label">
            {t('kind')}
          </label>
          <select id="c-kind" name="kind" className="input" defaultValue="holiday">
            {CALENDAR_DAY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kinds.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="c-name" className="label">
            {t('name')}
          </label>
          <input id="c-name" name="name" required className="input" aria-invalid={!!err('name')} />
          {err('name') && <p className="field-error">{err('name')}</p>}
        </div>
        <button type="submit" className="btn">
          {t('addButton')}
        </button>
      </fieldset>
      {state.ok && (
        <p role="status" className="w-full text-sm text-green-800">
          {t('added')} ({state.data?.day})
        </p>
      )}
      {!state.ok && state.message && (
        <p role="alert" className="field-error w-full">
          {errorText(state)}
        </p>
      )}
    </form>
  );
}

/** The remove button of one entry. */
export function RemoveCalendarEntryButton({ id, day }: { id: number; day: string }) {
  const t = useTranslations('recognition.calendar');
  const errorText = useErrorText();
  const [state, action, pending] = useActionState<ActionState<{ day: string }>, FormData>(removeCalendarAction, { ok: false });
  return (
    <form action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="btn-secondary text-xs" disabled={pending} aria-label={t('removeDay', { day })}>
        {t('remove')}
      </button>
      {!state.ok && state.message && (
        <span role="alert" className="field-error ml-2">
          {errorText(state)}
        </span>
      )}
    </form>
  );
}
