import Link from 'next/link';
import { getFormatter, getTranslations } from 'next-intl/server';
import { requirePage } from '@/lib/auth';
import { getDb } from '@/db/client';
import { listRounds } from '@/lib/services/eqa/rounds';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState } from '@/app/_components/empty-state';
import { StatusBadge } from '@/app/_components/eqa/status-badge';

export default async function LabEqaPage() {
  const actor = await requirePage('eqaRound.read');
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const rounds = listRounds(getDb(), actor);
  return (
    <div>
      <PageHeader title={t('lab.title')} subtitle={t('lab.subtitle', { lab: actor.labCode ?? '' })} />
      {rounds.length === 0 ? (
        <EmptyState title={t('lab.noRounds')} />
      ) : (
        <div className="card overflow-x-auto p-0">
          <table className="table" data-testid="eqa-lab-rounds">
            <thead>
              <tr>
                <th>{t('round.code')}</th>
                <th>{t('round.scheme')}</th>
                <th>{t('round.status')}</th>
                <th>{t('round.opensAt')}</th>
                <th>{t('round.closesAt')}</th>
                <th>{t('round.samples')}</th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={r.code}>
                  <td>
                    <Link href={`/lab/eqa/${encodeURIComponent(r.code)}`} className="font-medium text-brand-700 hover:underline">
                      {r.code}
                    </Link>
                  </td>
                  <td>{r.schemeName}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{format.dateTime(new Date(r.opensAt), { dateStyle: 'medium', timeStyle: 'short' })}</td>
                  <td>{format.dateTime(new Date(r.closesAt), { dateStyle: 'medium', timeStyle: 'short' })}</td>
                  <td className="text-xs">{r.samples.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
