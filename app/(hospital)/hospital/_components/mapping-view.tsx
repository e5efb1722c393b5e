import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { FIRST_MAPPING_PAGE, LOCAL_CODE_SORTS, localCodeWorkspace } from '@/lib/services/hospital/local-codes';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { firstValues } from '@/app/_components/search-params';
import { ActionForm } from '@/app/_components/action-form';
import { Card } from '@/app/_components/card';
import { deleteMappingAction, setMappingAction } from '../actions';
import { MappingUploadForm } from './forms';
import { localText } from '@/app/_components/local-name';

/** The page body, shared by the hospital workspace and the regulator's platform pages (the same
 * services, keyed by the signed-in account): `nav` is the tab row, `heading` the title and subtitle,
 * `searchParams` the page's (the map's page, size, direction and filter: `page`, `size`, `dir`, `q`). */
export async function MappingView({ nav, heading, searchParams }: { nav: React.ReactNode; heading?: { title: string; subtitle: string }; searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('localCode.manage');
  const sp = firstValues(await searchParams);
  const req = readPage(sp, { sorts: LOCAL_CODE_SORTS, sort: FIRST_MAPPING_PAGE.sort, size: FIRST_MAPPING_PAGE.size });
  const t = await getTranslations('hospital.mapping');
  const th = await getTranslations('hospital');
  const format = await getFormatter();
  const locale = await getLocale();
  const { mappings, total, unmapped } = await localCodeWorkspace(getDb(), actor, req);
  const when = (ms: number) => format.dateTime(new Date(ms), { dateStyle: 'medium', timeStyle: 'short' });
  const mapColumns: Column<(typeof mappings)[number]>[] = [
    { key: 'code', header: t('localCode'), sort: 'code', className: 'font-mono', cell: (m) => m.localCode },
    {
      key: 'analyte',
      header: t('analyte'),
      cell: (m) => (
        <>
          <span className="font-mono">{m.analyteCode}</span> {localText(locale, m.analyteName, m.analyteNameEn)}
          {m.loinc && <div className="text-xs text-slate-500">LOINC {m.loinc}</div>}
        </>
      ),
    },
    { key: 'updated', header: t('updatedAt'), className: 'whitespace-nowrap', cell: (m) => when(m.updatedAt) },
    {
      key: 'history',
      header: t('history'),
      className: 'text-xs',
      cell: (m) =>
        m.versions.length ? (
          <ul>
            {m.versions.map((v) => (
              <li key={v.version}>{t('versionLine', { version: v.version, date: when(v.changedAt), reason: v.reason ?? '' })}</li>
            ))}
          </ul>
        ) : (
          '—'
        ),
    },
    {
      key: 'edit',
      header: <span className="sr-only">{t('edit')}</span>,
      cell: (m) => (
        <div className="flex flex-wrap gap-2">
          <ActionForm action={setMappingAction} submitLabel={t('change')} variant="secondary" className="flex flex-wrap items-end gap-1" footerClassName="space-y-1" testId={`mapping-edit-${m.localCode}`}>
            <input type="hidden" name="localCode" value={m.localCode} />
            <label className="sr-only" htmlFor={`a-${m.id}`}>{t('analyte')}</label>
            <input id={`a-${m.id}`} name="analyte" className="input w-28" defaultValue={m.analyteCode} />
            <label className="sr-only" htmlFor={`r-${m.id}`}>{t('reason')}</label>
            <input id={`r-${m.id}`} name="reason" className="input w-36" placeholder={t('reason')} />
          </ActionForm>
          <ActionForm action={deleteMappingAction} submitLabel={t('delete')} variant="danger" className="flex flex-wrap items-end gap-1" footerClassName="space-y-1" confirm={t('deleteConfirm', { code: m.localCode })} testId={`mapping-delete-${m.localCode}`}>
            <input type="hidden" name="id" value={m.id} />
            <label className="sr-only" htmlFor={`d-${m.id}`}>{t('reason')}</label>
            <input id={`d-${m.id}`} name="reason" className="input w-36" placeholder={t('reason')} />
          </ActionForm>
        </div>
      ),
    },
  ];
  const missColumns: Column<(typeof unmapped)[number]>[] = [
    { key: 'code', header: t('localCode'), className: 'font-mono', cell: (u) => u.localCode },
    { key: 'seen', header: t('seen'), cell: (u) => u.seen },
    { key: 'last', header: t('lastSeen'), className: 'whitespace-nowrap', cell: (u) => when(u.lastSeenAt) },
    {
      key: 'map',
      header: t('mapTo'),
      cell: (u) => (
        <ActionForm action={setMappingAction} submitLabel={t('map')} variant="secondary" className="flex flex-wrap items-end gap-1" footerClassName="space-y-1" testId={`unmapped-map-${u.localCode}`}>
          <input type="hidden" name="localCode" value={u.localCode} />
          <label className="sr-only" htmlFor={`u-${u.localCode}`}>{t('analyte')}</label>
          <input id={`u-${u.localCode}`} name="analyte" className="input w-36" placeholder="K / loinc:2823-3" />
        </ActionForm>
      ),
    },
  ];
  return (
    <div>
      <PageHeader title={heading?.title ?? t('title')} subtitle={heading?.subtitle ?? t('subtitle')} />
      {nav}
      {/* grid-cols-1: a track of minmax(0, 1fr), not auto, so a wide table scrolls in its box on a phone instead of widening the page */}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          <section aria-labelledby="unmapped-title">
            <h2 id="unmapped-title" className="mb-2 text-lg font-semibold">
              {t('unmappedTitle')}
            </h2>
            <DataTable columns={missColumns} rows={unmapped} rowKey={(u) => u.localCode} testId="unmapped" empty={t('unmappedEmpty')} />
          </section>
          <section aria-labelledby="map-title">
            <h2 id="map-title" className="mb-2 text-lg font-semibold">
              {t('listTitle', { n: total })}
            </h2>
            <DataTable
              columns={mapColumns}
              rows={mappings}
              total={total}
              page={req}
              searchParams={sp}
              filter=""
              rowKey={(m) => m.id}
              rowProps={(m) => ({ 'data-testid': `mapping-${m.localCode}` })}
              testId="mappings"
              // a filter that matches nothing is not an empty map
              empty={req.q.trim() ? undefined : t('empty')}
              emptyText={req.q.trim() ? undefined : t('emptyText')}
            />
          </section>
        </div>
        <Card id="upload" title={t('uploadTitle')} hint={t('uploadHint')} className="card h-fit">
          <MappingUploadForm />
          <p className="mt-3 text-xs text-slate-500">{th('mapping.keyedBy')}</p>
        </Card>
      </div>
    </div>
  );
}
