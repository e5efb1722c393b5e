import { notFound } from 'next/navigation';
import { getLocale, getTranslations } from 'next-intl/server';
import { withReadDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { publicOrigin } from '@/lib/origin';
import { certificateForLab, qrSvg } from '@/lib/services/recognition/certificates';
import { PrintButton } from '@/app/_components/print-button';
import { DataTable, type Column } from '@/app/_components/data-table';
import { localText } from '@/app/_components/local-name';

export const dynamic = 'force-dynamic';

/** The lab's printable certificate: recognised tests with marks and windows, and a QR code to the
 * lab's public verification page. */
export default async function CertificatePage({ params }: { params: Promise<{ labCode: string }> }) {
  const { labCode } = await params;
  const t = await getTranslations('recognition');
  const locale = await getLocale();
  let cert;
  try {
    cert = await withReadDb((db) => certificateForLab(db, decodeURIComponent(labCode)));
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
  const { lab, day, recognised } = cert;
  // the configured public origin (PUBLIC_URL), never a request header (this server's local address without it)
  const origin = publicOrigin() ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const url = `${origin}/verify/labs/${encodeURIComponent(lab.code)}`;
  const svg = await qrSvg(url);
  return (
    <article className="mx-auto max-w-4xl rounded-lg border-4 border-double border-brand-700 bg-white p-8 print:border-2" data-testid="certificate">
      <div className="flex items-start justify-between gap-6">
        <div>
          <h1 className="text-2xl font-bold text-brand-900">{t('certificate.heading')}</h1>
          <p className="mt-2 text-lg font-semibold">{localText(locale, lab.name, lab.nameEn)}</p>
          <p className="text-sm text-slate-600">
            {lab.code} · {localText(locale, lab.regionName, lab.regionNameEn)}
          </p>
          <p className="mt-3 max-w-xl text-sm text-slate-700">{t('certificate.intro')}</p>
          {!lab.active && (
            <p role="note" className="mt-3 max-w-xl rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="lab-inactive">
              {t('labPage.inactive')}
            </p>
          )}
        </div>
        <figure className="shrink-0 text-center">
          <div className="h-40 w-40" data-testid="certificate-qr" dangerouslySetInnerHTML={{ __html: svg }} />
          <figcaption className="mt-1 text-xs text-slate-500">{t('certificate.scan')}</figcaption>
          <p className="max-w-40 break-all text-[10px] text-slate-400">{url}</p>
        </figure>
      </div>
      <p className="mt-4 text-sm text-slate-600">{t('certificate.asOf', { date: day })}</p>
      <div className="mt-2">
        <DataTable
          columns={[
            { key: 'analyte', header: t('common.analyte'), cell: (c) => `${c.analyteCode} · ${localText(locale, c.analyteName, c.analyteNameEn)}` },
            { key: 'mark', header: t('common.mark'), className: 'font-semibold text-brand-700', cell: (c) => c.mark },
            { key: 'validity', header: t('common.validity'), cell: (c) => t('common.window', { from: c.validFrom, to: c.validTo }) },
            { key: 'no', header: t('common.certificateNo'), className: 'font-mono text-xs', cell: (c) => c.certificateNo },
          ] satisfies Column<(typeof recognised)[number]>[]}
          rows={recognised}
          rowKey={(c) => c.id}
          empty={t('certificate.none')}
        />
      </div>
      <div className="mt-6 flex justify-end">
        <PrintButton label={t('certificate.print')} />
      </div>
    </article>
  );
}
