import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { LAB_SORTS, labRegionsInScope, labsPageInScope } from '@/lib/services/read/places';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { localName } from '@/app/_components/local-name';
import { ActiveBadge } from '@/app/_components/status-badge';
import { LAB_LEVELS } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { FilterSelect } from '@/app/_components/fields';
import { firstValues } from '@/app/_components/search-params';

export default async function LabsPage({ searchParams }: { searchParams: Promise<SearchParams & { q?: string; city?: string; level?: string; inactive?: string }> }) {
  const actor = await requirePage('lab.manage');
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const sp = firstValues(await searchParams);
  const level = (LAB_LEVELS as readonly string[]).includes(sp.level ?? '') ? sp.level : undefined;
  const city = /^\d{6}$/.test(sp.city ?? '') ? sp.city : undefined;
  const req = readPage(sp, { sorts: LAB_SORTS, sort: 'city' });
  const q = req.q.trim() || undefined;
  const db = getDb();
  const cities = await labRegionsInScope(db, actor);
  const labs = await labsPageInScope(db, actor, { regionCode: city, level, activeOnly: sp.inactive !== '1', locale }, { ...req, q: q ?? '' });
  type Row = (typeof labs.rows)[number];
  const columns: Column<Row>[] = [
    {
      key: 'code',
      header: t('fields.code'),
      sort: 'code',
      className: 'font-mono',
      cell: (l) => (
        <Link href={`/regulator/labs/${encodeURIComponent(l.code)}`} className="text-brand-700 hover:underline">
          {l.code}
        </Link>
      ),
    },
    { key: 'name', header: t('fields.name'), sort: 'name', cell: (l) => localName(locale, l) },
    { key: 'level', header: t('fields.level'), cell: (l) => tc(`labLevels.${l.level}`) },
    { key: 'city', header: t('fields.city'), sort: 'city', cell: (l) => localName(locale, { name: l.regionName, nameEn: l.regionNameEn }) },
    { key: 'status', header: t('fields.status'), cell: (l) => <ActiveBadge active={l.active} /> },
  ];
  return (
    <div>
      <PageHeader
        title={t('labs.title')}
        subtitle={t('labs.subtitle', { count: labs.total })}
        links={[
          { href: '/regulator/labs/new', label: t('labs.create'), primary: true },
          { href: '/regulator/import', label: t('import.title') },
        ]}
      />
      <form method="get" className="card mb-4 flex flex-wrap items-end gap-3" role="search" aria-label={t('labs.filters')}>
        <div className="min-w-48 flex-1">
          <label htmlFor="q" className="label">
            {t('labs.search')}
          </label>
          <input id="q" name="q" defaultValue={q} className="input" placeholder={t('labs.searchPlaceholder')} />
        </div>
        <FilterSelect id="city" label={t('fields.city')} value={city} all={t('labs.all')} options={cities.map((c) => ({ value: c.code, label: localName(locale, c) }))} />
        <FilterSelect id="level" label={t('fields.level')} value={level} all={t('labs.all')} options={LAB_LEVELS.map((l) => ({ value: l, label: tc(`labLevels.${l}`) }))} />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="inactive" value="1" defaultChecked={sp.inactive === '1'} />
          {t('labs.includeInactive')}
        </label>
        <button type="submit" className="btn-secondary">
          {tc('actions.filter')}
        </button>
      </form>
      <DataTable
        columns={columns}
        rows={labs.rows}
        total={labs.total}
        page={req}
        searchParams={sp}
        rowKey={(l) => l.id}
        testId="lab-list"
        empty={t('labs.empty')}
      />
    </div>
  );
}
