// Status badges: one colour map per kind of status (EQA round, IQC run verdict, record activity),
// the text from the messages. Server components.
import { getTranslations } from 'next-intl/server';

const TONES = {
  round: { draft: 'badge-slate', notYetOpen: 'badge-slate', open: 'badge-blue', closed: 'badge-amber', evaluated: 'badge-amber', published: 'badge-green' },
  run: { accepted: 'badge-green', warning: 'badge-amber', rejected: 'badge-red', no_target: 'badge-slate', excluded: 'badge-slate' },
} as const;

/** A round's status (EQA) or a run's verdict (IQC, with the traffic-light dot) as a coloured badge. */
export async function StatusBadge({ kind, status }: { kind: keyof typeof TONES; status: string }) {
  const t = await getTranslations(kind === 'round' ? 'eqa.status' : 'iqc.status');
  const tone = (TONES[kind] as Record<string, string>)[status] ?? 'badge-slate';
  if (kind === 'round')
    return (
      <span className={tone} data-testid="round-status">
        {t(status as 'draft')}
      </span>
    );
  return (
    <span className={tone} data-status={status}>
      <span aria-hidden className="mr-1">●</span>
      {t(status as 'accepted')}
    </span>
  );
}

/** Active / inactive for labs, accounts and catalogue entries. */
export async function ActiveBadge({ active, inactiveTone = 'badge-red' }: { active: boolean; inactiveTone?: string }) {
  const t = await getTranslations('admin.status');
  return active ? <span className="badge-green">{t('active')}</span> : <span className={inactiveTone}>{t('inactive')}</span>;
}
