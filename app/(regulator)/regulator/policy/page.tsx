import { getLocale, getTranslations } from 'next-intl/server';
import { readForPage, requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionsInScope } from '@/lib/services/read/places';
import { policyPage } from '@/lib/services/recognition/policy';
import { formatWindows } from '@/lib/services/recognition/window';
import { policyCriteria } from '@/lib/validation/recognition';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localName } from '@/app/_components/local-name';
import { FilterSelect } from '@/app/_components/fields';
import { PolicyForm } from './policy-form';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.policy');
  return { title: t('title') };
}

/** The recognition policy of the regulator's region (or a sub-region): in force, versions, new version. */
export default async function PolicyPage({ searchParams }: { searchParams: Promise<{ region?: string }> }) {
  const actor = await requirePage('policy.manage');
  const sp = firstValues(await searchParams);
  const t = await getTranslations('recognition.policy');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const db = getDb();
  const p = await readForPage(actor, () => policyPage(db, actor, { regionCode: sp.region || undefined }));
  const regions = await regionsInScope(db, actor);
  const inForce = p.inForce;
  const criteria = inForce?.criteria ?? p.defaults;
  const versions = [...p.versions, ...p.inheritedVersions];
  const versionColumns: Column<(typeof versions)[number]>[] = [
    { key: 'region', header: t('region'), cell: (v) => v.regionName },
    { key: 'version', header: t('version'), cell: (v) => v.version },
    { key: 'from', header: t('effectiveFrom'), cell: (v) => v.effectiveFrom },
    { key: 'analytes', header: t('analytes'), className: 'font-mono text-xs', cell: (v) => v.analyteCodes.length },
    { key: 'validity', header: t('validityMonths'), cell: (v) => v.validityMonths },
    { key: 'reason', header: t('reason'), className: 'text-xs', cell: (v) => v.reason },
  ];
  return (
    <div data-testid="policy-page">
      <PageHeader title={t('title')} subtitle={t('subtitle', { region: localName(locale, p.region) })} />
      {regions.length > 1 && (
        <form className="mb-4 flex items-end gap-2">
          <FilterSelect id="region" label={t('region')} value={p.region.code} options={regions.map((r) => ({ value: r.code, label: localName(locale, r) }))} />
          <button className="btn-secondary" type="submit">
            {tc('actions.filter')}
          </button>
        </form>
      )}
      <section className="card mb-6" data-testid="policy-in-force">
        <h2 className="font-semibold">{t('inForce')}</h2>
        {!inForce ? (
          <p className="mt-2 text-sm text-slate-600">{t('none')}</p>
        ) : (
          <div className="mt-2 space-y-2 text-sm">
            <p>
              <span className={inForce.inherited ? 'badge-amber' : 'badge-green'}>{inForce.inherited ? t('inherited', { region: inForce.regionName }) : t('own')}</span>{' '}
              {t('version')} {inForce.version} · {t('effectiveFrom')} {inForce.effectiveFrom} · {t('validityMonths')} {inForce.validityMonths}
            </p>
            <p className="font-mono text-xs">{inForce.analyteCodes.join(' ')}</p>
            <p className="text-xs" data-testid="policy-windows">
              {t('windowsInForce')}: <span className="font-mono">{formatWindows(inForce.windows).split('\n').join(' · ')}</span>
            </p>
            <ul className="grid gap-1 sm:grid-cols-2">
              {Object.keys(policyCriteria.shape).map((k) => (
                <li key={k}>
                  {t(`fields.${k}` as 'fields.iqcMinLevels')}:{' '}
                  <strong>{typeof criteria[k as keyof typeof criteria] === 'boolean' ? (criteria[k as keyof typeof criteria] ? t('yes') : t('no')) : String(criteria[k as keyof typeof criteria])}</strong>
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
      <section className="card mb-6">
        <h2 className="mb-2 font-semibold">{t('versions')}</h2>
        <DataTable columns={versionColumns} rows={versions} rowKey={(v) => v.id} empty={t('noVersions')} />
      </section>
      <section className="card">
        <h2 className="mb-3 font-semibold">{t('newVersion')}</h2>
        <PolicyForm regionCode={p.region.code} criteria={criteria} analyteCodes={inForce?.analyteCodes ?? []} validityMonths={inForce?.validityMonths ?? 12} windows={formatWindows(inForce?.windows)} today={p.today} />
      </section>
    </div>
  );
}
