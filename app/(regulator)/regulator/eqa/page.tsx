import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { roundsPage, schemesInScope } from '@/lib/services/read/eqa';
import { regionsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { DataTable, type Column, type SearchParams } from '@/app/_components/data-table';
import { localName, localText } from '@/app/_components/local-name';
import { RoundTable, roundsRequest } from '@/app/_components/eqa/round-table';
import { ActionForm } from '@/app/_components/action-form';
import { createRoundAction, createSchemeAction, enrolmentAction } from './actions';
import { Field, SelectField } from '@/app/_components/fields';
import { Card } from '@/app/_components/card';
import { firstValues } from '@/app/_components/search-params';

export default async function RegulatorEqaPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('eqaScheme.manage');
  const t = await getTranslations('eqa');
  const locale = await getLocale();
  const db = getDb();
  const schemes = await schemesInScope(db, actor);
  const sp = firstValues(await searchParams);
  const page = roundsRequest(sp);
  const rounds = await roundsPage(db, actor, page);
  const regions = await regionsInScope(db, actor);
  const schemeColumns: Column<(typeof schemes)[number]>[] = [
    { key: 'code', header: t('scheme.code'), className: 'font-medium', cell: (s) => s.code },
    { key: 'name', header: t('scheme.name'), cell: (s) => localName(locale, s) },
    { key: 'region', header: t('scheme.region'), cell: (s) => localText(locale, s.regionName, s.regionNameEn) },
    { key: 'analytes', header: t('scheme.analytes'), cell: (s) => s.analyteCount },
    { key: 'enrolled', header: t('scheme.enrolled'), cell: (s) => s.enrolled },
    {
      key: 'rules',
      header: t('scheme.rules'),
      className: 'text-xs',
      cell: (s) => t('scheme.rulesLine', { min: s.minRoundScore, sigma: t(`sigmaPt.${s.sigmaPtSource}`), grouping: t(`grouping.${s.peerGrouping}`), size: s.minPeerGroupSize }),
    },
  ];
  return (
    <div className="space-y-8">
      <PageHeader title={t('regulator.title')} subtitle={t('regulator.subtitle')} />

      <section aria-labelledby="rounds-title">
        <h2 id="rounds-title" className="mb-2 text-lg font-semibold">
          {t('regulator.rounds')}
        </h2>
        <RoundTable rounds={rounds} page={page} searchParams={sp} hrefBase="/regulator/eqa/rounds" testId="eqa-rounds" empty={t('regulator.noRounds')} />
      </section>

      <section aria-labelledby="schemes-title">
        <h2 id="schemes-title" className="mb-2 text-lg font-semibold">
          {t('regulator.schemes')}
        </h2>
        <DataTable columns={schemeColumns} rows={schemes} rowKey={(s) => s.code} testId="eqa-schemes" empty={t('regulator.noSchemes')} />
      </section>

      <div className="no-print grid gap-6 lg:grid-cols-2">
        <Card id="new-round" title={t('regulator.newRound')}>
          <ActionForm action={createRoundAction} submitLabel={t('regulator.createRound')} successMessage={t('form.saved')} testId="eqa-new-round">
            <SelectField name="schemeCode" label={t('round.scheme')} options={schemes.map((s) => ({ value: s.code, label: `${s.code} · ${localName(locale, s)}` }))} />
            <Field name="code" label={t('round.code')} required hint={t('round.codeHint')} />
            <div className="grid grid-cols-2 gap-3">
              <Field name="opensAt" label={t('round.opensAt')} type="datetime-local" required />
              <Field name="closesAt" label={t('round.closesAt')} type="datetime-local" required />
            </div>
            <Field name="samples" label={t('round.samples')} required hint={t('round.samplesHint')} />
            <Field name="references" label={t('round.references')} hint={t('round.referencesHint')}>
              <textarea id="f-references" name="references" rows={3} className="input font-mono text-xs" />
            </Field>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="openNow" value="1" defaultChecked /> {t('round.openNow')}
            </label>
          </ActionForm>
        </Card>

        <Card id="enrolment" title={t('regulator.enrolment')}>
          <ActionForm action={enrolmentAction} submitLabel={t('regulator.applyEnrolment')} successMessage={t('form.saved')} testId="eqa-enrolment">
            <div className="grid grid-cols-2 gap-3">
              <SelectField name="operation" label={t('regulator.enrolmentOperation')} options={(['enrol', 'withdraw'] as const).map((v) => ({ value: v, label: t(`regulator.${v}`) }))} />
              <SelectField name="participantScheme" label={t('regulator.enrolmentScheme')} options={schemes.map((s) => ({ value: s.code, label: `${s.code} · ${localName(locale, s)}` }))} />
            </div>
            <Field name="labCodes" label={t('regulator.labCodes')} required hint={t('regulator.labCodesHint')}>
              <textarea id="f-labCodes" name="labCodes" rows={2} className="input font-mono text-xs" required />
            </Field>
            <Field name="reason" label={t('regulator.withdrawReason')} hint={t('regulator.withdrawReasonHint')} id="f-withdraw-reason" />
          </ActionForm>
        </Card>

        <Card id="new-scheme" title={t('regulator.newScheme')}>
          <ActionForm action={createSchemeAction} submitLabel={t('regulator.createScheme')} successMessage={t('form.saved')} testId="eqa-new-scheme">
            <div className="grid grid-cols-2 gap-3">
              <Field name="code" label={t('scheme.code')} required />
              <SelectField name="regionCode" label={t('scheme.region')} options={regions.map((r) => ({ value: r.code, label: `${localName(locale, r)} (${r.code})` }))} />
            </div>
            <div className="grid grid-cols-2 gap-3">
              <Field name="name" label={t('scheme.nameZh')} required />
              <Field name="nameEn" label={t('scheme.nameEn')} />
            </div>
            <Field name="analytes" label={t('scheme.analytes')} required hint={t('scheme.analytesHint')} />
            <div className="grid grid-cols-2 gap-3">
              <Field name="minRoundScore" label={t('scheme.minRoundScore')} type="number" defaultValue={80} />
              <Field name="minPeerGroupSize" label={t('scheme.minPeerGroupSize')} type="number" defaultValue={8} />
              <SelectField name="sigmaPtSource" label={t('scheme.sigmaPtSource')} options={(['allowable_error', 'robust_sd'] as const).map((v) => ({ value: v, label: t(`sigmaPt.${v}`) }))} />
              <SelectField name="peerGrouping" label={t('scheme.peerGrouping')} options={(['method', 'method_instrument'] as const).map((v) => ({ value: v, label: t(`grouping.${v}`) }))} />
            </div>
            {/* qualitative, ordinal and nominal items (DOMAIN §2): consensus, tolerance, pass marks per kind */}
            <fieldset className="grid grid-cols-2 gap-3 rounded-md border border-slate-200 p-3">
              <legend className="px-1 text-xs text-slate-600">{t('scheme.categoricalSettings')}</legend>
              <Field name="consensusPercent" label={t('scheme.consensusPercent')} type="number" defaultValue={80} />
              <Field name="ordinalTolerance" label={t('scheme.ordinalTolerance')} type="number" defaultValue={1} />
              <Field name="passPercentQualitative" label={t('scheme.passPercentQualitative')} type="number" defaultValue={80} />
              <Field name="passPercentOrdinal" label={t('scheme.passPercentOrdinal')} type="number" defaultValue={80} />
              <Field name="passPercentNominal" label={t('scheme.passPercentNominal')} type="number" defaultValue={100} />
              <SelectField
                name="negativeMustBeNegative"
                label={t('scheme.negativeMustBeNegative')}
                options={(['true', 'false'] as const).map((v) => ({ value: v, label: t(`scheme.negativeRule.${v}`) }))}
              />
            </fieldset>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="enrollAll" value="1" defaultChecked /> {t('scheme.enrollAll')}
            </label>
          </ActionForm>
        </Card>
      </div>
    </div>
  );
}
