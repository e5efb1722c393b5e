'use client';
import { useTranslations } from 'next-intl';
import { CALENDAR_DAY_KINDS } from '@/db/enums';
import { ActionForm } from '@/app/_components/action-form';
import { addCalendarAction, removeCalendarAction } from './calendar-actions';

/** Add a holiday or make-up working day to the shown calendar (a region's; '' the national one). */
export function AddCalendarEntryForm({ regionCode, defaultDay }: { regionCode: string; defaultDay: string }) {
  const t = useTranslations('recognition.calendar');
  return (
    <ActionForm action={addCalendarAction} submitLabel={t('addButton')} successMessage={t('added')} className="flex flex-wrap items-end gap-3" id="calendar-add" label={t('add')}>
      <input type="hidden" name="regionCode" value={regionCode} />
      <div>
        <label htmlFor="c-day" className="label">
          {t('day')}
        </label>
        <input id="c-day" name="day" type="date" required defaultValue={defaultDay} className="input" />
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
        <input id="c-name" name="name" required className="input" />
      </div>
    </ActionForm>
  );
}

/** The remove button of one entry. */
export function RemoveCalendarEntryButton({ id, day }: { id: number; day: string }) {
  const t = useTranslations('recognition.calendar');
  return (
    <ActionForm action={removeCalendarAction} submitLabel={t('remove')} variant="secondary" className="inline" label={t('removeDay', { day })}>
      <input type="hidden" name="id" value={id} />
    </ActionForm>
  );
}
