import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { ownRuleConfigs } from '@/lib/services/read/own-lab';
import { WESTGARD_RULES, MIN_BASELINE_POINTS, NEW_LOT_DAYS } from '@/lib/stats';
import { lotsWithTargets } from '@/lib/services/iqc/views';
import { newLotProposals } from '@/lib/services/iqc/targets';
import { ruleChoicesView } from '@/lib/services/iqc/rules';
import { PageHeader } from '@/app/_components/page-header';
import { BaselineButton, NewLotButton, RulesForm, TargetForm } from '@/app/_components/iqc/forms';
import { RuleChoiceText } from '@/app/_components/iqc/rule-choice';
import { fmt, formatDateTime } from '@/app/_components/iqc/format';
import { baselineAction, newLotAction, setRulesAction, setTargetAction } from '../actions';

export default async function TargetsPage() {
  const actor = await requirePage('iqcTarget.manage');
  const t = await getTranslations('iqc.targets');
  const locale = await getLocale();
  const db = getDb();
  const lots = lotsWithTargets(db, actor);
  const proposals = new Map(newLotProposals(db, actor).map((p) => [p.controlLotId, p]));
  const configs = new Map(ownRuleConfigs(db, actor).map((c) => [c.analyte, c.rules]));
  const choices = ruleChoicesView(db, actor);
  const analytes = catalogueAnalytes(db, { activeOnly: true }).map((a) => ({ code: a.code, name: locale === 'zh' ? a.nameZh : a.nameEn }));
  const analyteCodes = [...new Set(lots.map((l) => l.analyte))];
  return (
    <div className="space-y-6">
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <section>
        <h2 className="mb-2 font-semibold">{t('setTitle')}</h2>
        <TargetForm action={setTargetAction} analytes={analytes} />
      </section>
      <section className="card overflow-x-auto">
        <h2 className="mb-3 font-semibold">{t('lotsTitle')}</h2>
        <table className="table" data-testid="lots">
          <thead>
            <tr>
              <th>{t('analyte')}</th>
              <th>{t('level')}</th>
              <th>{t('lot')}</th>
              <th>{t('instrument')}</th>
              <th>{t('mean')}</th>
              <th>{t('sd')}</th>
              <th>{t('source')}</th>
              <th>{t('effectiveFrom')}</th>
              <th>{t('results')}</th>
              <th>{t('newLotTitle')}</th>
            </tr>
          </thead>
          <tbody>
            {lots.map((l) => {
              const p = proposals.get(l.id);
              return (
                <tr key={l.id} data-lot={l.lot}>
                  <td>{l.analyte}</td>
                  <td>{l.level}</td>
                  <td>{l.lot}</td>
                  <td>{l.instrument || '—'}</td>
                  <td>{fmt(l.mean, 4)}</td>
                  <td>{fmt(l.sd, 4)}</td>
                  <td>{l.source ? `${t(`sources.${l.source}`)} v${l.version}` : t('noTarget')}</td>
                  <td className="whitespace-nowrap">{l.effectiveFrom ? formatDateTime(l.effectiveFrom, locale) : '—'}</td>
                  <td>
                    {l.results}
                    {l.results >= MIN_BASELINE_POINTS && <BaselineButton action={baselineAction} controlLotId={l.id} />}
                  </td>
                  <td className="text-xs" data-testid={p ? 'new-lot' : undefined}>
                    {!p ? (
                      '—'
                    ) : p.targets ? (
                      <>
                        <span className="block">{t('newLotReady', { mean: fmt(p.targets.mean, 4), n: p.targets.n, sd: fmt(p.targets.sd, 4), lot: p.previous.lot })}</span>
                        <NewLotButton action={newLotAction} controlLotId={l.id} />
                      </>
                    ) : (
                      <span className="text-slate-500">{t('newLotDays', { days: p.days, needed: p.needed })}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-slate-500">{t('baselineHelp', { n: MIN_BASELINE_POINTS })}</p>
        <p className="mt-1 text-xs text-slate-500">{t('newLotHelp', { days: NEW_LOT_DAYS, n: MIN_BASELINE_POINTS })}</p>
      </section>
      <section className="card overflow-x-auto">
        <h2 className="mb-1 font-semibold">{t('choiceTitle')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('choiceHelp')}</p>
        {choices.rows.length === 0 ? (
          <p className="text-sm text-slate-500">{t('noRuns')}</p>
        ) : (
          <table className="table" data-testid="rule-choices">
            <thead>
              <tr>
                <th>{t('analyte')}</th>
                <th>{t('instrument')}</th>
                <th>{t('lastRun')}</th>
                <th>{t('rules')}</th>
                <th>{t('how')}</th>
              </tr>
            </thead>
            <tbody>
              {choices.rows.map((r) => (
                <tr key={`${r.analyte}|${r.instrument}`} data-analyte={r.analyte} data-instrument={r.instrument}>
                  <td>
                    <span className="font-medium">{r.analyte}</span> <span className="text-slate-500">{locale === 'zh' ? r.nameZh : r.nameEn}</span>
                  </td>
                  <td>{r.instrument || '—'}</td>
                  <td className="whitespace-nowrap">{formatDateTime(r.runAt, locale)}</td>
                  <td className="whitespace-nowrap text-xs">{r.choice.rules.join(', ')}</td>
                  <td className="text-sm">
                    <RuleChoiceText choice={r.choice} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2 className="mb-1 font-semibold">{t('rulesTitle')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('rulesHelp')}</p>
        <ul className="space-y-3">
          {analyteCodes.map((code) => {
            const versions = choices.versions.filter((v) => v.analyte === code);
            return (
              <li key={code}>
                <p className="text-sm font-medium">{code}</p>
                <RulesForm action={setRulesAction} analyte={code} current={configs.get(code) ?? null} all={WESTGARD_RULES} />
                {versions.length > 0 && (
                  <ul className="mt-1 text-xs text-slate-500" aria-label={t('versionsTitle')} data-testid={`rule-versions-${code}`}>
                    {versions.map((v) => (
                      <li key={v.version}>
                        {t('versionLine', { version: v.version, from: v.effectiveFrom > 0 ? formatDateTime(v.effectiveFrom, locale) : '—', rules: v.rules.length ? v.rules.join(', ') : t('automatic') })}
                        {v.reason ? ` · ${v.reason}` : ''}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
