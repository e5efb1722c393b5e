import { readForPage, requirePage } from '@/lib/auth';
import { getLocale, getTranslations } from 'next-intl/server';
import { getDb } from '@/db/client';
import { regionsInScope } from '@/lib/services/read/places';
import { scopeOf, type Actor } from '@/lib/auth/core';
import { CALENDAR_YEARS, calendarPage } from '@/lib/services/recognition/calendar';
import { dayOf } from '@/lib/calendar';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { FilterSelect } from '@/app/_components/fields';
import { localName, localText } from '@/app/_components/local-name';
import { AddCalendarEntryForm, RemoveCalendarEntryButton } from './calendar-forms';
import { firstValues } from '@/app/_components/search-params';

/** A working calendar (a region's, or the national one for an administrator): the entries that apply,
 * working days per month, adding and removing the entries the actor keeps. Shared by the regulator's
 * and the administrator's page. */
export async function CalendarView({ actor, sp }: { actor: Actor; sp: { region?: string; year?: string } }) {
  const t = await getTranslations('recognition.calendar');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const db = getDb();
  const year = /^\d{4}$/.test(sp.year ?? '') ? Number(sp.year) : undefined;
  const p = await readForPage(actor, () => calendarPage(db, actor, { regionCode: sp.region || undefined, year }));
  const regions = (await regionsInScope(db, actor)).filter((r) => r.level !== 'national');
  // an administrator keeps the national calendar (no region)
  const national = scopeOf(actor).kind === 'all';
  const regionName = p.region ? localName(locale, p.region) : t('national');
  const today = dayOf(Date.now());
  const columns: Column<(typeof p.entries)[number]>[] = [
    { key: 'day', header: t('day'), className: 'font-mono', cell: (e) => e.day },
    {
      key: 'kind',
      header: t('kind'),
      cell: (e) => (
        <>
          <span className={e.kind === 'holiday' ? 'badge-amber' : 'badge-blue'}>{t(`kinds.${e.kind}`)}</span>
          {!e.applies && <span className="ml-1 text-xs">{t('overridden')}</span>}
        </>
      ),
    },
    { key: 'name', header: t('name'), cell: (e) => e.name },
    { key: 'region', header: t('region'), cell: (e) => (e.regionCode ? localText(locale, e.regionName ?? '', e.regionNameEn) : t('national')) },
    { key: 'remove', header: '', cell: (e) => e.editable && <RemoveCalendarEntryButton id={e.id} day={e.day} /> },
  ];
  return (
    <div data-testid="calendar-page">
      <PageHeader title={t('title')} subtitle={t('subtitle', { region: regionName })} />
      <form className="mb-4 flex flex-wrap items-end gap-2">
        {(regions.length > 1 || national) && (
          <FilterSelect id="region" label={t('region')} value={p.region?.code} all={national ? t('national') : undefined} options={regions.map((r) => ({ value: r.code, label: localName(locale, r) }))} />
        )}
        <div>
          <label htmlFor="year" className="label">
            {t('year')}
          </label>
          <input id="year" name="year" type="number" min={CALENDAR_YEARS.min} max={CALENDAR_YEARS.max} defaultValue={p.year} className="input w-28" />
        </div>
        <button className="btn-secondary" type="submit">
          {tc('actions.filter')}
        </button>
      </form>

      <section className="card mb-6">
        <h2 className="font-semibold" data-testid="calendar-working-days">
          {t('workingDays', { count: p.workingDays, year: p.year })}
        </h2>
        <div className="mt-2 overflow-x-auto">
          <table className="table text-sm">
            <thead>
              <tr>
                <th>{t('month')}</th>
                {p.months.map((m) => (
                  <th key={m.month} className="text-right">
                    {m.month.slice(5)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>{t('monthWorkingDays')}</td>
                {p.months.map((m) => (
                  <td key={m.month} className="text-right tabular-nums">
                    {m.workingDays}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      </section>

      <section className="card mb-6">
        <h2 className="mb-2 font-semibold">{t('add')}</h2>
        <AddCalendarEntryForm regionCode={p.region?.code ?? ''} defaultDay={today.startsWith(String(p.year)) ? today : `${p.year}-01-01`} />
      </section>

      <section className="card">
        <h2 className="mb-2 font-semibold">{t('entries')}</h2>
        <DataTable
          columns={columns}
          rows={p.entries}
          rowKey={(e) => e.id}
          rowProps={(e) => ({ 'data-testid': `calendar-${e.day}-${e.regionCode ?? 'national'}`, className: e.applies ? undefined : 'text-slate-400' })}
          testId="calendar-entries"
          empty={t('empty')}
        />
      </section>
    </div>
  );
}

export async function calendarMetadata() {
  const t = await getTranslations('recognition.calendar');
  return { title: t('title') };
}

/** The page of a working calendar (the administrator's national one, or a regulator's region). */
export async function CalendarPage({ searchParams }: { searchParams: Promise<{ region?: string; year?: string }> }) {
  const actor = await requirePage('calendar.manage');
  return <CalendarView actor={actor} sp={firstValues(await searchParams)} />;
}
