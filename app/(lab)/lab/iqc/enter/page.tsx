import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { catalogueAnalytes } from '@/lib/services/read/catalogue';
import { lotsWithTargets } from '@/lib/services/iqc/views';
import { lotsInUse } from '@/lib/services/iqc/lot-expiry';
import { dayOf } from '@/lib/calendar';
import { PageHeader } from '@/app/_components/page-header';
import { EntryGrid, type GridRow } from '@/app/_components/iqc/entry-grid';
import { enterResultsAction } from '../actions';
import { localName, localText } from '@/app/_components/local-name';

export default async function EnterPage() {
  const actor = await requirePage('iqc.write');
  const t = await getTranslations('iqc.enter');
  const locale = await getLocale();
  const db = getDb();
  const today = dayOf(Date.now());
  const inUse = lotsInUse(await lotsWithTargets(db, actor), today);
  const catalogue = await catalogueAnalytes(db, { activeOnly: true });
  // a categorical item's row takes a category (a select) and an optional signal instead of a number
  const choices = new Map(
    catalogue.filter((a) => a.kind !== 'quantitative').map((a) => [a.code, { categories: (a.categories ?? []).map((c) => ({ code: c.code, name: localName(locale, c) })), signalUnit: a.signalUnit }]),
  );
  const rows: GridRow[] = inUse.map((l) => ({
    analyte: l.analyte,
    name: localText(locale, l.analyteNameZh, l.analyteNameEn),
    unit: l.unit,
    level: l.level,
    lot: l.lot,
    instrument: l.instrument,
    mean: l.mean,
    sd: l.sd,
    // no lot of it is usable today: its entries would be refused
    ...(l.expiresOn !== null && l.expiresOn < today ? { expiredOn: l.expiresOn } : {}),
    ...(choices.has(l.analyte) ? { ...choices.get(l.analyte)!, expected: l.expectedCategory } : {}),
  }));
  const analytes = catalogue.map((a) => ({ code: a.code, name: localName(locale, a), unit: a.unit, ...(choices.get(a.code) ?? {}) }));
  return (
    <div>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <EntryGrid rows={rows} analytes={analytes} operator={actor.name} chartBase="/lab/iqc/chart" save={enterResultsAction} />
    </div>
  );
}
