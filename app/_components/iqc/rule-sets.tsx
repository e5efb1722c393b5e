// The targets page's Westgard rule sets, one item at a time (the page's `rules` search parameter,
// else the first item). A form per item on every visit weighed 2 KB an item, half a megabyte for a
// lab with a few hundred items; the rule set in force of every item stays in the table above it.
import { getLocale, getTranslations } from 'next-intl/server';
import { RulesForm } from './forms';
import { formatDateTime } from './format';
import { HiddenSearchParams, type SearchParams } from '@/app/_components/data-table';
import type { ActionState } from '@/lib/actions';
import type { ruleChoicesView } from '@/lib/services/iqc/rules';

export async function RuleSets(props: {
  /** the items the lab has control lots of, with their display names */
  items: { code: string; name: string }[];
  /** the `rules` search parameter as given (any text) */
  selected: string | undefined;
  configs: Map<string, string[]>;
  versions: Awaited<ReturnType<typeof ruleChoicesView>>['versions'];
  all: readonly string[];
  action: (prev: unknown, form: FormData) => Promise<ActionState<unknown>>;
  /** the page's other search parameters, kept when another item is shown */
  searchParams: SearchParams;
}) {
  const t = await getTranslations('iqc.targets');
  const locale = await getLocale();
  const { items } = props;
  if (!items.length) return <p className="text-sm text-slate-500">{t('rulesNone')}</p>;
  const item = items.find((i) => i.code === props.selected) ?? items[0];
  const versions = props.versions.filter((v) => v.analyte === item.code);
  return (
    <div className="space-y-3" id="rule-sets" data-testid="rule-sets">
      <form className="flex flex-wrap items-end gap-2" action="#rule-sets">
        <HiddenSearchParams searchParams={props.searchParams} except={['rules']} />
        <div>
          <label className="label" htmlFor="rules-item">
            {t('rulesItem')}
          </label>
          <select id="rules-item" name="rules" defaultValue={item.code} className="input">
            {items.map((i) => (
              <option key={i.code} value={i.code}>
                {i.code} · {i.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn-secondary">
          {t('rulesShow')}
        </button>
        <span className="text-xs text-slate-500">{t('rulesCount', { count: items.length })}</span>
      </form>
      <div data-testid="rule-set" data-analyte={item.code}>
        <p className="text-sm font-medium">
          {item.code} · {item.name}
        </p>
        {/* keyed by item: another item's checkboxes start from its own rule set */}
        <RulesForm key={item.code} action={props.action} analyte={item.code} current={props.configs.get(item.code) ?? null} all={props.all} />
        {versions.length > 0 && (
          <ul className="mt-1 text-xs text-slate-500" aria-label={t('versionsTitle')} data-testid={`rule-versions-${item.code}`}>
            {versions.map((v) => (
              <li key={v.version}>
                {t('versionLine', { version: v.version, from: v.effectiveFrom > 0 ? formatDateTime(v.effectiveFrom, locale) : '—', rules: v.rules.length ? v.rules.join(', ') : t('automatic') })}
                {v.reason ? ` · ${v.reason}` : ''}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
