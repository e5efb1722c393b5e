import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { listRounds } from '@/lib/services/eqa/rounds';
import { schemesInScope } from '@/lib/services/read/eqa';
import { regionsInScope } from '@/lib/services/read/places';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { RoundTable } from '@/app/_components/eqa/round-table';
import { ActionForm } from '@/app/_components/action-form';
import { createRoundAction, createSchemeAction } from './actions';
import { Field } from '@/app/_components/fields';

export default async function RegulatorEqaPage() {
  const actor = await requirePage('eqaScheme.manage');
  const t = await getTranslations('eqa');
  const locale = await getLocale();
  const db = getDb();
  const schemes = schemesInScope(db, actor);
  const rounds = listRounds(db, actor);
  const regions = regionsInScope(db, actor);
  return (
    <div className="space-y-8">
      <PageHeader title={t('regulator.title')} subtitle={t('regulator.subtitle')} />

      <section aria-labelledby="rounds-title">
        <h2 id="rounds-title" className="mb-2 text-lg font-semibold">
          {t('regulator.rounds')}
        </h2>
        {rounds.length === 0 ? (
          <EmptyState title={t('regulator.noRounds')} />
        ) : (
          <RoundTable rounds={rounds} hrefBase="/regulator/eqa/rounds" testId="eqa-rounds" />
        )}
      </section>

      <section aria-labelledby="schemes-title">
        <h2 id="schemes-title" className="mb-2 text-lg font-semibold">
          {t('regulator.schemes')}
        </h2>
        {schemes.length === 0 ? (
          <EmptyState title={t('regulator.noSchemes')} />
        ) : (
          <div className="card overflow-x-auto p-0">
            <table className="table" data-testid="eqa-schemes">
              <thead>
                <tr>
                  <th>{t('scheme.code')}</th>
                  <th>{t('scheme.name')}</th>
                  <th>{t('scheme.region')}</th>
                  <th>{t('scheme.analytes')}</th>
                  <th>{t('scheme.enrolled')}</th>
                  <th>{t('scheme.rules')}</th>
                </tr>
              </thead>
              <tbody>
                {schemes.map((s) => (
                  <tr key={s.code}>
                    <td className="font-medium">{s.code}</td>
                    <td>{locale === 'zh' ? s.name : (s.nameEn ?? s.name)}</td>
                    <td>{locale === 'zh' ? s.regionName : s.regionNameEn}</td>
                    <td>{s.analyteCount}</td>
                    <td>{s.enrolled}</td>
                    <td className="text-xs">
                      {t('scheme.rulesLine', { min: s.minRoundScore, sigma: t(`sigmaPt.${s.sigmaPtSource}`), grouping: t(`grouping.${s.peerGrouping}`), size: s.minPeerGroupSize })}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="no-print grid gap-6 lg:grid-cols-2">
        <section className="card" aria-labelledby="new-round-title">
          <h2 id="new-round-title" className="mb-3 font-semibold">
            {t('regulator.newRound')}
          </h2>
          <ActionForm action={createRoundAction} submitLabel={t('regulator.createRound')} successMessage={t('form.saved')} testId="eqa-new-round">
            <Field name="schemeCode" label={t('round.scheme')}>
              <select id="f-schemeCode" name="schemeCode" className="input">
                {schemes.map((s) => (
                  <option key={s.code} value={s.code}>
                    {s.code} · {locale === 'zh' ? s.name : (s.nameEn ?? s.name)}
                  </option>
                ))}
              </select>
            </Field>
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
        </section>

        <section className="card" aria-labelledby="new-scheme-title">
          <h2 id="new-scheme-title" className="mb-3 font-semibold">
            {t('regulator.newScheme')}
          </h2>
          <ActionForm action={createSchemeAction} submitLabel={t('regulator.createScheme')} successMessage={t('form.saved')} testId="eqa-new-scheme">
            <div className="grid grid-cols-2 gap-3">
              <Field name="code" label={t('scheme.code')} required />
              <Field name="regionCode" label={t('scheme.region')}>
                <select id="f-regionCode" name="regionCode" className="input">
                  {regions.map((r) => (
                    <option key={r.code} value={r.code}>
                      {locale === 'zh' ? r.name : r.nameEn} ({r.code})
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <div className="grid grid-cols-2 gap-3">
              <Field name="name" label={t('scheme.nameZh')} required />
              <Field name="nameEn" label={t('scheme.nameEn')} />
            </div>
            <Field name="analytes" label={t('scheme.analytes')} required hint={t('scheme.analytesHint')} />
            <div className="grid grid-cols-2 gap-3">
              <Field name="minRoundScore" label={t('scheme.minRoundScore')} type="number" defaultValue={80} />
              <Field name="minPeerGroupSize" label={t('scheme.minPeerGroupSize')} type="number" defaultValue={8} />
              <Field name="sigmaPtSource" label={t('scheme.sigmaPtSource')}>
                <select id="f-sigmaPtSource" name="sigmaPtSource" className="input">
                  <option value="allowable_error">{t('sigmaPt.allowable_error')}</option>
                  <option value="robust_sd">{t('sigmaPt.robust_sd')}</option>
                </select>
              </Field>
              <Field name="peerGrouping" label={t('scheme.peerGrouping')}>
                <select id="f-peerGrouping" name="peerGrouping" className="input">
                  <option value="method">{t('grouping.method')}</option>
                  <option value="method_instrument">{t('grouping.method_instrument')}</option>
                </select>
              </Field>
            </div>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="enrollAll" value="1" defaultChecked /> {t('scheme.enrollAll')}
            </label>
          </ActionForm>
        </section>
      </div>
    </div>
  );
}
