import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { ANALYTE_CATEGORIES } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';

/** The allowable total error in its form: WS/T threshold rule, CLIA greater-of, or a single part. */
function tea(a: { teaPercent: number | null; teaAbsolute: number | null; teaAbsoluteAtOrBelow: number | null; teaForm: string | null; unit: string }) {
  const pct = a.teaPercent != null ? `±${a.teaPercent}%` : null;
  const abs = a.teaAbsolute != null ? `±${a.teaAbsolute} ${a.unit}` : null;
  if (pct && abs && a.teaForm === 'threshold' && a.teaAbsoluteAtOrBelow != null) return `${abs} (T ≤ ${a.teaAbsoluteAtOrBelow}) | ${pct} (T > ${a.teaAbsoluteAtOrBelow})`;
  if (pct && abs) return `max(${abs}, ${pct})`;
  return pct ?? abs ?? '—';
}

export default async function AnalytesPage() {
  await requirePage('analyte.manage');
  const t = await getTranslations('admin');
  const locale = await getLocale();
  const all = catalogueAnalytes(getDb());
  return (
    <div>
      <PageHeader title={t('analytes.title')} subtitle={t('analytes.subtitle', { count: all.length })} />
      {all.length === 0 && <EmptyState title={t('analytes.empty')} />}
      {ANALYTE_CATEGORIES.map((cat) => {
        const rows = all.filter((a) => a.category === cat);
        if (!rows.length) return null;
        return (
          <section key={cat} className="mb-8" aria-labelledby={`cat-${cat}`}>
            <h2 id={`cat-${cat}`} className="mb-2 text-lg font-semibold">
              {t(`categories.${cat}`)} <span className="text-sm font-normal text-slate-500">({rows.length})</span>
            </h2>
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('fields.code')}</th>
                    <th scope="col">{t('fields.name')}</th>
                    <th scope="col">{t('fields.unit')}</th>
                    <th scope="col">{t('analytes.tea')}</th>
                    <th scope="col">{t('analytes.teaSource')}</th>
                    <th scope="col">{t('analytes.allowableCv')}</th>
                    <th scope="col">{t('fields.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.id}>
                      <td className="font-mono">
                        <Link href={`/admin/analytes/${encodeURIComponent(a.code)}`} className="text-brand-700 hover:underline">
                          {a.code}
                        </Link>
                      </td>
                      <td>{locale === 'zh' ? a.nameZh : a.nameEn}</td>
                      <td>{a.unit}</td>
                      <td className="whitespace-nowrap">{tea(a)}</td>
                      <td className="text-xs text-slate-600">{a.teaSource}</td>
                      <td>{a.allowableCvPercent != null ? `${a.allowableCvPercent}%` : '—'}</td>
                      <td>{a.active ? <span className="badge-green">{t('status.active')}</span> : <span className="badge-slate">{t('status.inactive')}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
    </div>
  );
}
