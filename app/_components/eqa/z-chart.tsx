'use client';
import { CartesianGrid, ReferenceArea, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';

/** z (or z′) of one analyte's samples across rounds: ±2 (warning) and ±3 (action) lines. */
export function ZScoreChart({ points, rounds }: { points: { round: string; sample: string; z: number }[]; rounds: string[] }) {
  const data = points.map((p) => ({ ...p, x: rounds.indexOf(p.round), zc: Math.max(-5, Math.min(5, p.z)) }));
  return (
    <div data-testid="eqa-z-chart" className="h-48 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="x" domain={[-0.5, rounds.length - 0.5]} ticks={rounds.map((_, i) => i)} tickFormatter={(i: number) => rounds[i] ?? ''} />
          <YAxis type="number" dataKey="zc" domain={[-5, 5]} ticks={[-4, -3, -2, 0, 2, 3, 4]} />
          <ReferenceArea y1={-2} y2={2} fill="#16a34a" fillOpacity={0.08} />
          <ReferenceLine y={2} stroke="#d97706" strokeDasharray="4 2" />
          <ReferenceLine y={-2} stroke="#d97706" strokeDasharray="4 2" />
          <ReferenceLine y={3} stroke="#dc2626" />
          <ReferenceLine y={-3} stroke="#dc2626" />
          <Tooltip formatter={(v, name, item) => (name === 'zc' ? [(item.payload as { z: number }).z.toFixed(2), `z · ${(item.payload as { sample: string }).sample}`] : [String(v), String(name)])} />
          <Scatter data={data} fill="#1d5fbf" />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
