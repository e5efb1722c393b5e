import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { ownRuleConfigs } from '@/lib/services/read/own-lab';
import { WESTGARD_RULES, MIN_BASELINE_POINTS, NEW_LOT_DAYS } from '@/lib/stats';
import { LOT_SORTS, lotTargetsPage, type NewLotProposal } from '@/lib/services/iqc/targets';
import { RULE_CHOICE_SORTS, ruleChoicesView } from '@/lib/services/iqc/rules';
import { PageHeader } from '@/app/_components/page-header';
import { BaselineButton, LotExpiryForm, NewLotButton, TargetForm } from '@/app/_components/iqc/forms';
import { RuleSets } from '@/app/_components/iqc/rule-sets';
import { fmt, formatDateTime } from '@/app/_components/iqc/format';
import { DataTable, readPage, type Column, type SearchParams } from '@/app/_components/data-table';
import { firstValues } from '@/app/_components/search-params';
import { localName } from '@/app/_components/local-name';
import { RuleChoicesTable } from '@/app/_components/iqc/summary-view';
import { baselineAction, importTargetsCsvAction, lotExpiryAction, newLotAction, previewTargetsCsvAction, setRulesAction, setTargetAction } from '../actions';
import { ImportForm } from '@/app/_components/iqc/import-form';
import { TARGET_CSV_COLUMNS } from '@/lib/services/iqc/targets-csv';
import { dayOf } from '@/lib/calendar';
import { daysUntilExpiry, EXPIRY_WARNING_DAYS } from '@/lib/services/iqc/lot-expiry';
import { getRunWindow, MAX_RUN_WINDOW_MINUTES, MIN_RUN_WINDOW_MINUTES } from '@/lib/services/iqc/run-window';
import { RunWindowForm } from '@/app/_components/iqc/run-window-form';
import { setRunWindowAction } from '../run-window-action';

/** The targets file's header and an example row, downloaded as a template. */
const TARGETS_TEMPLATE = `data:text/csv;charset=utf-8,${encodeURIComponent(`${TARGET_CSV_COLUMNS.join(',')}\nGLU,1,GLU1-2701,5.2,0.15,AU5800,2027-01-01,2027-12-31,manufacturer insert\n`)}`;

export default async function TargetsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePage('iqcTarget.manage');
  const t = await getTranslations('iqc.targets');
  const ti = await getTranslations('iqc.targetsImport');
  const locale = await getLocale();
  const db = getDb();
  const sp = firstValues(await searchParams);
  const req = readPage(sp, { sorts: LOT_SORTS, sort: 'analyte', prefix: 'lots_' });
  const lotPage = await lotTargetsPage(db, actor, {}, req);
  const lots = lotPage.rows;
  const configs = new Map((await ownRuleConfigs(db, actor)).map((c) => [c.analyte, c.rules]));
  const choicesReq = readPage(sp, { sorts: RULE_CHOICE_SORTS, sort: 'analyte', prefix: 'choices_' });
  const choices = await ruleChoicesView(db, actor, {}, choicesReq);
  const { runWindowMinutes } = await getRunWindow(db, actor);
  const catalogue = await catalogueAnalytes(db, { activeOnly: true });
  const analytes = catalogue.map((a) => ({ code: a.code, name: localName(locale, a) }));
  // the category codes a control of a qualitative, ordinal or nominal item may be expected to read
  const categoryCodes = [...new Set(catalogue.flatMap((a) => (a.kind !== 'quantitative' ? (a.categories ?? []).map((c) => c.code) : [])))];
  const names = new Map(analytes.map((a) => [a.code, a.name]));
  const ruleItems = lotPage.analytes.map((code) => ({ code, name: names.get(code) ?? code }));
  const today = dayOf(Date.now());
  const lotColumns: Column<(typeof lots)[number]>[] = [
    { key: 'analyte', header: t('analyte'), cell: (l) => l.analyte },
    { key: 'level', header: t('level'), cell: (l) => l.level },
    { key: 'lot', header: t('lot'), cell: (l) => l.lot },
    { key: 'instrument', header: t('instrument'), cell: (l) => l.instrument || '—' },
    {
      key: 'expiry',
      header: t('expiry'),
      className: 'whitespace-nowrap',
      cell: (l) => (
        <>
          <Expiry expiresOn={l.expiresOn} today={today} />
          <LotExpiryForm action={lotExpiryAction} controlLotId={l.id} expiresOn={l.expiresOn} lot={l.lot} />
        </>
      ),
    },
    { key: 'expected', header: t('expected'), cell: (l) => l.expectedCategory ?? '—' },
    { key: 'mean', header: t('mean'), cell: (l) => fmt(l.mean, 4) },
    { key: 'sd', header: t('sd'), cell: (l) => fmt(l.sd, 4) },
    { key: 'source', header: t('source'), cell: (l) => (l.source ? <TargetHistory label={`${t(`sources.${l.source}`)} v${l.version}`} versions={l.history} locale={locale} /> : t('noTarget')) },
    { key: 'from', header: t('effectiveFrom'), className: 'whitespace-nowrap', cell: (l) => (l.effectiveFrom ? formatDateTime(l.effectiveFrom, locale) : '—') },
    {
      key: 'results',
      header: t('results'),
      cell: (l) => (
        <>
          {t('inControlCell', { results: l.inControl, days: l.inControlDays })}
          {l.baselineReady && <BaselineButton action={baselineAction} controlLotId={l.id} />}
        </>
      ),
    },
    { key: 'newLot', header: t('newLotTitle'), className: 'text-xs', cell: (l) => <NewLot lotId={l.id} proposal={l.proposal ?? undefined} /> },
  ];
  return (
    <div className="space-y-6">
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <section>
        <h2 className="mb-2 font-semibold">{t('setTitle')}</h2>
        <TargetForm action={setTargetAction} analytes={analytes} categoryCodes={categoryCodes} />
      </section>
      <section aria-labelledby="targets-import">
        <h2 id="targets-import" className="mb-2 font-semibold">
          {ti('title')}
        </h2>
        <ImportForm kind="targets" preview={previewTargetsCsvAction} commit={importTargetsCsvAction} templateHref={TARGETS_TEMPLATE} />
      </section>
      <section className="card overflow-x-auto">
        <h2 className="mb-3 font-semibold">{t('lotsTitle')}</h2>
        <DataTable columns={lotColumns} rows={lots} rowKey={(l) => l.id} rowProps={(l) => ({ 'data-lot': l.lot })} testId="lots" total={lotPage.total} page={req} searchParams={sp} prefix="lots_" filter={t('lotsFilter')} />
        <p className="mt-2 text-xs text-slate-500">{t('baselineHelp', { n: MIN_BASELINE_POINTS })}</p>
        <p className="mt-1 text-xs text-slate-500">{t('newLotHelp', { days: NEW_LOT_DAYS, n: MIN_BASELINE_POINTS })}</p>
      </section>
      <section className="card overflow-x-auto">
        <h2 className="mb-1 font-semibold">{t('choiceTitle')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('choiceHelp')}</p>
        <RuleChoicesTable
          rows={choices.rows}
          testId="rule-choices"
          empty={choicesReq.q ? undefined : t('noRuns')}
          paging={{ total: choices.total, page: choicesReq, searchParams: sp, prefix: 'choices_', filter: t('choicesFilter') }}
        />
      </section>
      <section className="card">
        <h2 className="mb-1 font-semibold">{t('runWindowTitle')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('runWindowHelp')}</p>
        <RunWindowForm action={setRunWindowAction} current={runWindowMinutes} min={MIN_RUN_WINDOW_MINUTES} max={MAX_RUN_WINDOW_MINUTES} />
      </section>
      <section className="card">
        <h2 className="mb-1 font-semibold">{t('rulesTitle')}</h2>
        <p className="mb-3 text-sm text-slate-600">{t('rulesHelp')}</p>
        <RuleSets items={ruleItems} selected={sp.rules} configs={configs} versions={choices.versions} all={WESTGARD_RULES} action={setRulesAction} searchParams={sp} />
      </section>
    </div>
  );
}

