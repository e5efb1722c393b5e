import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { analyteWithLimits } from '@/lib/services/read/catalogue';
import { ANALYTE_CATEGORIES, ANALYTE_KINDS, LIMIT_FORMS } from '@/db/enums';
import { categoryLines } from '@/lib/validation/analyte';
import { PageHeader } from '@/app/_components/page-header';
import { ActionForm } from '@/app/_components/action-form';
import { Field, ReasonField, SelectField } from '@/app/_components/fields';
import { VersionHistory } from '../../_components/version-history';
import { updateAnalyteAction } from '../../actions';
import { DataTable, type Column } from '@/app/_components/data-table';
import { Card } from '@/app/_components/card';

export default async function AnalytePage({ params }: { params: Promise<{ code: string }> }) {
  await requirePage('analyte.manage');
  const { code } = await params;
  const found = await analyteWithLimits(getDb(), decodeURIComponent(code));
  if (!found) notFound();
  const { analyte: a, ranges, inUse } = found;
  const t = await getTranslations('admin');
  return (
    <div>
      <PageHeader title={`${a.code} · ${a.nameZh} · ${a.nameEn}`} subtitle={a.loinc ? `LOINC ${a.loinc}` : undefined} />
      <Card id="edit" title={t('analytes.editTitle')}>
        <ActionForm action={updateAnalyteAction} submitLabel={t('form.save')} successMessage={t('form.saved')} className="grid gap-4 md:grid-cols-3" testId="analyte-edit">
          <input type="hidden" name="id" value={a.id} />
          <Field name="code" label={t('fields.code')} hint={t('analytes.codeFixed')}>
            <input id="f-code" name="code" defaultValue={a.code} readOnly className="input bg-slate-50" aria-describedby="f-code-hint" />
          </Field>
          <Field name="loinc" label="LOINC" defaultValue={a.loinc} />
          <SelectField name="category" label={t('fields.category')} defaultValue={a.category} options={ANALYTE_CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))} />
          <Field name="nameZh" label={t('fields.nameZh')} defaultValue={a.nameZh} required />
          <Field name="nameEn" label={t('fields.nameEn')} defaultValue={a.nameEn} required />
          <SelectField name="kind" label={t('analytes.kind')} defaultValue={a.kind} hint={inUse ? t('analytes.kindInUse') : undefined} options={ANALYTE_KINDS.map((k) => ({ value: k, label: t(`analytes.kinds.${k}`) }))} />
          <Field name="unit" label={t('fields.unit')} defaultValue={a.unit} hint={t('analytes.unitHint')} />
          <div className="md:col-span-2">
            <Field name="categories" label={t('analytes.categories')} hint={inUse && a.categories?.length ? `${t('analytes.categoriesHint')} ${t('analytes.categoriesInUse')}` : t('analytes.categoriesHint')}>
              <textarea id="f-categories" name="categories" rows={Math.max(3, (a.categories?.length ?? 0) + 1)} defaultValue={categoryLines(a.categories)} className="input font-mono text-sm" aria-describedby="f-categories-hint" />
            </Field>
          </div>
          <Field name="signalUnit" label={t('analytes.signalUnit')} defaultValue={a.signalUnit} />
          <Field name="signalCutoff" type="number" label={t('analytes.signalCutoff')} defaultValue={a.signalCutoff} />
          <Field name="teaPercent" type="number" label={t('analytes.teaPercent')} defaultValue={a.teaPercent} />
          <Field name="teaAbsolute" type="number" label={t('analytes.teaAbsolute')} defaultValue={a.teaAbsolute} />
          <Field name="teaAbsoluteAtOrBelow" type="number" label={t('analytes.teaThreshold')} defaultValue={a.teaAbsoluteAtOrBelow} hint={t('analytes.teaThresholdHint')} />
          <SelectField
            name="teaForm"
            label={t('analytes.teaForm')}
            defaultValue={a.teaForm ?? ''}
            options={[{ value: '', label: t('analytes.teaForms.none') }, ...LIMIT_FORMS.map((f) => ({ value: f, label: t(`analytes.teaForms.${f}`) }))]}
          />
          <Field name="teaSource" label={t('analytes.teaSource')} defaultValue={a.teaSource} required />
          <Field name="allowableCvPercent" type="number" label={t('analytes.allowableCv')} defaultValue={a.allowableCvPercent} />
          <Field name="allowableBiasPercent" type="number" label={t('analytes.allowableBias')} defaultValue={a.allowableBiasPercent} />
          <Field name="cvSource" label={t('analytes.cvSource')} defaultValue={a.cvSource} />
          <Field name="ncclEqaRange" label={t('analytes.ncclRange')} defaultValue={a.ncclEqaRange} />
          <Field name="cliaLimit" label={t('analytes.cliaLimit')} defaultValue={a.cliaLimit} />
          <Field name="cliaConfidence" label={t('analytes.cliaConfidence')} defaultValue={a.cliaConfidence} />
          <div className="md:col-span-2">
            <Field name="notes" label={t('fields.notes')} defaultValue={a.notes} />
          </div>
          <ReasonField label={t('fields.reason')} hint={t('form.reasonHint')} />
        </ActionForm>
      </Card>
      {ranges.length > 0 && (
        <section className="card mt-6" aria-labelledby="ranges-title" data-testid="analyte-limit-ranges">
          <h2 id="ranges-title" className="mb-2 font-semibold">
            {t('analytes.rangesTitle')}
          </h2>
          <DataTable
            columns={[
              { key: 'from', header: t('analytes.rangeFrom'), cell: (r) => r.fromValue ?? '−∞' },
              { key: 'to', header: t('analytes.rangeTo'), cell: (r) => r.toValue ?? '+∞' },
              {
                key: 'tea',
                header: t('analytes.tea'),
                cell: (r) => [r.percent != null ? `±${r.percent}%` : null, r.absolute != null ? `±${r.absolute} ${a.unit}` : null].filter(Boolean).join(r.form === 'threshold' ? ` | T ≤ ${r.threshold} ` : ' / '),
              },
              { key: 'source', header: t('analytes.teaSource'), className: 'text-xs', cell: (r) => r.source },
            ] satisfies Column<(typeof ranges)[number]>[]}
            rows={ranges}
            rowKey={(r) => r.id}
          />
        </section>
      )}
      <VersionHistory entityType="analyte" entityId={a.id} fields={['nameZh', 'nameEn', 'loinc', 'category', 'kind', 'unit', 'categories', 'signalUnit', 'signalCutoff', 'teaPercent', 'teaAbsolute', 'teaAbsoluteAtOrBelow', 'teaForm', 'teaSource', 'allowableCvPercent', 'allowableBiasPercent']} />
    </div>
  );
}
