import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { can } from '@/lib/auth/core';
import { getDb } from '@/db/client';
import { labByCode } from '@/lib/services/read/places';
import { accountsInScope } from '@/lib/services/read/accounts';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { VersionHistory } from '@/app/(admin)/admin/_components/version-history';

export default async function LabPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const db = getDb();
  const found = await labByCode(db, decodeURIComponent(code));
  const actor = await requirePage('lab.read', found ? { labId: found.lab.id, regionPath: found.regionPath } : undefined);
  if (!found) notFound();
  const { lab } = found;
  const t = await getTranslations('admin');
  const tc = await getTranslations('common');
  const locale = await getLocale();
  const format = await getFormatter();
  const managers = await accountsInScope(db, actor, { role: 'lab_manager', labCode: lab.code });
  const manage = can(actor, 'lab.manage', { labId: lab.id, regionPath: found.regionPath });
  const enc = encodeURIComponent(lab.code);
  return (
    <div data-testid="lab-detail">
      <PageHeader
        title={`${lab.code} · ${locale === 'zh' || !lab.nameEn ? lab.name : lab.nameEn}`}
        subtitle={lab.active ? undefined : t('status.inactive')}
        actions={
          <>
            {manage && (
              <Link href={`/regulator/labs/${enc}/edit`} className="btn">
                {tc('actions.edit')}
              </Link>
            )}
            <Link href={`/regulator/labs/${enc}/iqc`} className="btn-secondary">
              {t('labs.iqcLink')}
            </Link>
            <Link href={`/verify/labs/${enc}`} className="btn-secondary">
              {t('labs.verifyLink')}
            </Link>
          </>
        }
      />
      <dl className="card grid gap-x-6 gap-y-3 sm:grid-cols-2">
        {[
          [t('fields.nameZh'), lab.name],
          [t('fields.nameEn'), lab.nameEn ?? '—'],
          [t('fields.level'), tc(`labLevels.${lab.level}`)],
          [t('fields.region'), `${locale === 'zh' ? found.regionName : found.regionNameEn} (${found.regionCode})`],
          [t('fields.address'), lab.address ?? '—'],
          [t('fields.status'), lab.active ? t('status.active') : t('status.inactive')],
          [t('labs.createdAt'), format.dateTime(new Date(lab.createdAt), { dateStyle: 'medium' })],
          [t('labs.updatedAt'), format.dateTime(new Date(lab.updatedAt), { dateStyle: 'medium', timeStyle: 'short' })],
        ].map(([k, v]) => (
          <div key={k}>
            <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{k}</dt>
            <dd className="mt-0.5 text-sm text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
      <section className="mt-8" aria-labelledby="managers-title">
        <h2 id="managers-title" className="mb-2 text-lg font-semibold">
          {t('labs.managers')}
        </h2>
        {managers.length === 0 ? (
          <EmptyState title={t('users.empty')} />
        ) : (
          <ul className="card divide-y divide-slate-100 p-0">
            {managers.map((m) => (
              <li key={m.id} className="flex items-center gap-3 px-4 py-2 text-sm">
                <Link href={`/regulator/users/${m.id}`} className="font-medium text-brand-700 hover:underline">
                  {m.name}
                </Link>
                <span className="text-slate-600">{m.email}</span>
                {m.active ? <span className="badge-green">{t('status.active')}</span> : <span className="badge-red">{t('status.inactive')}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <VersionHistory entityType="lab" entityId={lab.id} fields={['name', 'nameEn', 'level', 'regionId', 'address', 'active']} />
    </div>
  );
}
