'use client';
// Levey-Jennings chart: one panel per level (value, mean and ±1/2/3 SD of the target in force at
// each point, lot boundaries), or all levels as z-scores. Points are coloured by the run's verdict,
// violating points carry their rule names, and a flag marks a point whose run has a corrective action.
import { useState } from 'react';
import { useLocale, useTranslations } from 'next-intl';
import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartPanel, ChartPoint } from '@/lib/services/iqc/chart-view';

// the shapes the server computes (types only: nothing of the service reaches the browser)
export type LjPoint = ChartPoint;
export type LjPanel = ChartPanel;

const COLOUR: Record<string, string> = { accepted: '#16a34a', warning: '#d97706', rejected: '#dc2626', no_target: '#94a3b8', excluded: '#cbd5e1' };
const LEVEL_COLOURS = ['#1d5fbf', '#9333ea', '#0891b2', '#be185d'];

function useFormat() {
  const locale = useLocale();
  const day = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric' });
  const full = new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
  return { day: (t: number) => day.format(t), full: (t: number) => full.format(t) };
}

interface ShapeProps {
  cx?: number;
  cy?: number;
  payload?: LjPoint & { level?: string };
  fill?: string;
}

function PointShape({ cx, cy, payload, fill }: ShapeProps) {
  if (cx === undefined || cy === undefined || !payload) return null;
  const colour = COLOUR[payload.status] ?? '#64748b';
  return (
    <g data-testid="lj-point" data-status={payload.status} data-run={payload.runId} data-rules={payload.rules.join(' ')}>
      <circle cx={cx} cy={cy} r={payload.status === 'rejected' ? 5 : 3.5} fill={colour} stroke={fill && fill !== colour ? fill : '#fff'} strokeWidth={1} />
      {payload.rules.length > 0 && payload.status !== 'accepted' && (
        <text x={cx + 6} y={cy - 6} fontSize={10} fill={colour} fontWeight={600}>
          {payload.rules.join(' ')}
        </text>
      )}
      {payload.actionId !== null && (
        <text x={cx - 4} y={cy + 16} fontSize={11} fill={payload.actionStatus === 'open' ? '#dc2626' : '#16a34a'} data-testid="lj-action">
          ⚑
        </text>
      )}
    </g>
  );
}

function PointTooltip({ active, payload, unit }: { active?: boolean; payload?: readonly { payload?: LjPoint & { level?: string } }[]; unit: string }) {
  const t = useTranslations('iqc.chart');
  const ts = useTranslations('iqc.status');
  const f = useFormat();
  const p = active ? payload?.find((x) => x.payload && 'resultId' in x.payload)?.payload : undefined;
  if (!p) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white p-2 text-xs shadow" data-testid="lj-tooltip">
      <p className="font-semibold">{f.full(p.t)}</p>
      <p>
        {t('value')}: {p.value} {unit} · z: {p.z === null ? '—' : p.z.toFixed(2)}
      </p>
      <p>
        {t('lot')}: {p.lot} {p.level ? `· ${t('level')} ${p.level}` : ''}
      </p>
      <p>
        {t('verdict')}: {ts(p.status as 'accepted')}
      </p>
      {p.operator && (
        <p>
          {t('operator')}: {p.operator}
        </p>
      )}
      {p.rules.length > 0 && (
        <p className="text-red-700">
          {t('violations')}: {p.rules.join(', ')}
        </p>
      )}
      {p.actionId !== null && (
        <p>
          {t('correctiveAction')}: {p.actionStatus === 'open' ? t('actionOpen') : t('actionResolved')}
        </p>
      )}
    </div>
  );
}

