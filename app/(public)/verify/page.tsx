import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { withReadDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { publicRegions } from '@/lib/services/read/places';
import { isAppError } from '@/lib/errors';
import { searchLabs } from '@/lib/services/recognition/verification';
import { checkForPage } from './check';
import { PageHeader } from '@/app/_components/page-header';
import { VerifyFields, VerifyResult } from '@/app/_components/recognition/verify-check';
import { Card } from '@/app/_components/card';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

export async function generateMetadata() {
  const t = await getTranslations('recognition.verify');
  return { title: t('title') };
}

type Search = { q?: string; region?: string; lab?: string; analyte?: string; date?: string; asOf?: string };

/** Public (no account): find a laboratory, and check a lab × test on a date. */
export default async function VerifyPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = firstValues(await searchParams);
  const t = await getTranslations('recognition');
  const tc = await getTranslations('common');
  const zh = (await getLocale()) === 'zh';
  // the public reads of this page on one read replica (DATABASE_REPLICA_URLS), or the primary
  const { regions, searched, labs, more, analytes, answer, error } = await withReadDb(async (db) => {
    const regions = (await publicRegions(db)).filter((r) => r.level !== 'national');
    const searched = sp.q !== undefined || sp.region !== undefined;
    const { labs, more } = searched ? await safe(async () => await searchLabs(db, { q: sp.q, region: sp.region }), { labs: [], more: false }) : { labs: [], more: false };
    const analytes = await catalogueAnalytes(db, { activeOnly: true });
    const { answer, error } = sp.lab && sp.analyte ? await checkForPage(db, { lab: sp.lab.trim(), analyte: sp.analyte, date: sp.date, asOf: sp.asOf }, t) : { answer: null, error: null };
    return { regions, searched, labs, more, analytes, answer, error };
  });
  const analyte = analytes.find((a) => a.code === sp.analyte);
  return (
    <div data-testid="verify-page">
      <PageHeader title={t('verify.title')} subtitle={t('verify.subtitle')} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card id="search" title={t('verify.searchTitle')}>
          <form action="/verify" className="flex flex-wrap items-end gap-2">
            <div className="min-w-48 flex-1">
              <label htmlFor="q" className="label">
                {t('verify.searchLabel')}
              </label>
              <input id="q" name="q" defaultValue={sp.q ?? ''} className="input" placeholder={t('verify.searchPlaceholder')} />
            </div>
            <div>
              <label htmlFor="region" className="label">
                {t('common.region')}
              </label>
              <select id="region" name="region" defaultValue={sp.region ?? ''} className="input">
                <option value="">{t('verify.allRegions')}</option>
                {regions.map((r) => (
                  <option key={r.code} value={r.code}>
                    {zh ? r.name : r.nameEn}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn">
              {t('verify.search')}
            </button>
          </form>
          {searched && (
            <div className="mt-4" data-testid="lab-results">
              <p className="mb-2 text-sm text-slate-600">{!labs.length ? t('verify.noResults') : more ? t('verify.resultsMore', { count: labs.length }) : t('verify.results', { count: labs.length })}</p>
              <ul className="divide-y divide-slate-100">
                {labs.map((l) => (
                  <li key={l.code} className="py-2">
                    <Link href={`/verify/labs/${encodeURIComponent(l.code)}`} className="font-medium text-brand-700 underline">
                      {zh ? l.name : (l.nameEn ?? l.name)}
                    </Link>
                    <span className="ml-2 text-sm text-slate-500">
                      {l.code} · {zh ? l.regionName : l.regionNameEn} · {tc(`labLevels.${l.level}`)}
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </Card>
        <section className="card" aria-labelledby="check-title">
          <h2 id="check-title" className="font-semibold">
            {t('verify.checkTitle')}
          </h2>
          <p className="mb-3 text-sm text-slate-600">{t('verify.checkHelp')}</p>
          <form action="/verify" className="grid gap-3 sm:grid-cols-3" id="check-form">
            <div>
              <label htmlFor="lab" className="label">
                {t('verify.labCode')}
              </label>
              <input id="lab" name="lab" required defaultValue={sp.lab ?? ''} className="input" placeholder="GZ-001" />
            </div>
            <VerifyFields analytes={analytes} analyte={sp.analyte ?? ''} date={sp.date} asOf={sp.asOf} />
            <div className="sm:col-span-3">
              <button type="submit" className="btn">
                {t('verify.check')}
              </button>
            </div>
          </form>
          <VerifyResult error={error} answer={answer} labLabel={sp.lab ?? ''} analyte={analyte} analyteCode={sp.analyte} />
        </section>
      </div>
      <p className="mt-6 text-xs text-slate-500">{t('verify.dataNote')}</p>
    </div>
  );
}

async function safe<T>(fn: () => T | Promise<T>, fallback: T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAppError(e)) return fallback;
    throw e;
  }
}
