'use client';
import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis, Legend } from 'recharts';

/** Youden plot: each lab's result for sample A against sample B (anonymous), the lab's own point in red,
 * lines at the medians. Points along the diagonal show systematic error, scatter across it random error. */
export function YoudenPlot({
  points,
  own,
  sampleA,
  sampleB,
  labels,
}: {
  points: { x: number; y: number }[];
  own: { x: number; y: number } | null;
  sampleA: string;
  sampleB: string;
  labels: { others: string; yours: string };
}) {
  const all = own ? [...points, own] : points;
  if (!all.length) return null;
  const median = (a: number[]) => {
    const s = [...a].sort((p, q) => p - q);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const mx = median(all.map((p) => p.x));
  const my = median(all.map((p) => p.y));
  const fmt = (v: number) => Number(v.toPrecision(4)).toString();
  return (
    <div data-testid="eqa-youden" className="h-72 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 16, right: 16, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="x" name={sampleA} domain={['auto', 'auto']} tickFormatter={fmt} label={{ value: sampleA, position: 'insideBottom', offset: -8 }} />
          <YAxis type="number" dataKey="y" name={sampleB} domain={['auto', 'auto']} tickFormatter={fmt} label={{ value: sampleB, angle: -90, position: 'insideLeft' }} />
          <Tooltip />
          <Legend verticalAlign="top" />
          <ReferenceLine x={mx} stroke="#94a3b8" />
          <ReferenceLine y={my} stroke="#94a3b8" />
          <Scatter name={labels.others} data={points} fill="#1d5fbf" />
          {own && <Scatter name={labels.yours} data={[own]} fill="#dc2626" shape="diamond" />}
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
