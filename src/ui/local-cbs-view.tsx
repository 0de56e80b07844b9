// Results of a local-CBS experiment (Merrill et al. 2025; docs/local-cbs.md): the local CBS against
// tokens seen, with the base run's gradient noise scale and, where the history holds a
// steps-to-target sweep of the same model and data, its B* on the same axes; each checkpoint's
// branch losses against k·B with the tolerance bar, so a person sees why the local CBS is what it
// is; the batch-size warmup against the constant batch; and a plain reading. All of it is
// src/cbs/local-cbs.ts's report.
import { useEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { analyzeLocalCbs, type LocalCbsPoint, type LocalCbsReport } from '../cbs/local-cbs';
import { sweepBStars, type SweepBStar } from '../cbs/local-cbs-sweeps';
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';
import type { History } from '../state/history';
import { formatCount } from '../util/format';
import { ChartFrame, type LegendItem } from './chart-frame';
import { logTicks } from './cbs-chart';
import { fmtNum } from './format';
import { Term } from './glossary-view';
import { useFocusOnSignal } from './results-view';
import { lossPanels, lossRunsOf } from './chart-model';
import { LossCurves } from './loss-curves';
import { targetOf } from '../experiment/results';

const COLORS = { cbs: '#1a365d', bounds: '#a0aec0', noise: '#718096', sweep: '#c05621', base: '#2f855a', within: '#2f855a', outside: '#c53030', bar: '#c05621' };

/** The B* of sweeps of the same model and data in the history (empty while loading or without a history). */
function useSweepBStars(config: ExperimentConfig, history: History | undefined): SweepBStar[] {
  const [found, setFound] = useState<SweepBStar[]>([]);
  useEffect(() => {
    if (!history) return;
    let live = true;
    void (async () => {
      const sweeps: { name: string; results: ExperimentResults }[] = [];
      for (const entry of await history.list()) {
        if (!entry.hasResults) continue;
        const opened = await history.open(entry.id);
        if (opened.ok && opened.results && (opened.config.kind ?? 'sweep') === 'sweep') sweeps.push({ name: opened.name, results: opened.results });
      }
      if (live) setFound(sweepBStars(config, sweeps));
    })();
    return () => {
      live = false;
    };
  }, [config, history]);
  return found;
}

const seqRange = (p: LocalCbsPoint) => (p.lower === null ? '—' : p.censored ? `≥ ${p.lower}` : `${p.lower}–${p.upper}`);

function curveLegend(report: LocalCbsReport, sweeps: SweepBStar[]): LegendItem[] {
  const items: LegendItem[] = [
    { label: 'local CBS (geometric mean of its interval)', color: COLORS.cbs, kind: 'line' },
    { label: 'interval: largest k·B within ε, next k·B tried', color: COLORS.bounds, kind: 'dot' },
    { label: `base batch B = ${report.baseBatch}`, color: COLORS.base, kind: 'dots' },
  ];
  if (report.noiseScale.some((n) => n.series.some((s) => s.bSimple !== null && s.bSimple > 0))) items.push({ label: 'gradient noise scale B_simple of the base run', color: COLORS.noise, kind: 'dash' });
  if (sweeps.length > 0) items.push({ label: 'B* of a steps-to-target sweep, at its D', color: COLORS.sweep, kind: 'dot' });
  return items;
}

function CurvePlot({ report, sweeps, height }: { report: LocalCbsReport; sweeps: SweepBStar[]; height: number }) {
  const known = report.points.filter((p) => p.estimate !== null);
  const estimates = known.map((p) => ({ tokens: p.tokens, y: p.estimate! }));
  const bounds = known.flatMap((p) => [{ tokens: p.tokens, y: p.lower! }, ...(p.upper !== null ? [{ tokens: p.tokens, y: p.upper }] : [])]);
  const noise = report.noiseScale.flatMap((n) => n.series.filter((s) => s.bSimple !== null && s.bSimple > 0).map((s) => ({ tokens: s.tokens, y: s.bSimple! })));
  const sweepPoints = sweeps.map((s) => ({ tokens: s.dataSize, y: s.bStar }));
  const ys = [...bounds, ...noise, ...sweepPoints, { y: report.baseBatch }].map((d) => d.y).filter((y) => y > 0);
  const xs = [...known, ...sweepPoints].map((d) => d.tokens);
  const yLo = Math.min(...ys) / 1.5;
  const yHi = Math.max(...ys) * 1.5;
  const xHi = xs.length ? Math.max(...xs) * 1.1 : 1;
  return (
    <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 640, height }}>
      <ComposedChart margin={{ top: 16, right: 16, bottom: 30, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="tokens" type="number" domain={[0, xHi]} tickFormatter={formatCount} allowDataOverflow label={{ value: 'tokens seen by the base run', position: 'insideBottom', offset: -18 }} />
        <YAxis
          type="number"
          scale="log"
          domain={[yLo, yHi]}
          ticks={logTicks(yLo, yHi)}
          tickFormatter={(v: number) => fmtNum(v, 2)}
          allowDataOverflow
          width={60}
          label={{ value: 'batch size (sequences)', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }}
        />
        <Tooltip formatter={(v) => fmtNum(Number(v))} labelFormatter={(l) => `${formatCount(Number(l))} tokens`} />
        <Line data={noise} dataKey="y" name="gradient noise scale B_simple" stroke={COLORS.noise} strokeDasharray="5 3" dot={false} activeDot={false} isAnimationActive={false} />
        <Scatter data={bounds} dataKey="y" name="interval" fill={COLORS.bounds} isAnimationActive={false} />
        <Line data={estimates} dataKey="y" name="local CBS" stroke={COLORS.cbs} strokeWidth={2} isAnimationActive={false} />
        {sweepPoints.length > 0 && <Scatter data={sweepPoints} dataKey="y" name="B* of a sweep" fill={COLORS.sweep} isAnimationActive={false} />}
        <ReferenceLine y={report.baseBatch} stroke={COLORS.base} strokeDasharray="2 3" ifOverflow="extendDomain" />
      </ComposedChart>
    </ResponsiveContainer>
  );
}

function CurveChart({ report, sweeps }: { report: LocalCbsReport; sweeps: SweepBStar[] }) {
  const known = report.points.some((p) => p.estimate !== null);
  const height = 340;
  const last = [...report.points].reverse().find((p) => p.lower !== null);
  const summary = last ? `Local CBS at ${formatCount(last.tokens)} tokens: ${seqRange(last)} sequences of ${report.context} tokens` : 'No local CBS yet';
  return (
    <div className="chart-body">
      <figure className="cbs-chart" data-testid="local-cbs-curve" aria-label="Local CBS against tokens seen">
        <figcaption>
          <strong>
            <Term id="local-cbs">Local CBS</Term> against tokens seen
          </strong>{' '}
          · batch sizes in sequences of {report.context} tokens
        </figcaption>
        {known ? (
          <ChartFrame title="Local CBS against tokens seen" legend={curveLegend(report, sweeps)} lines={[summary, report.reading]} pngName="local-cbs" height={height}>
            <CurvePlot report={report} sweeps={sweeps} height={height} />
          </ChartFrame>
        ) : (
          <p className="chart-empty">No checkpoint has a local CBS yet: each point appears when all its branches have finished.</p>
        )}
      </figure>
      <aside className="chart-side" aria-label="local CBS by checkpoint">
        <table className="local-cbs-table" data-testid="local-cbs-points">
          <caption>By checkpoint</caption>
          <thead>
            <tr>
              <th scope="col">tokens</th>
              <th scope="col">step</th>
              <th scope="col">local CBS</th>
              <th scope="col">estimate</th>
            </tr>
          </thead>
          <tbody>
            {report.points.map((p) => (
              <tr key={p.step}>
                <td>{formatCount(p.tokens)}</td>
                <td>{p.step}</td>
                <td>{seqRange(p)}</td>
                <td>{fmtNum(p.estimate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <dl>
          <dt>
            <Term id="noise-scale">Gradient noise scale</Term> of the base run
          </dt>
          <dd data-testid="local-cbs-noise">
            {report.noiseScale.map((n) => (n.estimate.summary !== null ? `B_simple ≈ ${fmtNum(n.estimate.summary)} sequences` : (n.estimate.note ?? 'not measured'))).join('; ') || '—'}
          </dd>
          {sweeps.length > 0 && (
            <>
              <dt>
                <Term id="b-star">B*</Term> of sweeps in the history
              </dt>
              <dd data-testid="local-cbs-sweeps">
                {sweeps.map((s) => `${fmtNum(s.bStar)} at D = ${formatCount(s.dataSize)} (“${s.name}”${s.lower !== null ? `, interval ${fmtNum(s.lower)}–${s.upper === null ? '∞' : fmtNum(s.upper)}` : ''})`).join('; ')}
              </dd>
            </>
          )}
        </dl>
      </aside>
    </div>
  );
}

const BRANCH_LEGEND: LegendItem[] = [
  { label: 'within tolerance', color: COLORS.within, kind: 'dot' },
  { label: 'not within tolerance', color: COLORS.outside, kind: 'dot' },
  { label: 'bar: best smaller batch + ε', color: COLORS.bar, kind: 'dash' },
];

function BranchChart({ point, report }: { point: LocalCbsPoint; report: LocalCbsReport }) {
  const B = report.baseBatch;
  const plotted = point.verdicts.filter((v) => v.loss !== null).map((v) => ({ batch: v.multiplier * B, loss: v.loss!, within: v.within }));
  // Each k's bar spans from the next smaller k to it, so even one bar shows as a segment.
  const bar = point.verdicts.flatMap((v, i) => (v.threshold === null || i === 0 ? [] : [{ batch: point.verdicts[i - 1].multiplier * B, bar: v.threshold }, { batch: v.multiplier * B, bar: v.threshold }]));
  const batches = point.verdicts.map((v) => v.multiplier * B);
  const lo = Math.min(...batches) / 1.3;
  const hi = Math.max(...batches) * 1.3;
  const height = 220;
  const title = `Branch losses at ${formatCount(point.tokens)} tokens`;
  return (
    <figure className="local-cbs-branches" data-testid="local-cbs-branches" aria-label={title}>
      <figcaption>
        At {formatCount(point.tokens)} tokens (step {point.step}): local CBS <strong>{seqRange(point)}</strong> sequences
      </figcaption>
      <ChartFrame title={title} legend={BRANCH_LEGEND} lines={[`local CBS ${seqRange(point)} sequences, ε = ${report.tolerance}`]} pngName={`local-cbs-branches-${point.step}`} height={height}>
        <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 360, height }}>
          <ComposedChart margin={{ top: 10, right: 12, bottom: 30, left: 4 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="batch" type="number" scale="log" domain={[lo, hi]} ticks={batches} allowDataOverflow label={{ value: 'branch batch k·B (sequences)', position: 'insideBottom', offset: -18 }} />
            <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(3)} width={56} />
            <Tooltip formatter={(v) => fmtNum(Number(v), 5)} labelFormatter={(l) => `batch ${l}`} />
            <Line data={bar} dataKey="bar" name="bar" stroke={COLORS.bar} strokeDasharray="5 3" dot={false} activeDot={false} isAnimationActive={false} />
            <Scatter data={plotted.filter((d) => d.within)} dataKey="loss" name="within tolerance" fill={COLORS.within} isAnimationActive={false} />
            <Scatter data={plotted.filter((d) => !d.within)} dataKey="loss" name="not within tolerance" fill={COLORS.outside} shape="cross" isAnimationActive={false} />
            {point.lower !== null && <ReferenceLine x={point.lower} stroke={COLORS.cbs} label={{ value: 'k*·B', position: 'insideTopLeft', fill: COLORS.cbs }} />}
          </ComposedChart>
        </ResponsiveContainer>
      </ChartFrame>
      <details className="notes">
        <summary>Why, branch by branch</summary>
        <ul>
          {point.verdicts.map((v) => (
            <li key={v.multiplier} className={v.within ? '' : 'warn'}>
              k = {v.multiplier} (B = {v.multiplier * B}): {v.reason}
            </li>
          ))}
        </ul>
      </details>
    </figure>
  );
}

function WarmupTable({ report }: { report: LocalCbsReport }) {
  const phases = report.schedule.map((p) => `${p.batchSize} from ${formatCount(p.fromTokens)} tokens (LR ${fmtNum(p.peakLr)})`).join(', then ');
  return (
    <section className="local-cbs-warmup" data-testid="local-cbs-warmup" aria-label="Batch-size warmup">
      <h3>Batch-size warmup</h3>
      <p>Proposed from the curve: batch {phases}.</p>
      {report.comparisons.length > 0 && (
        <table className="local-cbs-table">
          <thead>
            <tr>
              <th scope="col">replicate</th>
              <th scope="col">constant B: steps, tokens to target</th>
              <th scope="col">warmup: steps, tokens to target</th>
              <th scope="col">steps saved</th>
            </tr>
          </thead>
          <tbody>
            {report.comparisons.map((c) => (
              <tr key={c.replicate}>
                <td>{c.replicate}</td>
                <td>{c.constant.steps === null ? `not reached (${c.constant.status})` : `${c.constant.steps}, ${formatCount(c.constant.tokens)}`}</td>
                <td>{c.scheduled.steps === null ? `not reached (${c.scheduled.status})` : `${c.scheduled.steps}, ${formatCount(c.scheduled.tokens)}`}</td>
                <td data-testid="steps-saved">{c.stepsSaved === null ? '—' : `${Math.round(c.stepsSaved * 100)}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function LocalCbsView({ results, history, focusSignal }: { results: ExperimentResults; history?: History; focusSignal: number }) {
  const report = useMemo(() => analyzeLocalCbs(results), [results]);
  const sweeps = useSweepBStars(results.config, history);
  const section = useRef<HTMLElement>(null);
  useFocusOnSignal(section, focusSignal);
  const local = results.config.localCbs!;
  const curves = useMemo(() => lossPanels(lossRunsOf(results), (spec) => targetOf(results.targets, spec)), [results]);
  return (
    <section className="results" aria-labelledby="local-cbs-title" data-testid="local-cbs" ref={section} tabIndex={-1}>
      <h2 id="local-cbs-title">Results: the local critical batch size</h2>
      <p className="results-meta">
        {results.config.name}: base batch {local.baseBatch}, branches at k = {local.multipliers.join(', ')} for Δ = {formatCount(local.branchTokens)} tokens each, tolerance ε ={' '}
        {local.tolerance} nats, {local.loss === 'validation' ? 'validation loss (raw weights, full validation set)' : 'training loss'} smoothed with α = {local.smoothing}
        {results.finishedAt ? '' : ' (in progress)'}. Adapter: {results.adapter || 'unknown'}.
      </p>
      <p className="reading" data-testid="local-cbs-reading">
        {report.reading}
      </p>
      <CurveChart report={report} sweeps={sweeps} />
      <h3>Why: the branches at each checkpoint</h3>
      <div className="local-cbs-grid">
        {report.points.map((p) => (
          <BranchChart key={p.step} point={p} report={report} />
        ))}
      </div>
      <WarmupTable report={report} />
      <details className="loss-details">
        <summary>Loss curves of every run (base run, branches, warmup comparison)</summary>
        <LossCurves panels={curves} />
      </details>
    </section>
  );
}
