'use client';
// The fast entry grid: one row per analyte × level with its current lot; type the values, Enter
// moves to the next cell, Ctrl+Enter (or the button) saves, and each analyte's verdict shows at once.
import { useMemo, useRef, useState, useTransition } from 'react';
import { useTranslations } from 'next-intl';
import type { ActionState } from '@/lib/actions';
import type { FieldError } from '@/lib/errors';
import { localizeFieldError } from './error-text';
import { useErrorText } from '@/app/_components/error-text';

export interface GridRow {
  analyte: string;
  name: string;
  unit: string;
  level: string;
  lot: string;
  instrument: string;
  mean: number | null;
  sd: number | null;
  /** a qualitative, ordinal or nominal item: its categories (lowest first), the unit of its signal
   * and the category the lot must read */
  categories?: { code: string; name: string }[];
  signalUnit?: string | null;
  expected?: string | null;
  /** the lot's expiry day when it has passed (every lot of this level has expired) */
  expiredOn?: string;
}

interface Outcome {
  inserted: number;
  skipped: number;
  runs: { runId: number; analyte: string; status: string; violations: { rule: string; levels: string[] }[] }[];
}

const BADGE: Record<string, string> = { accepted: 'badge-green', warning: 'badge-amber', rejected: 'badge-red', no_target: 'badge-slate', excluded: 'badge-slate' };

