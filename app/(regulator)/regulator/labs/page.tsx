import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { labRegionsWithin, listLabs } from '@/db/queries/labs';
import { LAB_LEVELS } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';

export default async function LabsPage({ searchParams }: { searchParams: Promise<{ q?: string; city?: string; level?: string; inactive?: string }> }) {
  const actor = await requirePage('lab.manage');
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const sp = await searchParams;
  const level = (LAB_LEVELS as readonly string[]).includes(sp.level ?? '') ? sp.level : undefined;
  const city = /^\d{6}$/.test(sp.city ?? '') ? sp.city : undefined;
  const q = sp.q?.trim().slice(0, 100) || undefined;
  const db = getDb();
  const cities = labRegionsWithin(db, actor.regionPath);
  const labs = listLabs(db, { withinPath: actor.regionPath, q, regionCode: city, level, activeOnly: sp.inactive !== '1' });
  return (
    <div>
      <PageHeader
        title={t('labs.title')}
        subtitle={t('labs.subtitle', { count: labs.length })}
        actions={
          <>
            <Link href="/regulator/labs/new" className="btn">
              {t('labs.create')}
            </Link>
            <Link href="/regulator/import" className="btn-secondary">
              {t('import.title')}
            </Link>
          </>
        }
      />
      <form method="get" className="card mb-4 flex flex-wrap items-end gap-3" role="search" aria-label={t('labs.filters')}>
        <div className="min-w-48 flex-1">
          <label htmlFor="q" className="label">
            {t('labs.search')}
          </label>
          <input id="q" name="q" defaultValue={q} className="input" placeholder={t('labs.searchPlaceholder')} />
        </div>
        <div>
          <label htmlFor="city" className="label">
            {t('fields.city')}
          </label>
          <select id="city" name="city" defaultValue={city ?? ''} className="input">
            <option value="">{t('labs.all')}</option>
            {cities.map((c) => (
              <option key={c.code} value={c.code}>
                {locale === 'zh' ? c.name : c.nameEn}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="level" className="label">
            {t('fields.level')}
          </label>
          <select id="level" name="level" defaultValue={level ?? ''} className="input">
            <option value="">{t('labs.all')}</option>
            {LAB_LEVELS.map((l) => (
              <option key={l} value={l}>
                {tc(`labLevels.${l}`)}
              </option>
            ))}
          </select>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="inactive" value="1" defaultChecked={sp.inactive === '1'} />
          {t('labs.includeInactive')}
        </label>
        <button type="submit" className="btn-secondary">
          {tc('actions.filter')}
        </button>
      </form>
      {labs.length === 0 ? (
        <EmptyState title={t('labs.empty')} />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="table" data-testid="lab-list">
            <thead>
              <tr>
                <th scope="col">{t('fields.code')}</th>
                <th scope="col">{t('fields.name')}</th>
                <th scope="col">{t('fields.level')}</th>
                <th scope="col">{t('fields.city')}</th>
                <th scope="col">{t('fields.status')}</th>
              </tr>
            </thead>
            <tbody>
              {labs.map((l) => (
                <tr key={l.id}>
                  <td className="font-mono">
                    <Link href={`/regulator/labs/${encodeURIComponent(l.code)}`} className="text-brand-700 hover:underline">
                      {l.code}
                    </Link>
                  </td>
                  <td>{locale === 'zh' || !l.nameEn ? l.name : l.nameEn}</td>
                  <td>{tc(`labLevels.${l.level}`)}</td>
                  <td>{locale === 'zh' ? l.regionName : l.regionNameEn}</td>
                  <td>{l.active ? <span className="badge-green">{t('status.active')}</span> : <span className="badge-red">{t('status.inactive')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
