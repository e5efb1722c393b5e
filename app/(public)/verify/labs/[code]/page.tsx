import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getLocale, getTranslations } from 'next-intl/server';
import { withReadDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { publicRegionNamesEn } from '@/lib/services/read/places';
import { isAppError } from '@/lib/errors';
import { certificateForLab } from '@/lib/services/recognition/certificates';
import { checkForPage } from '../../check';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { VerifyFields, VerifyResult } from '@/app/_components/recognition/verify-check';
import { firstValues } from '@/app/_components/search-params';

export const dynamic = 'force-dynamic';

/** Public page of a laboratory: its recognised tests today and a point-in-time check. */
export default async function LabPublicPage({ params, searchParams }: { params: Promise<{ code: string }>; searchParams: Promise<{ analyte?: string; date?: string; asOf?: string }> }) {
  const { code } = await params;
  const sp = firstValues(await searchParams);
  const t = await getTranslations('recognition');
  const tc = await getTranslations('common');
  const zh = (await getLocale()) === 'zh';
  let cert;
  try {
    cert = await withReadDb((db) => certificateForLab(db, decodeURIComponent(code)));
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
  const { lab, recognised, suspended } = cert;
  // the lab's own certified tests first in the check form, the first of them chosen by default
  const own = new Set([...recognised, ...suspended].map((c) => c.analyteCode));
  // the public reads of this page on one read replica (DATABASE_REPLICA_URLS), or the primary
  const { analytes, scopeEn, answer, error } = await withReadDb(async (db) => {
    const analytes = (await catalogueAnalytes(db, { activeOnly: true })).sort((a, b) => Number(own.has(b.code)) - Number(own.has(a.code)));
    const scopeEn = zh ? null : await publicRegionNamesEn(db);
    const { answer, error } = sp.analyte ? await checkForPage(db, { lab: lab.code, analyte: sp.analyte, date: sp.date, asOf: sp.asOf }, t) : { answer: null, error: null };
    return { analytes, scopeEn, answer, error };
  });
  const analyte = analytes.find((a) => a.code === sp.analyte);
  const name = zh ? lab.name : (lab.nameEn ?? lab.name);
  return (
    <div data-testid="lab-public-page">
      <PageHeader
        title={name}
        subtitle={`${lab.code} · ${zh ? lab.regionName : lab.regionNameEn} · ${tc(`labLevels.${lab.level}` as 'labLevels.tertiary')}`}
        actions={
          <Link href={`/certificates/${encodeURIComponent(lab.code)}`} className="btn-secondary">
            {t('labPage.certificate')}
          </Link>
        }
      />
      {!lab.active && (
        <p role="note" className="mb-6 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="lab-inactive">
          {t('labPage.inactive')}
        </p>
      )}
      <section className="card mb-6">
        <h2 className="mb-3 font-semibold">{t('labPage.recognisedTests')}</h2>
        {recognised.length === 0 ? (
          <EmptyState title={t('labPage.none')} />
        ) : (
          <div className="overflow-x-auto">
            <table className="table" data-testid="recognised-tests">
              <thead>
                <tr>
                  <th>{t('common.analyte')}</th>
                  <th>{t('common.mark')}</th>
                  <th>{t('common.scope')}</th>
                  <th>{t('common.validity')}</th>
                  <th>{t('common.certificateNo')}</th>
                </tr>
              </thead>
              <tbody>
                {recognised.map((c) => (
                  <tr key={c.id} data-analyte={c.analyteCode}>
                    <td>
                      {c.analyteCode} · {zh ? c.analyteName : c.analyteNameEn}
                    </td>
                    <td>
                      <span className="badge-blue">{c.mark}</span>
                    </td>
                    <td>{scopeEn?.get(c.scope) ?? c.scope}</td>
                    <td>{t('common.window', { from: c.validFrom, to: c.validTo })}</td>
                    <td className="font-mono text-xs">{c.certificateNo}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {suspended.length > 0 && (
          <p className="mt-3 text-sm text-amber-800">
            {t('labPage.suspendedTitle')}: {suspended.map((c) => `${c.analyteCode} (${c.mark})`).join(', ')}
          </p>
        )}
      </section>
      <section className="card">
        <h2 className="mb-3 font-semibold">{t('labPage.checkTitle')}</h2>
        <form className="flex flex-wrap items-end gap-3" id="lab-check-form">
          <VerifyFields analytes={analytes} analyte={sp.analyte ?? recognised[0]?.analyteCode ?? ''} date={sp.date} asOf={sp.asOf} />
          <button type="submit" className="btn">
            {t('verify.check')}
          </button>
        </form>
        <VerifyResult error={error} answer={answer} labLabel={lab.code} analyte={analyte} analyteCode={sp.analyte} />
      </section>
      <p className="mt-6 text-xs text-slate-500">{t('verify.dataNote')}</p>
    </div>
  );
}
