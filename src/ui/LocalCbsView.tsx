// Results of a local-CBS experiment (Merrill et al. 2025): the local CBS against tokens seen, with
// the base run's gradient noise scale and, where the history holds a steps-to-target sweep of the
// same model and data, its B* on the same axes; each checkpoint's branch losses against k with the
// tolerance bar, so a person sees why the local CBS is what it is; the batch-size warmup against
// the constant batch; and a plain reading. All of it is src/cbs/local-cbs.ts's report.
import { useEffect, useMemo, useRef, useState } from 'react';
import { CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { analyzeLocalCbs, type LocalCbsPoint, type LocalCbsReport } from '../cbs/local-cbs';
import { sweepBStars, type SweepBStar } from '../cbs/local-cbs-sweeps';
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';
import type { History } from '../state/history';
import { formatCount } from '../util/format';
import { ChartPngButton } from './ChartPngButton';
import { logTicks } from './CbsChart';
import { fmtNum } from './format';

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

function CurveChart({ report, sweeps }: { report: LocalCbsReport; sweeps: SweepBStar[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const known = report.points.filter((p) => p.estimate !== null);
  const estimates = known.map((p) => ({ tokens: p.tokens, y: p.estimate! }));
  const bounds = known.flatMap((p) => [{ tokens: p.tokens, y: p.lower! }, ...(p.upper !== null ? [{ tokens: p.tokens, y: p.upper }] : [])]);
  const noise = report.noiseScale.flatMap((n) => n.series.filter((s) => s.bSimple !== null && s.bSimple > 0).map((s) => ({ tokens: s.tokens, y: s.bSimple! })));
  const sweepPoints = sweeps.map((s) => ({ tokens: s.dataSize, y: s.bStar, name: s.name }));
  const ys = [...bounds, ...noise, ...sweepPoints].map((d) => d.y).filter((y) => y > 0);
  const xs = [...known, ...sweepPoints].map((d) => d.tokens);
  const yLo = ys.length ? Math.min(...ys) / 1.5 : 1;
  const yHi = ys.length ? Math.max(...ys) * 1.5 : 100;
  const xHi = xs.length ? Math.max(...xs) * 1.1 : 1;
  return (
    <figure className="cbs-chart" data-testid="local-cbs-curve" aria-label="Local CBS against tokens seen">
      <figcaption>
        <strong>Local CBS against tokens seen</strong> (sequences of {report.context} tokens)
      </figcaption>
      <div className="chart-plot" ref={ref}>
        {known.length === 0 ? (
          <p className="chart-empty">No checkpoint has a local CBS yet.</p>
        ) : (
          <ResponsiveContainer width="100%" height={360} initialDimension={{ width: 640, height: 360 }}>
            <ComposedChart margin={{ top: 10, right: 20, bottom: 30, left: 10 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="tokens" type="number" domain={[0, xHi]} tickFormatter={formatCount} allowDataOverflow label={{ value: 'tokens seen by the base run', position: 'insideBottom', offset: -15 }} />
              <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} allowDataOverflow label={{ value: 'batch size (sequences)', angle: -90, position: 'insideLeft' }} />
              <Tooltip formatter={(v) => fmtNum(Number(v))} labelFormatter={(l) => `${formatCount(Number(l))} tokens`} />
              <Legend verticalAlign="top" height={28} />
              <Line data={noise} dataKey="y" name="gradient noise scale B_simple (base run)" stroke="#718096" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
              <Scatter data={bounds} dataKey="y" name="interval: largest k·B within ε, next k·B" fill="#a0aec0" shape="diamond" isAnimationActive={false} />
              <Line data={estimates} dataKey="y" name="local CBS (geometric mean of the interval)" stroke="#1a365d" strokeWidth={2} isAnimationActive={false} />
              {sweepPoints.length > 0 && <Scatter data={sweepPoints} dataKey="y" name="B* of a steps-to-target sweep (at its D)" fill="#c05621" shape="star" isAnimationActive={false} />}
              <ReferenceLine y={report.baseBatch} stroke="#2f855a" strokeDasharray="2 2" label={{ value: `base batch ${report.baseBatch}`, position: 'insideBottomRight', fill: '#2f855a' }} />
            </ComposedChart>
          </ResponsiveContainer>
        )}
      </div>
      <table className="local-cbs-table" data-testid="local-cbs-points">
        <thead>
          <tr>
            <th scope="col">tokens</th>
            <th scope="col">step</th>
            <th scope="col">local CBS (sequences)</th>
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
      {sweeps.length > 0 && (
        <p className="hint-small" data-testid="local-cbs-sweeps">
          Steps-to-target B* from the history:{' '}
          {sweeps.map((s) => `${fmtNum(s.bStar)} sequences at D = ${formatCount(s.dataSize)} ("${s.name}"${s.lower !== null ? `, interval ${fmtNum(s.lower)}–${s.upper === null ? '∞' : fmtNum(s.upper)}` : ''})`).join('; ')}.
        </p>
      )}
      <ChartPngButton target={ref} name="local-cbs" />
    </figure>
  );
}

function BranchChart({ point, report }: { point: LocalCbsPoint; report: LocalCbsReport }) {
  const ref = useRef<HTMLDivElement>(null);
  const B = report.baseBatch;
  const plotted = point.verdicts.filter((v) => v.loss !== null).map((v) => ({ batch: v.multiplier * B, loss: v.loss!, within: v.within }));
  // Each k's bar spans from the next smaller k to it, so even one bar shows as a segment.
  const bar = point.verdicts.flatMap((v, i) => (v.threshold === null || i === 0 ? [] : [{ batch: point.verdicts[i - 1].multiplier * B, bar: v.threshold }, { batch: v.multiplier * B, bar: v.threshold }]));
  const batches = point.verdicts.map((v) => v.multiplier * B);
  const lo = Math.min(...batches) / 1.5;
  const hi = Math.max(...batches) * 1.5;
  return (
    <figure className="local-cbs-branches" data-testid="local-cbs-branches" aria-label={`Branch losses at ${point.tokens} tokens`}>
      <figcaption>
        At {formatCount(point.tokens)} tokens (step {point.step}): local CBS <strong>{seqRange(point)}</strong>
      </figcaption>
      <div ref={ref}>
        <ResponsiveContainer width="100%" height={240} initialDimension={{ width: 360, height: 240 }}>
          <ComposedChart margin={{ top: 10, right: 10, bottom: 30, left: 10 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="batch" type="number" scale="log" domain={[lo, hi]} ticks={batches} allowDataOverflow label={{ value: 'branch batch k·B', position: 'insideBottom', offset: -15 }} />
            <YAxis type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(3)} width={60} />
            <Tooltip formatter={(v) => fmtNum(Number(v), 5)} labelFormatter={(l) => `batch ${l}`} />
            <Line data={bar} dataKey="bar" name="bar: least smaller-k loss + ε" stroke="#c05621" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
            <Scatter data={plotted.filter((d) => d.within)} dataKey="loss" name="within tolerance" fill="#2f855a" isAnimationActive={false} />
            <Scatter data={plotted.filter((d) => !d.within)} dataKey="loss" name="not within tolerance" fill="#c53030" shape="cross" isAnimationActive={false} />
            {point.lower !== null && <ReferenceLine x={point.lower} stroke="#1a365d" label={{ value: 'k*·B', position: 'insideTopLeft', fill: '#1a365d' }} />}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <ul className="notes">
        {point.verdicts.map((v) => (
          <li key={v.multiplier} className={v.within ? '' : 'warn'}>
            k = {v.multiplier} (B = {v.multiplier * B}): {v.reason}
          </li>
        ))}
      </ul>
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

export function LocalCbsView({ results, history }: { results: ExperimentResults; history?: History }) {
  const report = useMemo(() => analyzeLocalCbs(results), [results]);
  const sweeps = useSweepBStars(results.config, history);
  const local = results.config.localCbs!;
  return (
    <section className="results" aria-labelledby="local-cbs-title" data-testid="local-cbs">
      <h2 id="local-cbs-title">Local critical batch size</h2>
      <p className="results-meta">
        {results.config.name}: base batch {local.baseBatch}, branches at k = {local.multipliers.join(', ')} for Δ = {formatCount(local.branchTokens)} tokens, ε = {local.tolerance},{' '}
        {local.loss === 'validation' ? 'validation' : 'training'} loss smoothed with α = {local.smoothing}
        {results.finishedAt ? '' : ' (in progress)'} · adapter: {results.adapter || 'unknown'}
      </p>
      <p className="reading" data-testid="local-cbs-reading">
        {report.reading}
      </p>
      <CurveChart report={report} sweeps={sweeps} />
      <div className="local-cbs-grid">
        {report.points.map((p) => (
          <BranchChart key={p.step} point={p} report={report} />
        ))}
      </div>
      <WarmupTable report={report} />
    </section>
  );
}
