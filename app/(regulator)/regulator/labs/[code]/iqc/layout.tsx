import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import { PageHeader } from '@/app/_components/page-header';
import { requireLabIqc } from '@/app/_components/iqc/require-lab';

/** A regulator's read-only view of one lab's IQC: 403 outside their region, 404 for an unknown lab. */
export default async function Layout({ children, params }: { children: React.ReactNode; params: Promise<{ code: string }> }) {
  const { code, lab, base } = await requireLabIqc(params);
  const t = await getTranslations('iqc.regulator');
  const locale = await getLocale();
  return (
    <div data-testid="regulator-iqc">
      <PageHeader title={t('title', { lab: code })} subtitle={locale === 'zh' || !lab.nameEn ? lab.name : lab.nameEn} />
      <nav className="mb-4 flex flex-wrap gap-4 text-sm" aria-label={t('nav')}>
        <Link className="text-brand-700 hover:underline" href={`/regulator/labs/${encodeURIComponent(code)}`}>
          {t('back')}
        </Link>
        <Link className="text-brand-700 hover:underline" href={base}>
          {t('dashboard')}
        </Link>
        <Link className="text-brand-700 hover:underline" href={`${base}/chart`}>
          {t('charts')}
        </Link>
        <Link className="text-brand-700 hover:underline" href={`${base}/summary`}>
          {t('summary')}
        </Link>
        <Link className="text-brand-700 hover:underline" href={`${base}/corrective-actions`}>
          {t('actions')}
        </Link>
      </nav>
      <p className="mb-4 text-xs text-slate-500">{t('readOnly')}</p>
      {children}
    </div>
  );
}
