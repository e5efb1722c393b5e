'use client';
import { Bar, CartesianGrid, ComposedChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** Histogram of every participant's value for one sample (values only), with the lab's value and
 * its acceptable range (assigned value ± allowed deviation) marked. */
export function ValueHistogram({
  values,
  labValue,
  lower,
  upper,
  assigned,
  labels,
}: {
  values: number[];
  labValue: number | null;
  lower: number | null;
  upper: number | null;
  assigned: number | null;
  labels: { count: string; yours: string; assigned: string; range: string };
}) {
  if (!values.length) return null;
  const lo = Math.min(...values, lower ?? Infinity, labValue ?? Infinity);
  const hi = Math.max(...values, upper ?? -Infinity, labValue ?? -Infinity);
  const bins = Math.min(30, Math.max(8, Math.ceil(Math.sqrt(values.length) * 2)));
  const width = hi > lo ? (hi - lo) / bins : 1;
  const data = Array.from({ length: bins }, (_, i) => ({ x: lo + (i + 0.5) * width, count: 0 }));
  for (const v of values) data[Math.min(bins - 1, Math.floor((v - lo) / width))].count++;
  const fmt = (v: number) => Number(v.toPrecision(4)).toString();
  return (
    <div data-testid="eqa-histogram" className="h-64 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 16, right: 16, bottom: 8, left: 0 }} barCategoryGap={1}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" domain={[lo - width, hi + width]} tickFormatter={fmt} />
          <YAxis allowDecimals={false} />
          <Tooltip formatter={(v) => [v, labels.count]} labelFormatter={(l) => fmt(Number(l))} />
          {lower !== null && upper !== null && <ReferenceArea x1={lower} x2={upper} fill="#16a34a" fillOpacity={0.1} label={{ value: labels.range, position: 'insideBottom', fontSize: 11 }} />}
          <Bar dataKey="count" fill="#1d5fbf" barSize={Math.max(4, 600 / bins - 2)} />
          {assigned !== null && <ReferenceLine x={assigned} stroke="#0f2f5f" strokeDasharray="4 2" label={{ value: labels.assigned, position: 'top', fontSize: 11 }} />}
          {labValue !== null && <ReferenceLine x={labValue} stroke="#dc2626" strokeWidth={2} label={{ value: labels.yours, position: 'insideTopRight', fill: '#dc2626', fontSize: 11 }} />}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