function localNow(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function EntryGrid({
  rows: initial,
  analytes,
  operator,
  chartBase,
  save,
}: {
  rows: GridRow[];
  analytes: { code: string; name: string; unit: string; categories?: { code: string; name: string }[]; signalUnit?: string | null }[];
  operator: string;
  chartBase: string;
  save: (input: { results: unknown[] }) => Promise<ActionState<Outcome>>;
}) {
  const t = useTranslations('iqc.enter');
  const ts = useTranslations('iqc.status');
  const te = useTranslations('iqc.errors');
  const tr = te as unknown as (key: string, values?: Record<string, string>) => string;
  const errorText = useErrorText();
  const [rows, setRows] = useState<GridRow[]>(initial);
  const [values, setValues] = useState<string[]>(() => initial.map(() => ''));
  const [signals, setSignals] = useState<string[]>(() => initial.map(() => ''));
  const [measuredAt, setMeasuredAt] = useState(localNow);
  const [op, setOp] = useState(operator);
  const [result, setResult] = useState<ActionState<Outcome> | null>(null);
  const [sentRows, setSentRows] = useState<number[]>([]);
  const [pending, start] = useTransition();
  const inputs = useRef<(HTMLInputElement | HTMLSelectElement | null)[]>([]);
  const [addCode, setAddCode] = useState('');

  const verdicts = useMemo(() => new Map((result?.ok ? result.data!.runs : []).map((r) => [r.analyte, r])), [result]);
  const errorsByRow = useMemo(() => {
    const m = new Map<number, FieldError[]>();
    if (result && !result.ok) for (const e of result.errors ?? []) if (e.row) m.set(sentRows[e.row - 1], [...(m.get(sentRows[e.row - 1]) ?? []), e]);
    return m;
  }, [result, sentRows]);

  function submit() {
    // a cleared (or impossible) time would throw in toISOString and the click would do nothing
    const at = new Date(measuredAt);
    if (!measuredAt || Number.isNaN(at.getTime())) {
      setSentRows([]);
      setResult({ ok: false, code: 'invalid', message: t('measuredAtRequired') });
      return;
    }
    const picked: number[] = [];
    const results = rows.flatMap((r, i) => {
      if (!values[i].trim()) return [];
      picked.push(i);
      const signal = signals[i]?.trim();
      return [{ analyte: r.analyte, level: r.level, lot: r.lot, instrument: r.instrument, value: values[i].trim(), ...(signal ? { signal } : {}), measuredAt: at.toISOString(), operator: op }];
    });
    setSentRows(picked);
    if (!results.length) {
      setResult({ ok: false, code: 'invalid', message: t('nothing') });
      return;
    }
    start(async () => setResult(await save({ results })));
  }

  function onKey(e: React.KeyboardEvent<HTMLElement>, i: number) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Enter' || e.key === 'ArrowDown') {
      e.preventDefault();
      inputs.current[(i + 1) % rows.length]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      inputs.current[(i - 1 + rows.length) % rows.length]?.focus();
    }
  }

  function addAnalyte() {
    const a = analytes.find((x) => x.code === addCode);
    if (!a) return;
    // a categorical item: a negative and a (weak) positive control
    const levels = a.categories ? ['NEG', 'POS'] : ['1', '2'];
    const extra: GridRow[] = levels.map((level) => ({ analyte: a.code, name: a.name, unit: a.unit, level, lot: '', instrument: rows[0]?.instrument ?? '', mean: null, sd: null, ...(a.categories ? { categories: a.categories, signalUnit: a.signalUnit ?? null, expected: null } : {}) }));
    setRows([...rows, ...extra]);
    setValues([...values, '', '']);
    setSignals([...signals, '', '']);
    setAddCode('');
  }

  function newRun() {
    setValues(rows.map(() => ''));
    setSignals(rows.map(() => ''));
    setResult(null);
    setMeasuredAt(localNow());
    inputs.current[0]?.focus();
  }

  return (
    <div className="space-y-4">
      <div className="card flex flex-wrap items-end gap-4">
        <div>
          <label className="label" htmlFor="measuredAt">
            {t('measuredAt')}
          </label>
          <input id="measuredAt" type="datetime-local" className="input" value={measuredAt} onChange={(e) => setMeasuredAt(e.target.value)} />
        </div>
        <div>
          <label className="label" htmlFor="operator">
            {t('operator')}
          </label>
          <input id="operator" className="input" value={op} onChange={(e) => setOp(e.target.value)} maxLength={100} />
        </div>
        <div className="flex items-end gap-2">
          <div>
            <label className="label" htmlFor="add-analyte">
              {t('addAnalyte')}
            </label>
            <select id="add-analyte" className="input" value={addCode} onChange={(e) => setAddCode(e.target.value)}>
              <option value="">—</option>
              {analytes.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} · {a.name}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="btn-secondary" onClick={addAnalyte} disabled={!addCode}>
            {t('add')}
          </button>
        </div>
        <p className="text-xs text-slate-500">{t('keys')}</p>
      </div>

      {result && !result.ok && (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="entry-error">
          {result.code === 'invalid' && result.errors?.length ? t('invalid', { count: result.errors.length }) : errorText(result)}
        </div>
      )}
      {result?.ok && (
        <div role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-800" data-testid="entry-saved">
          {t('saved', { inserted: result.data!.inserted, skipped: result.data!.skipped })}{' '}
          <button type="button" className="ml-2 underline" onClick={newRun}>
            {t('newRun')}
          </button>
        </div>
      )}

      <div className="card overflow-x-auto">
        <table className="table" data-testid="entry-grid">
          <thead>
            <tr>
              <th>{t('analyte')}</th>
              <th>{t('level')}</th>
              <th>{t('lot')}</th>
              <th>{t('instrument')}</th>
              <th>{t('target')}</th>
              <th>{t('value')}</th>
              <th>{t('verdict')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => {
              const v = verdicts.get(r.analyte);
              const errs = errorsByRow.get(i);
              const firstOfAnalyte = i === 0 || rows[i - 1].analyte !== r.analyte;
              return (
                <tr key={`${r.analyte}|${r.level}|${i}`} data-analyte={r.analyte} data-level={r.level}>
                  <td>{firstOfAnalyte ? <span className="font-medium">{r.analyte}</span> : null} {firstOfAnalyte && <span className="text-xs text-slate-500">{r.name}</span>}</td>
                  <td>{r.level}</td>
                  <td>
                    <input
                      aria-label={t('lotOf', { analyte: r.analyte, level: r.level })}
                      className="input w-32"
                      value={r.lot}
                      onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, lot: e.target.value } : x)))}
                    />
                    {r.expiredOn && (
                      <span className="badge-red ml-1" data-testid="lot-expired">
                        {t('lotExpired', { day: r.expiredOn })}
                      </span>
                    )}
                  </td>
                  <td className="text-xs text-slate-600">{r.instrument || '—'}</td>
                  <td className="whitespace-nowrap text-xs text-slate-600">
                    {r.categories ? (
                      <span data-testid="expected">
                        {r.expected ? t('expects', { category: r.categories.find((c) => c.code === r.expected)?.name ?? r.expected }) : t('noExpected')}
                        {r.mean !== null && r.sd !== null ? ` · ${r.mean} ± ${r.sd} ${r.signalUnit ?? ''}` : ''}
                      </span>
                    ) : r.mean !== null && r.sd !== null ? (
                      `${r.mean} ± ${r.sd} ${r.unit}`
                    ) : (
                      t('noTarget')
                    )}
                  </td>
                  <td>
                    {r.categories ? (
                      <div className="flex items-center gap-2">
                        <select
                          ref={(el) => {
                            inputs.current[i] = el;
                          }}
                          aria-label={t('valueOf', { analyte: r.analyte, level: r.level })}
                          aria-invalid={!!errs}
                          className="input w-32"
                          value={values[i]}
                          onChange={(e) => setValues(values.map((x, j) => (j === i ? e.target.value : x)))}
                          onKeyDown={(e) => onKeyRow(e, i)}
                        >
                          <option value="">—</option>
                          {r.categories.map((c) => (
                            <option key={c.code} value={c.code}>
                              {c.name === c.code ? c.code : `${c.name} (${c.code})`}
                            </option>
                          ))}
                        </select>
                        <input
                          aria-label={t('signalOf', { analyte: r.analyte, level: r.level, unit: r.signalUnit ?? 'S/CO' })}
                          placeholder={r.signalUnit ?? 'S/CO'}
                          inputMode="decimal"
                          className="input w-20"
                          value={signals[i] ?? ''}
                          onChange={(e) => setSignals(rows.map((_, j) => (j === i ? e.target.value : (signals[j] ?? ''))))}
                        />
                      </div>
                    ) : (
                      <input
                        ref={(el) => {
                          inputs.current[i] = el;
                        }}
                        aria-label={t('valueOf', { analyte: r.analyte, level: r.level })}
                        aria-invalid={!!errs}
                        inputMode="decimal"
                        className="input w-28"
                        value={values[i]}
                        onChange={(e) => setValues(values.map((x, j) => (j === i ? e.target.value : x)))}
                        onKeyDown={(e) => onKeyRow(e, i)}
                      />
                    )}
                    {errs?.map((e, k) => {
                      const l = localizeFieldError(tr, te.has, errorText, e);
                      return (
                        <p key={k} className="field-error text-xs">
                          {l.field}: {l.message}
                        </p>
                      );
                    })}
                  </td>
                  <td>
                    {v && firstOfAnalyte ? (
                      <a href={`${chartBase}?analyte=${encodeURIComponent(r.analyte)}`} className={BADGE[v.status]} data-testid={`verdict-${r.analyte}`} data-status={v.status}>
                        {ts(v.status as 'accepted')}
                        {v.violations.length ? ` · ${v.violations.map((x) => x.rule).join(' ')}` : ''}
                      </a>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <button type="button" className="btn" onClick={submit} disabled={pending} data-testid="entry-save">
        {pending ? t('saving') : t('save')}
      </button>
    </div>
  );

  function onKeyRow(e: React.KeyboardEvent<HTMLElement>, i: number) {
    onKey(e, i);
  }
}
