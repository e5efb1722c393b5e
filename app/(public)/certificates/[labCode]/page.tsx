import { notFound } from 'next/navigation';
import { getLocale, getTranslations } from 'next-intl/server';
import { getDb } from '@/db/client';
import { isAppError } from '@/lib/errors';
import { publicOrigin } from '@/lib/origin';
import { certificateForLab, qrSvg } from '@/lib/services/recognition/certificates';
import { PrintButton } from '@/app/_components/print-button';

export const dynamic = 'force-dynamic';

/** The lab's printable certificate: recognised tests with marks and windows, and a QR code to the
 * lab's public verification page. */
export default async function CertificatePage({ params }: { params: Promise<{ labCode: string }> }) {
  const { labCode } = await params;
  const t = await getTranslations('recognition');
  const zh = (await getLocale()) === 'zh';
  let cert;
  try {
    cert = certificateForLab(getDb(), decodeURIComponent(labCode));
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
          <p className="mt-2 text-lg font-semibold">{zh ? lab.name : (lab.nameEn ?? lab.name)}</p>
          <p className="text-sm text-slate-600">
            {lab.code} · {zh ? lab.regionName : lab.regionNameEn}
          </p>
          <p className="mt-3 max-w-xl text-sm text-slate-700">{t('certificate.intro')}</p>
        </div>
        <figure className="shrink-0 text-center">
          <div className="h-40 w-40" data-testid="certificate-qr" dangerouslySetInnerHTML={{ __html: svg }} />
          <figcaption className="mt-1 text-xs text-slate-500">{t('certificate.scan')}</figcaption>
          <p className="max-w-40 break-all text-[10px] text-slate-400">{url}</p>
        </figure>
      </div>
      <p className="mt-4 text-sm text-slate-600">{t('certificate.asOf', { date: day })}</p>
      {recognised.length === 0 ? (
        <p className="mt-4 text-slate-600">{t('certificate.none')}</p>
      ) : (
        <table className="table mt-2">
          <thead>
            <tr>
              <th>{t('common.analyte')}</th>
              <th>{t('common.mark')}</th>
              <th>{t('common.validity')}</th>
              <th>{t('common.certificateNo')}</th>
            </tr>
          </thead>
          <tbody>
            {recognised.map((c) => (
              <tr key={c.id}>
                <td>
                  {c.analyteCode} · {zh ? c.analyteName : c.analyteNameEn}
                </td>
                <td className="font-semibold text-brand-700">{c.mark}</td>
                <td>{t('common.window', { from: c.validFrom, to: c.validTo })}</td>
                <td className="font-mono text-xs">{c.certificateNo}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="mt-6 flex justify-end">
        <PrintButton label={t('certificate.print')} />
      </div>
    </article>
  );
}
