import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { iqcAnalytes } from '@/lib/services/iqc/views';
import { PageHeader } from '@/app/_components/page-header';
import { localName } from '@/app/_components/local-name';

const SECTIONS = ['enter', 'import', 'corrective-actions', 'summary', 'targets'] as const;

export default async function IqcHome() {
  const actor = await requirePage('iqc.write');
  const t = await getTranslations('iqc.home');
  const locale = await getLocale();
  const analytes = await iqcAnalytes(getDb(), actor);
  return (
    <div data-testid="iqc-home">
      <PageHeader title={t('title')} subtitle={t('subtitle', { lab: actor.labCode ?? '' })} />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {SECTIONS.map((s) => (
          <Link key={s} href={`/lab/iqc/${s}`} className="card block hover:border-brand-600">
            <h2 className="font-semibold text-slate-900">{t(`sections.${s}.title`)}</h2>
            <p className="mt-1 text-sm text-slate-600">{t(`sections.${s}.help`)}</p>
          </Link>
        ))}
      </div>
      <section className="card mt-6">
        <h2 className="mb-3 font-semibold">{t('charts')}</h2>
        {analytes.length === 0 ? (
          <p className="text-sm text-slate-500">{t('noAnalytes')}</p>
        ) : (
          <ul className="flex flex-wrap gap-2">
            {analytes.map((a) => (
              <li key={a.code}>
                <Link className="badge-blue hover:underline" href={`/lab/iqc/chart?analyte=${encodeURIComponent(a.code)}`} title={localName(locale, a)}>
                  {a.code}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
