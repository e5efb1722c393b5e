import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { listAnalytes } from '@/db/queries/analytes';
import { listRuleConfigs } from '@/db/queries/iqc';
import { WESTGARD_RULES, MIN_BASELINE_POINTS } from '@/lib/stats';
import { lotsWithTargets } from '@/lib/services/iqc/views';
import { PageHeader } from '@/app/_components/page-header';
import { BaselineButton, RulesForm, TargetForm } from '@/app/_components/iqc/forms';
import { fmt, formatDateTime } from '@/app/_components/iqc/format';
import { baselineAction, setRulesAction, setTargetAction } from '../actions';

export default async function TargetsPage() {
  const actor = await requirePage('iqcTarget.manage');
  const t = await getTranslations('iqc.targets');
  const locale = await getLocale();
  const db = getDb();
  const lots = lotsWithTargets(db, actor);
  const configs = new Map(listRuleConfigs(db, actor.labId!).map((c) => [c.analyte, c.rules]));
  const analytes = listAnalytes(db, { activeOnly: true }).map((a) => ({ code: a.code, name: locale === 'zh' ? a.nameZh : a.nameEn }));
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
            </tr>
          </thead>
          <tbody>
            {lots.map((l) => (
              <tr key={l.id}>
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
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-slate-500">{t('baselineHelp', { n: MIN_BASELINE_POINTS })}</p>
      </section>
      <section className="card">
        <h2 className="mb-1 font-semibold">{t('rulesTitle')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('rulesHelp')}</p>
        <ul className="space-y-3">
          {analyteCodes.map((code) => (
            <li key={code}>
              <p className="text-sm font-medium">{code}</p>
              <RulesForm action={setRulesAction} analyte={code} current={configs.get(code) ?? null} all={WESTGARD_RULES} />
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
