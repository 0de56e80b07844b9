// The CBS chart: steps to target against batch size on log-log axes. The best run per batch size
// (solid), the other learning rates (faded), the fitted a + b/B, linear scaling from the baseline
// and the +overhead line, B* with its bootstrap interval, and the noise-scale estimate beside it.
import { useRef, useState } from 'react';
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  XAxis,
  YAxis,
} from 'recharts';
import type { MeasurementAnalysis } from './chart-model';
import { paperCurve } from '../cbs/fit';
import { fmtNum } from './format';
import { formatCount } from '../util/format';
import { ChartPngButton } from './ChartPngButton';

interface PointDatum {
  B: number;
  steps: number;
  runId: string;
  lr: number | null;
  status: string;
  best: boolean;
}

interface LineDatum {
  B: number;
  fit?: number;
  linear?: number;
  overhead?: number;
}

/** Log-spaced ticks at 1, 2, 5 × 10^k within [lo, hi]. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  if (!(lo > 0 && hi > lo)) return ticks;
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo && t <= hi) ticks.push(t);
    }
  }
  return ticks;
}

function powersOfTwo(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = 2 ** Math.floor(Math.log2(lo)); p <= hi; p *= 2) if (p >= lo) out.push(p);
  return out;
}

/** What hovering (or focusing) a point shows: the run behind it. */
function PointDetails({ d }: { d: PointDatum | null }) {
  if (!d) return <p className="hint-small">Hover a point to see its run.</p>;
  return (
    <div className="chart-tooltip" data-testid="point-tooltip">
      <strong>
        B = {d.B}: {fmtNum(d.steps, 4)} steps to target
      </strong>
      <div>
        peak LR {d.lr ?? '—'}
        {d.best ? ' (best at this B)' : ' (not the best at this B)'}
      </div>
      <div>status {d.status}</div>
      <div className="mono">{d.runId}</div>
    </div>
  );
}

/** Recharts hands the hovered scatter item; its datum is in `payload`. */
function datumOf(item: unknown): PointDatum | null {
  const payload = (item as { payload?: unknown } | null)?.payload as PointDatum | undefined;
  return payload && typeof payload.runId === 'string' ? payload : null;
}

