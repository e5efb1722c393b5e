'use client';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface CategoryBar {
  code: string;
  /** the category's name in the reader's language */
  label: string;
  count: number;
}

/**
 * Answers of every participant for one sample × categorical item (counts only, no identities), one
 * bar per category in the catalogue's order. The lab's own answer is drawn red and marked
 * `labels.yours`; the target (intended result, consensus or mode) is marked `labels.target`; the
 * categories accepted around it (±1 grade for ordinal items) are drawn green.
 */
export function CategoryChart({
  bars,
  labAnswer,
  target,
  accepted,
  labels,
}: {
  bars: CategoryBar[];
  labAnswer: string | null;
  target: string | null;
  /** categories that would have been acceptable (empty when the sample was not evaluated) */
  accepted: string[];
  labels: { count: string; yours: string; target: string };
}) {
  if (!bars.length) return null;
  const ok = new Set(accepted);
  const data = bars.map((b) => ({
    ...b,
    mark: [b.code === target ? labels.target : '', b.code === labAnswer ? labels.yours : ''].filter(Boolean).join(' · '),
  }));
  const fill = (code: string) => (code === labAnswer ? '#dc2626' : ok.has(code) ? '#16a34a' : '#1d5fbf');
  return (
    <div data-testid="eqa-category-chart" className="w-full">
      <div className="h-64 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 24, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" interval={0} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} />
            <Tooltip formatter={(v) => [v, labels.count]} />
            <Bar dataKey="count" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.code} fill={fill(d.code)} stroke={d.code === target ? '#0f2f5f' : undefined} strokeWidth={d.code === target ? 2 : 0} strokeDasharray={d.code === target ? '4 2' : undefined} />
              ))}
              <LabelList dataKey="mark" position="top" fontSize={11} fill="#0f2f5f" />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      {/* the same facts as text: for readers without the chart (print, screen readers, tests) */}
      <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" data-testid="eqa-category-counts">
        {data.map((d) => (
          <li key={d.code} data-testid={`eqa-category-${d.code}`} data-yours={d.code === labAnswer ? 'true' : undefined} data-target={d.code === target ? 'true' : undefined}>
            <span className={d.code === labAnswer ? 'font-semibold text-red-700' : ok.has(d.code) ? 'text-green-700' : undefined}>{d.label}</span>: {d.count}
            {d.mark && <span className="ml-1 text-slate-900">({d.mark})</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