function LevelPanel({ panel, unit, index }: { panel: LjPanel; unit: string; index: number }) {
  const t = useTranslations('iqc.chart');
  const f = useFormat();
  const data = panel.points.map((p) => ({
    ...p,
    m3: p.mean !== null && p.sd !== null ? p.mean - 3 * p.sd : null,
    m2: p.mean !== null && p.sd !== null ? p.mean - 2 * p.sd : null,
    m1: p.mean !== null && p.sd !== null ? p.mean - p.sd : null,
    p1: p.mean !== null && p.sd !== null ? p.mean + p.sd : null,
    p2: p.mean !== null && p.sd !== null ? p.mean + 2 * p.sd : null,
    p3: p.mean !== null && p.sd !== null ? p.mean + 3 * p.sd : null,
  }));
  const limit = (k: 'm1' | 'm2' | 'm3' | 'p1' | 'p2' | 'p3', colour: string, dash: string) => (
    <Line dataKey={k} type="stepAfter" stroke={colour} strokeDasharray={dash} dot={false} isAnimationActive={false} connectNulls={false} legendType="none" activeDot={false} />
  );
  return (
    <figure className="card" data-testid={`lj-panel-${panel.level}`}>
      <figcaption className="mb-2 text-sm font-semibold">
        {t('level')} {panel.level} <span className="font-normal text-slate-500">({t('pointCount', { count: panel.points.length })})</span>
      </figcaption>
      <div style={{ width: '100%', height: 300 }}>
        <ResponsiveContainer>
          <ComposedChart data={data} margin={{ top: 16, right: 48, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="#e2e8f0" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={f.day} fontSize={11} />
            <YAxis type="number" domain={['auto', 'auto']} fontSize={11} width={56} />
            <Tooltip content={<PointTooltip unit={unit} />} />
            {panel.lotChanges.map((c) => (
              <ReferenceLine key={c.t} x={c.t} stroke="#64748b" strokeDasharray="2 2" label={{ value: `${t('lot')} ${c.lot}`, position: 'insideTopLeft', fontSize: 10, fill: '#475569' }} />
            ))}
            <Line dataKey="mean" type="stepAfter" stroke="#0f172a" dot={false} isAnimationActive={false} activeDot={false} />
            {limit('p1', '#94a3b8', '2 4')}
            {limit('m1', '#94a3b8', '2 4')}
            {limit('p2', '#d97706', '6 3')}
            {limit('m2', '#d97706', '6 3')}
            {limit('p3', '#dc2626', '')}
            {limit('m3', '#dc2626', '')}
            <Scatter dataKey="value" fill={LEVEL_COLOURS[index % LEVEL_COLOURS.length]} shape={(props: unknown) => <PointShape {...(props as ShapeProps)} />} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function ZPanel({ panels }: { panels: LjPanel[] }) {
  const t = useTranslations('iqc.chart');
  const f = useFormat();
  return (
    <figure className="card" data-testid="lj-panel-z">
      <figcaption className="mb-2 text-sm font-semibold">{t('zView')}</figcaption>
      <div style={{ width: '100%', height: 340 }}>
        <ResponsiveContainer>
          <ComposedChart margin={{ top: 16, right: 48, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="#e2e8f0" vertical={false} />
            <XAxis dataKey="t" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={f.day} fontSize={11} allowDuplicatedCategory={false} />
            <YAxis type="number" dataKey="z" domain={[-4, 4]} allowDataOverflow ticks={[-3, -2, -1, 0, 1, 2, 3]} fontSize={11} width={40} />
            <Tooltip content={<PointTooltip unit="" />} />
            <ReferenceLine y={0} stroke="#0f172a" />
            {[1, -1].map((y) => (
              <ReferenceLine key={y} y={y} stroke="#94a3b8" strokeDasharray="2 4" />
            ))}
            {[2, -2].map((y) => (
              <ReferenceLine key={y} y={y} stroke="#d97706" strokeDasharray="6 3" />
            ))}
            {[3, -3].map((y) => (
              <ReferenceLine key={y} y={y} stroke="#dc2626" />
            ))}
            {panels.map((p, i) => (
              <Scatter
                key={p.level}
                name={p.level}
                data={p.points.filter((x) => x.z !== null).map((x) => ({ ...x, level: p.level }))}
                dataKey="z"
                fill={LEVEL_COLOURS[i % LEVEL_COLOURS.length]}
                shape={(props: unknown) => <PointShape {...(props as ShapeProps)} />}
                isAnimationActive={false}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export function LjChart({ panels, unit }: { panels: LjPanel[]; unit: string }) {
  const t = useTranslations('iqc.chart');
  const [view, setView] = useState<'levels' | 'z'>('levels');
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-4 text-xs text-slate-600" role="group" aria-label={t('view')}>
        <button type="button" className={view === 'levels' ? 'btn' : 'btn-secondary'} aria-pressed={view === 'levels'} onClick={() => setView('levels')}>
          {t('perLevel')}
        </button>
        <button type="button" className={view === 'z' ? 'btn' : 'btn-secondary'} aria-pressed={view === 'z'} onClick={() => setView('z')}>
          {t('zView')}
        </button>
        {(['accepted', 'warning', 'rejected', 'no_target', 'excluded'] as const).map((s) => (
          <span key={s} className="inline-flex items-center gap-1">
            <span aria-hidden style={{ color: COLOUR[s] }}>
              ●
            </span>
            {t(`legend.${s}`)}
          </span>
        ))}
        <span>⚑ {t('correctiveAction')}</span>
      </div>
      {view === 'levels' ? panels.map((p, i) => <LevelPanel key={p.level} panel={p} unit={unit} index={i} />) : <ZPanel panels={panels} />}
    </div>
  );
}