export function CbsChart({ m }: { m: MeasurementAnalysis }) {
  const chartRef = useRef<HTMLDivElement>(null);
  const [hovered, setHovered] = useState<PointDatum | null>(null);
  const best: PointDatum[] = [];
  const faded: PointDatum[] = [];
  for (const p of m.points) {
    for (const r of p.runs) {
      if (r.steps === null) continue;
      const d = { B: p.batchSize, steps: r.steps, runId: r.runId, lr: r.peakLr, status: r.status, best: r.runId === p.bestRunId };
      (d.best ? best : faded).push(d);
    }
  }
  const allB = m.points.map((p) => p.batchSize);
  const allSteps = [...best, ...faded].map((d) => d.steps);
  const a = m.fit?.a ?? null;
  const b = m.fit?.b ?? null;
  const baseline = m.baselineBatch;
  const baseSteps = m.cbs?.baselineSteps ?? null;
  const bStar = m.cbs?.bStar ?? null;
  const lo = Math.max(1, Math.min(...allB, bStar ?? Infinity) / 2);
  const hi = Math.max(...allB, bStar ?? 0) * 2;
  const lines: LineDatum[] = [];
  if (Number.isFinite(lo) && Number.isFinite(hi) && allB.length > 0) {
    for (let i = 0; i <= 48; i++) {
      const B = lo * (hi / lo) ** (i / 48);
      const d: LineDatum = { B };
      if (a !== null && b !== null) d.fit = paperCurve(a, b, B);
      if (baseline !== null && baseSteps !== null && B >= baseline) {
        d.linear = (baseSteps * baseline) / B;
        d.overhead = (1 + m.overhead) * d.linear;
      }
      lines.push(d);
    }
  }
  const yValues = [...allSteps, ...lines.flatMap((l) => [l.fit, l.linear].filter((v): v is number => v !== undefined))].filter((v) => v > 0);
  const yLo = yValues.length ? Math.min(...yValues) / 1.3 : 1;
  const yHi = yValues.length ? Math.max(...yValues) * 1.3 : 10;
  const interval = m.interval?.status === 'ok' ? m.interval : null;
  const pct = Math.round(m.overhead * 100);
  const noise = m.noiseScale.median;

  return (
    <figure className="cbs-chart" data-testid="cbs-chart" aria-label={`Steps to target against batch size for ${m.label}`}>
      <figcaption>
        <strong>{m.label}</strong> · {formatCount(m.nonEmbeddingParams)} non-embedding parameters
      </figcaption>
      <div className="chart-body">
        <div className="chart-plot" ref={chartRef}>
          {best.length === 0 ? (
            <p className="chart-empty">No run has reached the target yet.</p>
          ) : (
            <ResponsiveContainer width="100%" height={400} initialDimension={{ width: 640, height: 400 }}>
              <ComposedChart margin={{ top: 10, right: 20, bottom: 30, left: 10 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis
                  dataKey="B"
                  type="number"
                  scale="log"
                  domain={[lo, hi]}
                  ticks={powersOfTwo(lo, hi)}
                  allowDataOverflow
                  label={{ value: 'batch size B (sequences)', position: 'insideBottom', offset: -15 }}
                />
                <YAxis
                  type="number"
                  scale="log"
                  domain={[yLo, yHi]}
                  ticks={logTicks(yLo, yHi)}
                  allowDataOverflow
                  label={{ value: 'steps to target', angle: -90, position: 'insideLeft' }}
                />
                <Legend verticalAlign="top" height={28} />
                {interval && interval.lower !== null && (
                  <ReferenceArea x1={Math.max(lo, interval.lower)} x2={Math.min(hi, interval.upper ?? hi)} fill="#d69e2e" fillOpacity={0.15} ifOverflow="hidden" />
                )}
                <Line data={lines} dataKey="fit" name="fit a + b/B" stroke="#2b6cb0" dot={false} isAnimationActive={false} />
                <Line data={lines} dataKey="linear" name="linear scaling" stroke="#718096" strokeDasharray="6 4" dot={false} isAnimationActive={false} />
                <Line data={lines} dataKey="overhead" name={`+${pct}% over linear`} stroke="#c05621" strokeDasharray="2 3" dot={false} isAnimationActive={false} />
                <Scatter data={faded} dataKey="steps" name="other learning rates" fill="#a0aec0" fillOpacity={0.45} isAnimationActive={false} onMouseEnter={(item: unknown) => setHovered(datumOf(item))} />
                <Scatter data={best} dataKey="steps" name="best run per B" fill="#1a365d" isAnimationActive={false} onMouseEnter={(item: unknown) => setHovered(datumOf(item))} />
                {bStar !== null && Number.isFinite(bStar) && (
                  <ReferenceLine x={bStar} stroke="#c05621" strokeWidth={2} label={{ value: `B* ≈ ${fmtNum(bStar)}`, position: 'insideTopRight', fill: '#c05621' }} ifOverflow="extendDomain" />
                )}
              </ComposedChart>
            </ResponsiveContainer>
          )}
        </div>
        <aside className="chart-side" data-testid="cbs-summary">
          <dl>
            <dt>B* ({pct}% rule, fitted)</dt>
            <dd data-testid="bstar">
              {bStar !== null ? (
                <>
                  <span data-testid="bstar-value">{fmtNum(bStar)}</span> sequences ({formatCount(bStar * m.model.context)} tokens)
                </>
              ) : (
                (m.cbs?.note ?? 'not available')
              )}
            </dd>
            <dt>Interval ({Math.round((m.interval?.level ?? 0.9) * 100)}% bootstrap)</dt>
            <dd data-testid="bstar-interval">
              {interval ? `${fmtNum(interval.lower)} – ${interval.upperUnbounded ? '∞' : fmtNum(interval.upper)}` : (m.interval?.note ?? '—')}
            </dd>
            <dt>Fit-free B*</dt>
            <dd>
              {m.raw?.bStar != null ? `${m.raw.lowerBound ? '≥ ' : ''}${m.raw.bStar}` : (m.raw?.note ?? '—')}
            </dd>
            <dt>Fit</dt>
            <dd>
              a = {fmtNum(a)}, b = {fmtNum(b)}, B_crit = b/a = {fmtNum(m.fit?.bCrit ?? null)}
            </dd>
            <dt>Baseline</dt>
            <dd>B = {baseline ?? '—'}</dd>
            <dt>Gradient noise scale</dt>
            <dd data-testid="noise-scale">
              {noise !== null ? `B_simple ≈ ${fmtNum(noise)} sequences` : (m.noiseScale.perBatch.find((r) => r.note)?.note ?? 'not measured')}
              <span className="hint-small"> (McCandlish et al.; often below the measured CBS, shown beside it, not instead)</span>
            </dd>
          </dl>
          {m.unreached.length > 0 && (
            <details className="unreached" data-testid="unreached">
              <summary>{m.unreached.length} run{m.unreached.length === 1 ? '' : 's'} never reached the target</summary>
              <ul>
                {m.unreached.map((o) => (
                  <li key={o.runId}>
                    B = {o.batchSize}, LR {o.peakLr}: {o.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {m.notes.length > 0 && (
            <ul className="notes">
              {m.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          )}
          <PointDetails d={hovered} />
          <details className="points-table" data-testid="points-table">
            <summary>Steps to target by batch size</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">B</th>
                  <th scope="col">R(B)</th>
                  <th scope="col">best LR</th>
                  <th scope="col">runs</th>
                </tr>
              </thead>
              <tbody>
                {m.points.map((p) => {
                  const d = best.find((x) => x.B === p.batchSize) ?? null;
                  return (
                    <tr key={p.batchSize}>
                      <td>
                        {d ? (
                          <button type="button" className="link-button" onClick={() => setHovered(d)} onFocus={() => setHovered(d)}>
                            {p.batchSize}
                          </button>
                        ) : (
                          p.batchSize
                        )}
                      </td>
                      <td>{p.steps === null ? 'not reached' : fmtNum(p.steps, 4)}</td>
                      <td>{p.bestLr ?? '—'}</td>
                      <td>{p.runs.length}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </details>
          <ChartPngButton target={chartRef} name={`cbs-${m.label}`} />
        </aside>
      </div>
    </figure>
  );
}
