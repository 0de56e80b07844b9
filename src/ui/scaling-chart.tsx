// How B* scales: B* (in tokens) against model size and against data size, with the fitted power
// law, a sentence reading each, and optionally the paper's laws converted from 512-token
// sequences to tokens.
import { useId, useState } from 'react';
import { CartesianGrid, ComposedChart, ErrorBar, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScalingAnalysis, ScalingPanel } from './chart-model';
import type { PowerLawFit } from '../cbs/scaling';
import { PAPER_LAWS, paperLawTokens } from '../cbs/paper';
import { fmtNum } from './format';
import { formatCount } from '../util/format';
import { logTicks } from './cbs-chart';
import { ChartFrame, type LegendItem } from './chart-frame';
import { scalingReading } from './readings';
import { Term } from './glossary-view';

interface Overlay {
  name: string;
  color: string;
  points: { x: number; y: number }[];
}

function lawText(fit: PowerLawFit | null, xName: string): string {
  if (!fit || fit.c === null || fit.e === null) return '';
  const ei = fit.exponentInterval ? ` (exponent ${Math.round(fit.level * 100)}% interval ${fmtNum(fit.exponentInterval[0])} to ${fmtNum(fit.exponentInterval[1])})` : '';
  return `B* ≈ ${fmtNum(fit.c)} · ${xName}^${fmtNum(fit.e)} tokens${ei}`;
}

