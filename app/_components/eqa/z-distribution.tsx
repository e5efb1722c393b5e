'use client';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** Distribution of z over a round: bins of width 1 from ≤ −3 to ≥ 4 whose edges are the classes'
 * (db/queries/eqa-reports.ts zBins: 2 counts in 1…2, −3 in ≤ −3), coloured by class. */
export function ZDistribution({ bins, countLabel }: { bins: { bin: number; n: number }[]; countLabel: string }) {
  const all = Array.from({ length: 9 }, (_, i) => i - 4).map((b) => ({ bin: b, label: b === -4 ? '≤−3' : b === 4 ? '≥4' : `${b}…${b + 1}`, n: bins.find((x) => x.bin === b)?.n ?? 0 }));
  const colour = (b: number) => (b >= -2 && b < 2 ? '#16a34a' : b === -3 || b === 2 ? '#d97706' : '#dc2626');
  return (
    <div data-testid="eqa-z-distribution" className="h-56 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={all} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis allowDecimals={false} />
          <Tooltip formatter={(v) => [v, countLabel]} />
          <Bar dataKey="n">
            {all.map((d) => (
              <Cell key={d.bin} fill={colour(d.bin)} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
