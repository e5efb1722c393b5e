import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { regionsInScope } from '@/lib/services/read/places';
import { policyPage } from '@/lib/services/recognition/policy';
import { policyCriteria } from '@/lib/validation/recognition';
import { PageHeader } from '@/app/_components/page-header';
import { PolicyForm } from './policy-form';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.policy');
  return { title: t('title') };
}

/** The recognition policy of the regulator's region (or a sub-region): in force, versions, new version. */
export default async function PolicyPage({ searchParams }: { searchParams: Promise<{ region?: string }> }) {
  const actor = await requirePage('policy.manage');
  const sp = await searchParams;
  const t = await getTranslations('recognition.policy');
  const tc = await getTranslations('common');
  const zh = (await getLocale()) === 'zh';
  const db = getDb();
  const p = policyPage(db, actor, { regionCode: sp.region || undefined });
  const regions = regionsInScope(db, actor);
  const inForce = p.inForce;
  const criteria = inForce?.criteria ?? p.defaults;
  const versions = [...p.versions, ...p.inheritedVersions];
  return (
    <div data-testid="policy-page">
      <PageHeader title={t('title')} subtitle={t('subtitle', { region: zh ? p.region.name : p.region.nameEn })} />
      {regions.length > 1 && (
        <form className="mb-4 flex items-end gap-2">
          <div>
            <label htmlFor="region" className="label">
              {t('region')}
            </label>
            <select id="region" name="region" defaultValue={p.region.code} className="input">
              {regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {zh ? r.name : r.nameEn}
                </option>
              ))}
            </select>
          </div>
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
        {versions.length === 0 ? (
          <p className="text-sm text-slate-600">{t('noVersions')}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t('region')}</th>
                <th>{t('version')}</th>
                <th>{t('effectiveFrom')}</th>
                <th>{t('analytes')}</th>
                <th>{t('validityMonths')}</th>
                <th>{t('reason')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id}>
                  <td>{v.regionName}</td>
                  <td>{v.version}</td>
                  <td>{v.effectiveFrom}</td>
                  <td className="font-mono text-xs">{v.analyteCodes.length}</td>
                  <td>{v.validityMonths}</td>
                  <td className="text-xs">{v.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2 className="mb-3 font-semibold">{t('newVersion')}</h2>
        <PolicyForm regionCode={p.region.code} criteria={criteria} analyteCodes={inForce?.analyteCodes ?? []} validityMonths={inForce?.validityMonths ?? 12} today={p.today} />
      </section>
    </div>
  );
}
