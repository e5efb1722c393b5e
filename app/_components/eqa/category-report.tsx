// The parts of a lab's EQA report for qualitative, ordinal and nominal items: the answer, target,
// accepted categories and grade distance of a results-table row, and the panel with the bar chart of
// all participants' answers to one sample (the lab's answer and the target marked).
import Link from 'next/link';
import { getLocale, getTranslations } from 'next-intl/server';
import type { ItemCategory } from '@/db/enums';
import type { sampleCategoryDistribution } from '@/lib/services/eqa/reports-categorical';
import { localText } from '@/app/_components/local-name';
import { CategoryChart } from './category-chart';

type Distribution = NonNullable<Awaited<ReturnType<typeof sampleCategoryDistribution>>>;

/** A category code's name in the reader's language (the code itself when the catalogue has no such category). */
export function categoryName(locale: string, categories: readonly ItemCategory[] | null, code: string | null): string {
  if (code === null) return '—';
  const c = categories?.find((x) => x.code === code);
  return c ? localText(locale, c.nameZh, c.nameEn) : code;
}

/** Why a categorical sample has no verdict, in the reader's language. */
export async function categoricalReason(reason: string | null, p: { n: number | null; agreeing: number | null; percent: number; min: number }): Promise<string> {
  const t = await getTranslations('eqa.categorical');
  if (!reason) return '';
  const known = ['no_consensus', 'multimodal', 'too_few_results', 'no_answers', 'unknown_category'] as const;
  const key = known.find((k) => k === reason);
  return key ? t(`reasons.${key}`, { n: p.n ?? 0, agreeing: p.agreeing ?? 0, percent: p.percent, min: p.min }) : reason;
}

/** How an answer stands against the target: grades below or above it (ordinal items), else agreement. */
function distanceText(t: Awaited<ReturnType<typeof getTranslations<'eqa.categorical'>>>, kind: string, d: number | null): string {
  if (d === null) return '—';
  if (kind !== 'ordinal') return d === 0 ? t('matches') : t('differs');
  return d === 0 ? t('onTarget') : d < 0 ? t('below', { d: -d }) : t('above', { d });
}

/** The cells of a categorical sample in the lab's results table. */
export async function categoricalCells(
  item: { kind: string; categories: ItemCategory[] | null },
  s: { category: string | null; targetCategory: string | null; targetBasis: string | null; gradeDistance: number | null; answers: number | null; agreeing: number | null },
  accepted: string[],
) {
  const t = await getTranslations('eqa.categorical');
  const locale = await getLocale();
  const name = (code: string | null) => categoryName(locale, item.categories, code);
  const basis = s.targetBasis === 'intended' || s.targetBasis === 'consensus' || s.targetBasis === 'mode' ? t(`basis.${s.targetBasis}`, { n: s.answers ?? 0, agreeing: s.agreeing ?? 0 }) : '—';
  return {
    value: s.category === null ? null : name(s.category),
    target: s.targetCategory === null ? t('noTarget') : name(s.targetCategory),
    accepted: accepted.length ? accepted.map(name).join(', ') : '—',
    distance: distanceText(t, item.kind, s.gradeDistance),
    basis,
  };
}

/** The chart panel of a categorical item: a sample chooser, the bar chart and its verdict line. */
export async function CategoryPanel({
  dist,
  samples,
  categories,
  hrefFor,
  scheme,
}: {
  dist: Distribution;
  samples: string[];
  categories: ItemCategory[] | null;
  hrefFor: (sample: string) => string;
  scheme: { consensusPercent: number; minPeerGroupSize: number };
}) {
  const t = await getTranslations('eqa');
  const locale = await getLocale();
  const name = (code: string | null) => categoryName(locale, categories, code);
  const reason = dist.acceptable === null ? await categoricalReason(dist.reason, { n: dist.n, agreeing: dist.agreeing, percent: scheme.consensusPercent, min: scheme.minPeerGroupSize }) : '';
  const basis = dist.basis ? t(`categorical.basis.${dist.basis}`, { n: dist.n, agreeing: dist.agreeing }) : '';
  return (
    <div data-testid="eqa-category-panel">
      <h3 className="mb-1 text-sm font-medium">{t('categorical.chartTitle', { sample: dist.sample })}</h3>
      <nav className="no-print mb-2 flex flex-wrap gap-2 text-xs" aria-label={t('report.chooseSample')}>
        {samples.map((s) => (
          <Link key={s} href={hrefFor(s)} className={s === dist.sample ? 'badge-blue' : 'badge-slate'}>
            {s}
          </Link>
        ))}
      </nav>
      <CategoryChart
        bars={dist.bars.map((b) => ({ code: b.code, label: localText(locale, b.nameZh, b.nameEn), count: b.count }))}
        labAnswer={dist.labAnswer}
        target={dist.target}
        accepted={dist.accepted}
        labels={{ count: t('categorical.labs'), yours: t('categorical.yours'), target: t('categorical.targetShort') }}
      />
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm" data-testid="eqa-category-verdict">
        <dt className="text-slate-500">{t('categorical.yourAnswer')}</dt>
        <dd data-testid="eqa-category-yours">{dist.labAnswer === null ? <span className="italic text-slate-500">{t('report.noResult')}</span> : name(dist.labAnswer)}</dd>
        <dt className="text-slate-500">{t('categorical.target')}</dt>
        <dd data-testid="eqa-category-target">
          {dist.target === null ? t('categorical.noTarget') : name(dist.target)}
          {basis && <span className="text-xs text-slate-500"> · {basis}</span>}
        </dd>
        <dt className="text-slate-500">{t('categorical.accepted')}</dt>
        <dd>{dist.accepted.length ? dist.accepted.map(name).join(', ') : '—'}</dd>
        <dt className="text-slate-500">{t('report.result')}</dt>
        <dd>
          {dist.labAnswer === null ? (
            <span className="badge-slate">{t('report.missing')}</span>
          ) : dist.acceptable === null ? (
            <span className="badge-slate">{t('report.notEvaluated')}</span>
          ) : dist.acceptable ? (
            <span className="badge-green">{t('report.acceptable')}</span>
          ) : (
            <span className="badge-red">{t('report.notAcceptable')}</span>
          )}
          {reason && <span className="ml-2 text-xs text-slate-600">{reason}</span>}
        </dd>
      </dl>
      <p className="mt-1 text-xs text-slate-500">{t('categorical.chartHelp', { n: dist.answers })}</p>
    </div>
  );
}