/** A lot's expiry day, marked when it has passed or comes within {@link EXPIRY_WARNING_DAYS}. */
async function Expiry({ expiresOn, today }: { expiresOn: string | null; today: string }) {
  const t = await getTranslations('iqc.targets');
  if (!expiresOn) return <span className="text-slate-500">{t('noExpiry')}</span>;
  const left = daysUntilExpiry(expiresOn, today);
  return (
    <span data-testid="lot-expiry">
      {expiresOn}
      {left < 0 ? <span className="badge-red ml-1">{t('expired')}</span> : left <= EXPIRY_WARNING_DAYS ? <span className="badge-amber ml-1">{t('expiresSoon', { days: left })}</span> : null}
    </span>
  );
}

/** A new lot's proposed targets (with the button that adopts them), or the days it still needs. */
async function NewLot({ lotId, proposal: p }: { lotId: number; proposal?: NewLotProposal }) {
  const t = await getTranslations('iqc.targets');
  if (!p) return '—';
  return (
    <span data-testid="new-lot">
      {p.targets ? (
        <>
          <span className="block">{t('newLotReady', { mean: fmt(p.targets.mean, 4), n: p.targets.n, sd: fmt(p.targets.sd, 4), lot: p.previous.lot })}</span>
          <NewLotButton action={newLotAction} controlLotId={lotId} />
        </>
      ) : (
        <span className="text-slate-500">{t('newLotDays', { days: p.days, needed: p.needed })}</span>
      )}
    </span>
  );
}

/** The lot's current version, and (folded) every version with when it took effect, who set it and why. */
async function TargetHistory({ label, versions, locale }: { label: string; versions: { version: number; mean: number; sd: number; source: string; effectiveFrom: number; reason: string | null; by: string | null }[]; locale: string }) {
  const t = await getTranslations('iqc.targets');
  if (versions.length < 2) return label;
  return (
    <details data-testid="target-history">
      <summary className="cursor-pointer whitespace-nowrap">{label}</summary>
      <table className="mt-1 text-xs">
        <caption className="sr-only">{t('historyCaption')}</caption>
        <thead>
          <tr className="text-left text-slate-500">
            <th className="pr-2 font-normal">v</th>
            <th className="pr-2 font-normal">{t('mean')}</th>
            <th className="pr-2 font-normal">{t('sd')}</th>
            <th className="pr-2 font-normal">{t('effectiveFrom')}</th>
            <th className="font-normal">{t('historyWhy')}</th>
          </tr>
        </thead>
        <tbody>
          {[...versions].reverse().map((v) => (
            <tr key={v.version} className="align-top">
              <td className="pr-2">{v.version}</td>
              <td className="pr-2">{fmt(v.mean, 4)}</td>
              <td className="pr-2">{fmt(v.sd, 4)}</td>
              <td className="whitespace-nowrap pr-2">{formatDateTime(v.effectiveFrom, locale)}</td>
              <td>
                {t(`sources.${v.source}` as 'sources.manufacturer')}
                {v.reason ? ` · ${v.reason}` : ''}
                {v.by ? <span className="block text-slate-500">{v.by}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
