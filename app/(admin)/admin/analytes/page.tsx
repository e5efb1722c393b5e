import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { ANALYTE_CATEGORIES } from '@/db/enums';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localName } from '@/app/_components/local-name';
import { ActiveBadge } from '@/app/_components/status-badge';

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
  const columns: Column<(typeof all)[number]>[] = [
    {
      key: 'code',
      header: t('fields.code'),
      className: 'font-mono',
      cell: (a) => (
        <Link href={`/admin/analytes/${encodeURIComponent(a.code)}`} className="text-brand-700 hover:underline">
          {a.code}
        </Link>
      ),
    },
    { key: 'name', header: t('fields.name'), cell: (a) => localName(locale, a) },
    { key: 'unit', header: t('fields.unit'), cell: (a) => (a.kind === 'quantitative' ? a.unit : <span className="font-mono text-xs">{(a.categories ?? []).map((c) => c.code).join(' · ')}</span>) },
    { key: 'tea', header: t('analytes.tea'), className: 'whitespace-nowrap', cell: (a) => (a.kind === 'quantitative' ? tea(a) : t(`analytes.kinds.${a.kind}`)) },
    { key: 'source', header: t('analytes.teaSource'), className: 'text-xs text-slate-600', cell: (a) => a.teaSource },
    { key: 'cv', header: t('analytes.allowableCv'), cell: (a) => (a.allowableCvPercent != null ? `${a.allowableCvPercent}%` : '—') },
    { key: 'status', header: t('fields.status'), cell: (a) => <ActiveBadge active={a.active} inactiveTone="badge-slate" /> },
  ];
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
            <DataTable columns={columns} rows={rows} rowKey={(a) => a.id} />
          </section>
        );
      })}
    </div>
  );
}
