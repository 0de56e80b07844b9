// Every run's EWA validation loss against tokens seen, coloured by batch size, with the target:
// live while a sweep trains (curves grow as evaluations arrive), and for stored results. Small
// batches reach the target in fewer tokens; large ones in fewer steps but more tokens.
import { useId, useState } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import type { LossPanel } from './chart-model';
import { fmtNum } from './format';
import { formatCount } from '../util/format';
import { logTicks } from './cbs-chart';
import { ChartFrame, type LegendItem } from './chart-frame';
import { Term } from './glossary-view';

const TARGET_COLOR = '#c05621';

function LossPlot({ panel, height }: { panel: LossPanel; height: number }) {
  const tokens = panel.series.flatMap((s) => s.points.map((p) => p.tokens));
  const losses = panel.series.flatMap((s) => s.points.map((p) => p.loss));
  const lo = tokens.length ? Math.max(1, Math.min(...tokens)) : 1;
  const hi = tokens.length ? Math.max(...tokens) * 1.1 : 10;
  // Ticks every 0.5 nats (every 1 when the range is wide), the axis on whole ticks.
  const step = Math.max(...losses) - Math.min(...losses, panel.target ?? Infinity) > 4 ? 1 : 0.5;
  const yLo = Math.floor((Math.min(...losses, panel.target ?? Infinity) - 0.05) / step) * step;
  const yHi = Math.ceil((Math.max(...losses) + 0.05) / step) * step;
  const yTicks = Array.from({ length: Math.round((yHi - yLo) / step) + 1 }, (_, i) => +(yLo + i * step).toFixed(2));
  return (
    <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 560, height }}>
      <ComposedChart margin={{ top: 16, right: 16, bottom: 30, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="tokens" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={formatCount} allowDataOverflow label={{ value: 'tokens seen', position: 'insideBottom', offset: -18 }} />
        <YAxis type="number" domain={[yLo, yHi]} ticks={yTicks} tickFormatter={(v: number) => fmtNum(v, 3)} allowDataOverflow width={60} label={{ value: 'EWA validation loss', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
        {panel.series.map((s) => (
          <Line
            key={s.runId}
            data={s.points}
            dataKey="loss"
            name={`B = ${s.batchSize}, LR ${fmtNum(s.peakLr)}`}
            stroke={s.color}
            strokeWidth={s.reference ? 1 : 2}
            strokeDasharray={s.reference ? '4 3' : undefined}
            dot={s.points.length < 3}
            activeDot={false}
            isAnimationActive={false}
          />
        ))}
        {panel.target !== null && <ReferenceLine y={panel.target} stroke={TARGET_COLOR} strokeWidth={2} strokeDasharray="6 3" label={{ value: `target ${fmtNum(panel.target, 4)}`, position: 'insideBottomLeft', fill: TARGET_COLOR, fontSize: 13 }} />}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

export function LossCurves({ panels, height = 300, live = false }: { panels: LossPanel[]; height?: number; live?: boolean }) {
  const [chosen, setChosen] = useState(0);
  const id = useId();
  const panel = panels[Math.min(chosen, panels.length - 1)];
  if (!panel) return null;
  const legend: LegendItem[] = panel.batchSizes.map((b) => ({ label: `B = ${b.batchSize}`, color: b.color, kind: 'line' }));
  if (panel.series.some((s) => s.reference)) legend.push({ label: 'reference runs (dashed)', color: '#718096', kind: 'dash' });
  if (panel.target !== null) legend.push({ label: 'target', color: TARGET_COLOR, kind: 'dash' });
  const title = `EWA validation loss against tokens: ${panel.label}`;
  return (
    <figure className="loss-curves" data-testid="loss-chart" aria-label={title}>
      <figcaption>
        <Term id="ewa">EWA</Term> validation loss of every run against tokens seen{live ? ', as they train' : ''}
        {panels.length > 1 && (
          <>
            {' '}
            <label htmlFor={id} className="sr-only">
              measurement
            </label>
            <select id={id} value={chosen} onChange={(e) => setChosen(Number(e.target.value))}>
              {panels.map((p, i) => (
                <option key={p.key} value={i}>
                  {p.label}
                </option>
              ))}
            </select>
          </>
        )}
      </figcaption>
      {panel.series.every((s) => s.points.length === 0) ? (
        <p className="chart-empty">Waiting for the first evaluation…</p>
      ) : (
        <ChartFrame title={title} legend={legend} lines={[panel.target !== null ? `Target loss ${fmtNum(panel.target, 4)}: a run's steps to target are where its curve first crosses it.` : 'The target is set when the reference run finishes.']} pngName={`loss-${panel.label}`} height={height}>
          <LossPlot panel={panel} height={height} />
        </ChartFrame>
      )}
    </figure>
  );
}
