import Link from 'next/link';
import { getFormatter, getLocale, getTranslations } from 'next-intl/server';
import type { listRounds } from '@/lib/services/eqa/rounds';
import { StatusBadge } from '@/app/_components/status-badge';

/** The rounds a lab or a regulator can see, each linking to `${hrefBase}/{code}`. */
export async function RoundTable({ rounds, hrefBase, testId }: { rounds: ReturnType<typeof listRounds>; hrefBase: string; testId: string }) {
  const t = await getTranslations('eqa');
  const format = await getFormatter();
  const zh = (await getLocale()) === 'zh';
  return (
    <div className="card overflow-x-auto p-0">
      <table className="table" data-testid={testId}>
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
                <Link href={`${hrefBase}/${encodeURIComponent(r.code)}`} className="font-medium text-brand-700 hover:underline">
                  {r.code}
                </Link>
              </td>
              <td>{zh ? r.schemeName : (r.schemeNameEn ?? r.schemeName)}</td>
              <td>
                <StatusBadge kind="round" status={r.status} />
              </td>
              <td>{format.dateTime(new Date(r.opensAt), { dateStyle: 'medium', timeStyle: 'short' })}</td>
              <td>{format.dateTime(new Date(r.closesAt), { dateStyle: 'medium', timeStyle: 'short' })}</td>
              <td className="text-xs">{r.samples.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
