import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { ANALYTE_SORTS, catalogueAnalytesPage } from '@/lib/services/read/catalogue';
import { ANALYTE_CATEGORIES, ANALYTE_KINDS, type AnalyteCategory, type AnalyteKind } from '@/db/enums';
import { ActionForm } from '@/app/_components/action-form';
import { Field, FilterSelect, SelectField } from '@/app/_components/fields';
import { Card } from '@/app/_components/card';
import { createAnalyteAction } from '../actions';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { localName } from '@/app/_components/local-name';
import { ActiveBadge } from '@/app/_components/status-badge';
import { firstValues } from '@/app/_components/search-params';

/** The allowable total error in its form: WS/T threshold rule, CLIA greater-of, or a single part. */
function tea(a: { teaPercent: number | null; teaAbsolute: number | null; teaAbsoluteAtOrBelow: number | null; teaForm: string | null; unit: string }) {
  const pct = a.teaPercent != null ? `±${a.teaPercent}%` : null;
  const abs = a.teaAbsolute != null ? `±${a.teaAbsolute} ${a.unit}` : null;
  if (pct && abs && a.teaForm === 'threshold' && a.teaAbsoluteAtOrBelow != null) return `${abs} (T ≤ ${a.teaAbsoluteAtOrBelow}) | ${pct} (T > ${a.teaAbsoluteAtOrBelow})`;
  if (pct && abs) return `max(${abs}, ${pct})`;
  return pct ?? abs ?? '—';
}

export default async function AnalytesPage({ searchParams }: { searchParams: Promise<SearchParams & { category?: string; kind?: string }> }) {
  await requirePage('analyte.manage');
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const sp = firstValues(await searchParams);
  const category = (ANALYTE_CATEGORIES as readonly string[]).includes(sp.category ?? '') ? (sp.category as AnalyteCategory) : undefined;
  const kind = (ANALYTE_KINDS as readonly string[]).includes(sp.kind ?? '') ? (sp.kind as AnalyteKind) : undefined;
  const req = readPage(sp, { sorts: ANALYTE_SORTS, sort: 'category', size: 100 });
  const list = await catalogueAnalytesPage(getDb(), { category, kind }, req);
  const itemCount = [...list.groups.values()].reduce((a, b) => a + b, 0);
  const columns: Column<(typeof list.rows)[number]>[] = [
    {
      key: 'code',
      header: t('fields.code'),
      sort: 'code',
      className: 'font-mono',
      cell: (a) => (
        <Link href={`/admin/analytes/${encodeURIComponent(a.code)}`} className="text-brand-700 hover:underline">
          {a.code}
        </Link>
      ),
    },
    { key: 'name', header: t('fields.name'), sort: 'name', cell: (a) => localName(locale, a) },
    { key: 'category', header: t('fields.category'), sort: 'category', cell: (a) => t(`categories.${a.category}`) },
    { key: 'unit', header: t('fields.unit'), cell: (a) => (a.kind === 'quantitative' ? a.unit : <span className="font-mono text-xs">{(a.categories ?? []).map((c) => c.code).join(' · ')}</span>) },
    { key: 'tea', header: t('analytes.tea'), className: 'whitespace-nowrap', cell: (a) => (a.kind === 'quantitative' ? tea(a) : t(`analytes.kinds.${a.kind}`)) },
    { key: 'source', header: t('analytes.teaSource'), className: 'text-xs text-slate-600', cell: (a) => a.teaSource },
    { key: 'cv', header: t('analytes.allowableCv'), cell: (a) => (a.allowableCvPercent != null ? `${a.allowableCvPercent}%` : '—') },
    { key: 'loinc', header: 'LOINC', className: 'font-mono text-xs', cell: (a) => a.loinc ?? '—' },
    { key: 'status', header: t('fields.status'), cell: (a) => <ActiveBadge active={a.active} inactiveTone="badge-slate" /> },
  ];
  return (
    <div>
      <PageHeader title={t('analytes.title')} subtitle={t('analytes.subtitle', { count: itemCount })} />
      <form method="get" className="card mb-4 flex flex-wrap items-end gap-3" role="search" aria-label={t('analytes.filters')}>
        <div className="min-w-48 flex-1">
          <label htmlFor="q" className="label">
            {t('labs.search')}
          </label>
          <input id="q" name="q" defaultValue={req.q} className="input" placeholder={t('analytes.searchPlaceholder')} />
        </div>
        <FilterSelect
          id="category"
          label={t('fields.category')}
          value={category}
          all={t('labs.all')}
          options={ANALYTE_CATEGORIES.filter((c) => list.groups.has(c)).map((c) => ({ value: c, label: `${t(`categories.${c}`)} (${list.groups.get(c)})` }))}
        />
        <FilterSelect id="kind" label={t('analytes.kind')} value={kind} all={t('labs.all')} options={ANALYTE_KINDS.map((k) => ({ value: k, label: t(`analytes.kinds.${k}`) }))} />
        <button type="submit" className="btn-secondary">
          {tc('actions.filter')}
        </button>
      </form>
      <DataTable columns={columns} rows={list.rows} total={list.total} page={req} searchParams={sp} rowKey={(a) => a.id} testId="analyte-list" empty={t('analytes.empty')} />
      <div className="mt-6">
        <Card id="create" title={t('analytes.createTitle')}>
          <ActionForm action={createAnalyteAction} submitLabel={t('form.create')} successMessage={t('form.created')} className="grid gap-4 md:grid-cols-3" testId="analyte-create">
            <Field name="code" label={t('fields.code')} required />
            <Field name="nameZh" label={t('fields.nameZh')} required />
            <Field name="nameEn" label={t('fields.nameEn')} required />
            <SelectField name="category" label={t('fields.category')} defaultValue="other" options={ANALYTE_CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))} />
            <SelectField name="kind" label={t('analytes.kind')} defaultValue="quantitative" options={ANALYTE_KINDS.map((k) => ({ value: k, label: t(`analytes.kinds.${k}`) }))} />
            <Field name="loinc" label="LOINC" />
            <Field name="unit" label={t('fields.unit')} hint={t('analytes.unitHint')} />
            <Field name="teaPercent" type="number" label={t('analytes.teaPercent')} />
            <Field name="teaAbsolute" type="number" label={t('analytes.teaAbsolute')} />
            <div className="md:col-span-2">
              <Field name="categories" label={t('analytes.categories')} hint={t('analytes.categoriesHint')}>
                <textarea id="f-categories" name="categories" rows={3} className="input font-mono text-sm" aria-describedby="f-categories-hint" placeholder={'negative | 阴性 | Negative | neg, -\npositive | 阳性 | Positive | pos, +'} />
              </Field>
            </div>
            <Field name="signalUnit" label={t('analytes.signalUnit')} />
            <Field name="signalCutoff" type="number" label={t('analytes.signalCutoff')} />
            <div className="md:col-span-2">
              <Field name="teaSource" label={t('analytes.teaSource')} hint={t('analytes.teaSourceHint')} required />
            </div>
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
