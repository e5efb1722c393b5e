import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import type { CriterionLine, CvGroup } from '@/lib/services/read/own-lab';
import { CV_MIN_VALUES } from '@/lib/services/recognition/eligibility';

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
        // a categorical item: days with both controls (nominal: two known categories), and each control's days
        return l.controls ? t(`figures.iqcCoverage_${l.controls.rule}`, { ...v, ...l.controls }) : t('figures.iqcCoverage', v);
      case 'correctiveActions':
        return t('figures.correctiveActions', v);
      case 'cv':
        if (l.applicable === false) return t('figures.cvNotApplicable');
        return l.figure === null ? t('figures.cvNoData', { min: CV_MIN_VALUES }) : l.target === null || l.target === undefined ? t('figures.cvNoLimit', v) : t('figures.cv', v);
      default:
        return v.figure;
    }
  };
  return (
    <ul className="space-y-1 text-sm" data-testid="criteria">
      {lines.map((l) => (
        <li key={l.key} className="flex flex-wrap items-baseline gap-2" data-criterion={l.key} data-met={l.met} data-applicable={l.applicable !== false}>
          {l.applicable === false ? (
            <span className="badge-slate">{t('common.notApplicable')}</span>
          ) : (
            <span className={l.met ? 'badge-green' : 'badge-red'}>{l.met ? t('common.met') : t('common.notMet')}</span>
          )}
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
          {l.key === 'cv' && l.groups && l.groups.length > 0 && <CvGroupsTable groups={l.groups} />}
        </li>
      ))}
    </ul>
  );
}

/** The CV criterion's evidence: every instrument × lot × level group with n, CV and its verdict. */
async function CvGroupsTable({ groups }: { groups: CvGroup[] }) {
  const t = await getTranslations('recognition.cvGroups');
  return (
    <table className="table mt-1 w-full text-xs" data-testid="cv-groups">
      <caption className="text-left text-slate-500">{t('caption', { min: CV_MIN_VALUES })}</caption>
      <thead>
        <tr>
          <th>{t('instrument')}</th>
          <th>{t('lot')}</th>
          <th>{t('level')}</th>
          <th className="text-right">{t('n')}</th>
          <th className="text-right">{t('cv')}</th>
          <th>{t('verdict')}</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={`${g.instrument}|${g.lot}|${g.level}`} data-testid={`cv-group-${g.lot}-${g.level}`}>
            <td>{g.instrument || t('noInstrument')}</td>
            <td className="font-mono">{g.lot}</td>
            <td>{g.level}</td>
            <td className="text-right tabular-nums">{g.n}</td>
            <td className="text-right tabular-nums">{g.cv === null ? '—' : g.cv.toFixed(2)}</td>
            <td>{g.met === null ? <span className="badge-slate">{t('tooFew')}</span> : g.met ? <span className="badge-green">{t('within')}</span> : <span className="badge-red">{t('exceeds')}</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