/** One scaling chart (B* against N or D) with its law and reading; the worked example shows one alone. */
export function ScalingPanelChart({
  title,
  xLabel,
  xName,
  data,
  overlay = [],
  testId,
  against,
  height = 300,
  compact = false,
}: {
  title: string;
  xLabel: string;
  xName: string;
  data: ScalingPanel;
  overlay?: Overlay[];
  testId: string;
  against: 'model' | 'data';
  height?: number;
  /** Without the caption and the law line above the reading (the worked example's heading says what it is). */
  compact?: boolean;
}) {
  const xs = data.points.map((p) => p.x);
  const lo = xs.length ? Math.min(...xs) / 2 : 1e4;
  const hi = xs.length ? Math.max(...xs) * 2 : 1e7;
  const fitLine: { x: number; fit: number }[] = [];
  if (data.fit?.c != null && data.fit.e != null) {
    for (let i = 0; i <= 24; i++) {
      const x = lo * (hi / lo) ** (i / 24);
      fitLine.push({ x, fit: data.fit.c * x ** data.fit.e });
    }
  }
  const ys = [...data.points.flatMap((p) => [p.y, p.y - p.err[0], p.y + p.err[1]]), ...fitLine.map((p) => p.fit), ...overlay.flatMap((o) => o.points.map((p) => p.y))].filter((y) => y > 0);
  const yLo = ys.length ? Math.min(...ys) / 1.5 : 1;
  const yHi = ys.length ? Math.max(...ys) * 1.5 : 10;
  const reading = scalingReading(data, against);
  const withIntervals = data.points.some((p) => p.err[0] > 0 || p.err[1] > 0);
  const legend: LegendItem[] = [{ label: withIntervals ? 'measured B* (bar: 90% interval)' : 'measured B*', color: '#1a365d', kind: 'dot' }];
  if (fitLine.length > 0) legend.push({ label: 'fitted power law', color: '#2b6cb0', kind: 'line' });
  for (const o of overlay) legend.push({ label: o.name, color: o.color, kind: 'dash' });
  return (
    <figure className="scaling-panel" data-testid={testId}>
      {!compact && (
        <figcaption>
          {title}
          {data.description ? <span className="hint-small"> ({data.description})</span> : null}
        </figcaption>
      )}
      {data.points.length === 0 ? null : (
        <ChartFrame title={title} legend={legend} lines={[lawText(data.fit, xName) || (data.note ?? ''), reading]} pngName={testId} height={height}>
          <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 480, height }}>
            <ComposedChart margin={{ top: 12, right: 16, bottom: 30, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="x" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={formatCount} allowDataOverflow label={{ value: xLabel, position: 'insideBottom', offset: -18 }} />
              <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} tickFormatter={formatCount} allowDataOverflow width={60} label={{ value: 'B* (tokens)', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
              <Tooltip formatter={(v) => formatCount(Number(v))} labelFormatter={(l) => `${xName} = ${formatCount(Number(l))}`} />
              {fitLine.length > 0 && <Line data={fitLine} dataKey="fit" name="fitted power law" stroke="#2b6cb0" dot={false} activeDot={false} isAnimationActive={false} />}
              {overlay.map((o) => (
                <Line key={o.name} data={o.points} dataKey="y" name={o.name} stroke={o.color} strokeDasharray="5 4" dot={false} activeDot={false} isAnimationActive={false} />
              ))}
              <Scatter data={data.points} dataKey="y" name="measured B*" fill="#1a365d" isAnimationActive={false}>
                {withIntervals && <ErrorBar dataKey="err" direction="y" width={6} stroke="#1a365d" strokeWidth={1.5} />}
              </Scatter>
            </ComposedChart>
          </ResponsiveContainer>
        </ChartFrame>
      )}
      {/* Without a fit the reading below already carries the note: it is not printed twice. */}
      {data.fit && !compact && (
        <p className="law" data-testid={`${testId}-law`}>
          {lawText(data.fit, xName) || data.note}
        </p>
      )}
      <p className="reading" data-testid={`${testId}-reading`}>
        {reading}
      </p>
    </figure>
  );
}

export function ScalingChart({ scaling }: { scaling: ScalingAnalysis }) {
  const [showPaper, setShowPaper] = useState(false);
  const id = useId();
  const xs = scaling.vsModel.points.map((p) => p.x);
  const lo = xs.length ? Math.min(...xs) / 2 : 1e4;
  const hi = xs.length ? Math.max(...xs) * 2 : 1e7;
  const overlay: Overlay[] = showPaper
    ? PAPER_LAWS.map((law, i) => ({
        name: `paper: ${law.id === 'chinchilla' ? 'Chinchilla (D ∝ N)' : 'fixed D = 3.07B'}`,
        color: i === 0 ? '#9b2c2c' : '#744210',
        points: Array.from({ length: 13 }, (_, k) => {
          const x = lo * (hi / lo) ** (k / 12);
          return { x, y: paperLawTokens(law, x) };
        }),
      }))
    : [];
  // A size the experiment never varies gets a line, not an empty chart, when the other one is varied
  // (the demo has one model; cbs-vs-model one data size). With neither varied both say what they need.
  const unvaried = (p: ScalingPanel) => p.points.length === 0 && p.description === null;
  const modelOnly = unvaried(scaling.vsData) && !unvaried(scaling.vsModel);
  const dataOnly = unvaried(scaling.vsModel) && !unvaried(scaling.vsData);
  return (
    <section className="scaling" aria-labelledby={`${id}-title`} data-testid="scaling-chart">
      <h3 id={`${id}-title`}>
        How <Term id="b-star">B*</Term> scales
      </h3>
      {!dataOnly && (
        <label className="overlay-toggle">
          <input type="checkbox" checked={showPaper} onChange={(e) => setShowPaper(e.target.checked)} /> overlay the paper&apos;s laws (converted from 512-token sequences to tokens; far outside their range at these sizes)
        </label>
      )}
      <div className={modelOnly || dataOnly ? 'scaling-panels single' : 'scaling-panels'}>
        {!dataOnly && <ScalingPanelChart title="B* against model size (non-embedding parameters)" xLabel="non-embedding parameters N" xName="N" data={scaling.vsModel} overlay={overlay} testId="scaling-model" against="model" />}
        {!modelOnly && <ScalingPanelChart title="B* against data size" xLabel="data size D (tokens)" xName="D" data={scaling.vsData} overlay={[]} testId="scaling-data" against="data" />}
      </div>
      {dataOnly && (
        <p className="hint" data-testid="scaling-model-hint">
          This experiment trains one model size, so it has no B* against model size: the CBS vs model size preset trains four.
        </p>
      )}
      {modelOnly && (
        <p className="hint" data-testid="scaling-data-hint">
          This experiment trains on one data size, so it has no B* against data size: the demo trains two, 4× apart.
        </p>
      )}
    </section>
  );
}
