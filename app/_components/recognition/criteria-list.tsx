import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import type { CriterionLine } from '@/db/queries/recognition';

/** One line per criterion: met or not, the figure against its threshold, and the evidence link. */
export async function CriteriaList({ lines, links = true }: { lines: CriterionLine[]; links?: boolean }) {
  const t = await getTranslations('recognition');
  const figure = (l: CriterionLine) => {
    const v = { figure: String(l.figure ?? ''), target: String(l.target ?? '') };
    switch (l.key) {
      case 'listed':
        return l.figure ? t('figures.listed', { policy: String(l.figure) }) : t('figures.noPolicy');
      case 'eqaSatisfactory':
        return l.figure === null ? t('figures.eqaNone', v) : t('figures.eqaSatisfactory', v);
      case 'eqaNoUnsuccessful':
        // not met with nothing unsuccessful: there is no graded round to judge from
        return !l.met && l.figure === 0 ? t('figures.eqaNoRounds') : t('figures.eqaNoUnsuccessful', v);
      case 'iqcCoverage':
        return t('figures.iqcCoverage', v);
      case 'correctiveActions':
        return t('figures.correctiveActions', v);
      case 'cv':
        return l.figure === null ? t('figures.cvNoData') : l.target === null || l.target === undefined ? t('figures.cvNoLimit', v) : t('figures.cv', v);
      default:
        return v.figure;
    }
  };
  return (
    <ul className="space-y-1 text-sm" data-testid="criteria">
      {lines.map((l) => (
        <li key={l.key} className="flex flex-wrap items-baseline gap-2" data-criterion={l.key} data-met={l.met}>
          <span className={l.met ? 'badge-green' : 'badge-red'}>{l.met ? t('common.met') : t('common.notMet')}</span>
          <span className="font-medium">{t.has(`criteria.${l.key}`) ? t(`criteria.${l.key}` as 'criteria.listed') : l.key}</span>
          <span className="text-slate-600">{figure(l)}</span>
          {l.evidence &&
            (links ? (
              <Link href={l.evidence.href} className="text-brand-700 underline">
                {t(`evidenceKinds.${l.evidence.kind}`, { ref: l.evidence.ref })}
              </Link>
            ) : (
              <span className="text-slate-500">{t(`evidenceKinds.${l.evidence.kind}`, { ref: l.evidence.ref })}</span>
            ))}
        </li>
      ))}
    </ul>
  );
}
