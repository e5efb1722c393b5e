'use client';
// One result cell of the EQA submission form: a number for quantitative items, a choice of the
// item's categories (catalogue order, the reader's language, the category code as value) for
// qualitative, ordinal and nominal items. The server reads both through readItemValue.
import { useTranslations } from 'next-intl';

export interface ResultOption {
  code: string;
  label: string;
}

export function ResultInput({
  name,
  label,
  options,
  defaultValue,
}: {
  name: string;
  label: string;
  /** the item's categories; absent for a quantitative item */
  options?: ResultOption[] | null;
  defaultValue: string | number | null | undefined;
}) {
  const t = useTranslations('eqa.categorical');
  const current = defaultValue === null || defaultValue === undefined ? '' : String(defaultValue);
  if (!options?.length) return <input name={name} aria-label={label} inputMode="decimal" className="input w-24" defaultValue={current} />;
  return (
    <select name={name} aria-label={label} className="input w-36" defaultValue={options.some((o) => o.code === current) ? current : ''}>
      <option value="">{t('noAnswer')}</option>
      {options.map((o) => (
        <option key={o.code} value={o.code}>
          {/* the code too where the name does not show it (阴性 (negative)): CSV and API take the code */}
          {o.label.toLowerCase().includes(o.code.toLowerCase()) ? o.label : `${o.label} (${o.code})`}
        </option>
      ))}
    </select>
  );
}
