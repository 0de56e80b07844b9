// The CBS chart: steps to target against batch size on log-log axes. The best run per batch size
// (solid; with seed replicates, the seeds' geometric mean, each seed's best beside it), the other
// learning rates (faded), the fitted a + b/B, perfect scaling from the baseline
// and the +overhead line, B* with its bootstrap interval, a sentence that reads the result, and
// (full view) the numbers beside it, the noise scale, and the paper's curves on normalised axes.
import { useId, useMemo, useState } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceArea, ReferenceLine, ResponsiveContainer, Scatter, XAxis, YAxis } from 'recharts';
import type { BatchPoint } from '../cbs/steps-to-target';
import { normalisedMeasurement, paperNormalisedCurves, stepsDots, stepsLines, type MeasurementAnalysis, type StepsDot } from './chart-model';
import { fmtNum } from './format';
import { formatCount } from '../util/format';
import { ChartFrame, type LegendItem } from './chart-frame';
import { measurementReading } from './readings';
import { Term } from './glossary-view';

type PointDatum = StepsDot;
type Dots = ReturnType<typeof stepsDots>;

const COLORS = { best: '#1a365d', seed: '#4299e1', faded: '#a0aec0', fit: '#2b6cb0', linear: '#4a5568', overhead: '#c05621', interval: '#d69e2e', paper: '#9b2c2c' };

/** Log-spaced ticks within [lo, hi]: 1, 2, 5 × 10^k, or finer mantissas when that leaves too few. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0 && hi > lo)) return [];
  const at = (mantissas: number[]) => {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const t = +(m * 10 ** e).toPrecision(6);
        if (t >= lo && t <= hi) ticks.push(t);
      }
    }
    return ticks;
  };
  const coarse = at([1, 2, 5]);
  if (coarse.length >= 4) return coarse;
  const finer = at([1, 1.5, 2, 3, 4, 5, 6, 8]);
  return finer.length >= 3 ? finer : at([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]);
}

function powersOfTwo(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let p = 2 ** Math.floor(Math.log2(lo)); p <= hi; p *= 2) if (p >= lo) out.push(p);
  return out;
}

/** What hovering (or focusing) a point shows: the run behind it. */
function PointDetails({ d }: { d: PointDatum | null }) {
  if (!d) return <p className="hint-small">Hover a point, or pick a batch size in the table, to see its run.</p>;
  if (d.role === 'mean') {
    return (
      <div className="chart-tooltip" data-testid="point-tooltip">
        <strong>
          B = {d.B}: {fmtNum(d.steps, 4)} steps to target
        </strong>
        <div>the geometric mean of the {d.seeds} seeds&apos; best runs at this B</div>
      </div>
    );
  }
  const role = { best: ' (best at this B)', seed: " (this seed's best at this B)", other: ' (not the best at this B)' }[d.role];
  return (
    <div className="chart-tooltip" data-testid="point-tooltip">
      <strong>
        B = {d.B}: {fmtNum(d.steps, 4)} steps to target
      </strong>
      <div>
        peak LR {fmtNum(d.lr)}
        {role}
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

/** "B* ≈ 14.4 sequences (461 tokens), 90% interval 12.1 – 17.3": the line a PNG carries. */
export function bStarLine(m: MeasurementAnalysis): string {
  const bStar = m.cbs?.bStar ?? null;
  if (bStar === null) return `B*: ${m.cbs?.note ?? 'not available'}`;
  const interval = m.interval?.status === 'ok' && m.interval.lower !== null ? `, ${Math.round(m.interval.level * 100)}% interval ${fmtNum(m.interval.lower)} – ${m.interval.upperUnbounded ? '∞' : fmtNum(m.interval.upper)}` : '';
  return `B* ≈ ${fmtNum(bStar)} sequences (${formatCount(bStar * m.model.context)} tokens)${interval}; ${Math.round(m.overhead * 100)}% rule, baseline B = ${m.baselineBatch ?? '—'}`;
}

function StepsPlot({ m, dots, height, onHover }: { m: MeasurementAnalysis; dots: Dots; height: number; onHover: (d: PointDatum | null) => void }) {
  const { main: best, seeds, others: faded } = dots;
  const allB = m.points.map((p) => p.batchSize);
  const baseline = m.baselineBatch;
  const baseSteps = m.cbs?.baselineSteps ?? null;
  const bStar = m.cbs?.bStar ?? null;
  const lo = Math.max(1, Math.min(...allB, bStar ?? Infinity) / 2);
  const hi = Math.max(...allB, bStar !== null && Number.isFinite(bStar) ? bStar : 0) * 2;
  const lines = stepsLines(lo, hi, m.fit, { batchSize: baseline, steps: baseSteps }, m.overhead);
  // The axis spans the points and the fit; the straight lines are clipped where they leave it.
  const yValues = [...best, ...seeds, ...faded].map((d) => d.steps).concat(lines.flatMap((l) => (l.fit === undefined ? [] : [l.fit]))).filter((v) => v > 0);
  const yLo = yValues.length ? Math.min(...yValues) / 1.3 : 1;
  const yHi = yValues.length ? Math.max(...yValues) * 1.3 : 10;
  const interval = m.interval?.status === 'ok' ? m.interval : null;
  return (
    <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 560, height }}>
      <ComposedChart margin={{ top: 16, right: 16, bottom: 30, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="B" type="number" scale="log" domain={[lo, hi]} ticks={powersOfTwo(lo, hi)} allowDataOverflow label={{ value: 'batch size B (sequences)', position: 'insideBottom', offset: -18 }} />
        <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} tickFormatter={formatCount} allowDataOverflow width={60} label={{ value: 'steps to target', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
        {interval && interval.lower !== null && (
          <ReferenceArea x1={Math.max(lo, interval.lower)} x2={Math.min(hi, interval.upper ?? hi)} fill={COLORS.interval} fillOpacity={0.18} ifOverflow="hidden" />
        )}
        <Line data={lines} dataKey="fit" name="fit a + b/B" stroke={COLORS.fit} strokeWidth={2} dot={false} activeDot={false} isAnimationActive={false} />
        <Line data={lines} dataKey="linear" name="perfect scaling" stroke={COLORS.linear} strokeDasharray="6 4" dot={false} activeDot={false} isAnimationActive={false} />
        <Line data={lines} dataKey="overhead" name={`+${Math.round(m.overhead * 100)}% over perfect`} stroke={COLORS.overhead} strokeDasharray="2 3" dot={false} activeDot={false} isAnimationActive={false} />
        <Scatter data={faded} dataKey="steps" name="other learning rates" fill={COLORS.faded} fillOpacity={0.6} isAnimationActive={false} onMouseEnter={(item: unknown) => onHover(datumOf(item))} />
        {seeds.length > 0 && <Scatter data={seeds} dataKey="steps" name="each seed's best run" fill={COLORS.seed} fillOpacity={0.8} isAnimationActive={false} onMouseEnter={(item: unknown) => onHover(datumOf(item))} />}
        <Scatter data={best} dataKey="steps" name={m.replicates > 1 ? 'R(B): mean over seeds' : 'best run per B'} fill={COLORS.best} isAnimationActive={false} onMouseEnter={(item: unknown) => onHover(datumOf(item))} />
        {bStar !== null && Number.isFinite(bStar) && (
          <ReferenceLine x={bStar} stroke={COLORS.overhead} strokeWidth={2} label={{ value: `B* ≈ ${fmtNum(bStar)}`, position: 'insideTopRight', fill: COLORS.overhead, fontSize: 13 }} ifOverflow="extendDomain" />
        )}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

function PaperPlot({ m, height }: { m: MeasurementAnalysis; height: number }) {
  const lab = normalisedMeasurement(m);
  const paper = paperNormalisedCurves(m.overhead);
  if (!lab) return <p className="chart-empty">The comparison needs a finite B* and a fit.</p>;
  const xs = [...lab.fit.map((p) => p.x), ...paper.flatMap((c) => c.points.map((p) => p.x))];
  const ys = [...lab.fit.map((p) => p.y), ...lab.points.map((p) => p.y), ...paper.flatMap((c) => c.points.map((p) => p.y))].filter((y) => y > 0);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const yLo = Math.min(...ys) / 1.2;
  const yHi = Math.max(...ys) * 1.2;
  return (
    <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 560, height }}>
      <ComposedChart margin={{ top: 16, right: 16, bottom: 30, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="x" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={(v: number) => fmtNum(v, 2)} allowDataOverflow label={{ value: 'B / B*', position: 'insideBottom', offset: -18 }} />
        <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} tickFormatter={(v: number) => fmtNum(v, 2)} allowDataOverflow width={60} label={{ value: 'steps ÷ steps at smallest B', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
        {paper.map((c, i) => (
          <Line key={c.name} data={c.points} dataKey="y" name={c.name} stroke={COLORS.paper} strokeOpacity={0.35 + 0.13 * i} strokeDasharray="5 4" dot={false} activeDot={false} isAnimationActive={false} />
        ))}
        <Line data={lab.fit} dataKey="y" name="lab fit" stroke={COLORS.fit} strokeWidth={2} dot={false} activeDot={false} isAnimationActive={false} />
        <Scatter data={lab.points} dataKey="y" name="lab: best run per B" fill={COLORS.best} isAnimationActive={false} />
        <ReferenceLine x={1} stroke={COLORS.overhead} strokeWidth={2} label={{ value: 'B = B*', position: 'insideTopRight', fill: COLORS.overhead, fontSize: 13 }} />
      </ComposedChart>
    </ResponsiveContainer>
  );
}

function stepsLegend(m: MeasurementAnalysis, dots: Dots): LegendItem[] {
  const seeds = m.replicates > 1;
  const items: LegendItem[] = [
    { label: seeds ? `R(B): geometric mean over ${m.replicates} seeds` : 'best run per B', color: COLORS.best, kind: 'dot' },
    { label: 'fit a + b/B', color: COLORS.fit, kind: 'line' },
    { label: `perfect scaling from B = ${m.baselineBatch ?? '—'}`, color: COLORS.linear, kind: 'dash' },
    { label: `+${Math.round(m.overhead * 100)}% over perfect`, color: COLORS.overhead, kind: 'dots' },
    { label: 'B*', color: COLORS.overhead, kind: 'line' },
  ];
  if (m.interval?.status === 'ok') items.push({ label: `B* ${Math.round(m.interval.level * 100)}% interval`, color: COLORS.interval, kind: 'area' });
  if (dots.others.length > 0) items.splice(1, 0, { label: 'other learning rates', color: COLORS.faded, kind: 'dot' });
  if (dots.seeds.length > 0) items.splice(1, 0, { label: "each seed's best run", color: COLORS.seed, kind: 'dot' });
  return items;
}

const PAPER_LEGEND: LegendItem[] = [
  { label: 'lab: best run per B', color: COLORS.best, kind: 'dot' },
  { label: 'lab fit', color: COLORS.fit, kind: 'line' },
  { label: 'paper: 85M to 1.2B (darker = larger)', color: COLORS.paper, kind: 'dash' },
];

/** The chart with its reading; `compact` leaves out the side panel (the first view's worked example). */
export function CbsChart({ m, compact = false, height = 360, title, caption }: { m: MeasurementAnalysis; compact?: boolean; height?: number; title?: string; caption?: string }) {
  const [hovered, setHovered] = useState<PointDatum | null>(null);
  const [paper, setPaper] = useState(false);
  const paperId = useId();
  const hasPoints = m.curve.length > 0;
  const chartTitle = title ?? `Steps to target against batch size: ${m.label}`;
  const reading = measurementReading(m);
  // The dots the plot, its legend and the side panel's table all use, split once per measurement.
  const dots = useMemo(() => stepsDots(m), [m]);
  const plot = paper ? <PaperPlot m={m} height={height} /> : <StepsPlot m={m} dots={dots} height={height} onHover={setHovered} />;
  const figure = (
    <figure className={compact ? 'cbs-chart compact' : 'cbs-chart'} data-testid="cbs-chart" aria-label={`Steps to target against batch size for ${m.label}`}>
      {compact && caption && <figcaption>{caption}</figcaption>}
      {!compact && (
        <figcaption>
          <strong>
            {m.model.name === '?' ? (
              m.label
            ) : (
              <>
                {m.model.name} · <Term id="data-size">D</Term> = {formatCount(m.dataSize)}
              </>
            )}
          </strong>
          {/* A table without a model-size column gives none (0 here). */}
          {m.nonEmbeddingParams > 0 && ` · ${formatCount(m.nonEmbeddingParams)} non-embedding parameters`}
        </figcaption>
      )}
      {/* With no point yet there is no chart: the reading below says what it waits for. */}
      {hasPoints && (
        <ChartFrame title={paper ? `${chartTitle}, normalised, with the paper's curves` : chartTitle} legend={paper ? PAPER_LEGEND : stepsLegend(m, dots)} lines={[bStarLine(m), reading]} pngName={`cbs-${m.label}`} height={height}>
          {plot}
        </ChartFrame>
      )}
      {!compact && hasPoints && (
        <label className="overlay-toggle" htmlFor={paperId}>
          <input id={paperId} type="checkbox" checked={paper} onChange={(e) => setPaper(e.target.checked)} data-testid="paper-overlay" /> Compare the shape with the paper: steps ÷ steps at the smallest batch against B / B*, with its five models&apos; curves
        </label>
      )}
      <p className="reading" data-testid="reading">
        {reading}
      </p>
    </figure>
  );
  if (compact) return figure;
  return (
    <div className="chart-body">
      {figure}
      <SidePanel m={m} mainDots={dots.main} hovered={hovered} onPick={setHovered} />
    </div>
  );
}

/** R(B) in the points table; with seeds, how many reached where not all did (R(B) needs every seed). */
function stepsCell(p: BatchPoint): string {
  if (p.steps !== null) return fmtNum(p.steps, 4);
  const reached = p.replicates.filter((r) => r.steps !== null).length;
  return p.replicates.length > 1 && reached > 0 ? `${reached} of ${p.replicates.length} seeds reached` : 'not reached';
}

function SidePanel({ m, mainDots, hovered, onPick }: { m: MeasurementAnalysis; mainDots: readonly PointDatum[]; hovered: PointDatum | null; onPick: (d: PointDatum) => void }) {
  const bStar = m.cbs?.bStar ?? null;
  const interval = m.interval?.status === 'ok' ? m.interval : null;
  const pct = Math.round(m.overhead * 100);
  const noise = m.noiseScale.median;
  // What picking a batch size in the table shows: the dark dot at that B (its best run, or the seeds' mean).
  const bestOf = (batchSize: number): PointDatum | null => mainDots.find((d) => d.B === batchSize) ?? null;
  // Notes the numbers above already show (B*'s, the interval's, the fit-free rule's) are not listed again.
  const shown = new Set([bStar === null ? m.cbs?.note : null, interval ? null : `Interval: ${m.interval?.note}`, m.raw?.note]);
  const notes = [...new Set(m.notes)].filter((n) => !shown.has(n));
  const unreached = m.unreached.length > 0 && (
    <details className="unreached" data-testid="unreached">
      <summary>
        {m.unreached.length} run{m.unreached.length === 1 ? '' : 's'} never reached the target
      </summary>
      <ul>
        {m.unreached.map((o) => (
          <li key={o.runId}>
            B = {o.batchSize}, LR {fmtNum(o.peakLr)}: {o.reason}
          </li>
        ))}
      </ul>
    </details>
  );
  const reachedText = `${m.curve.map((p) => p.batchSize).join(', ')} (of ${m.points.length} tried)`;
  if (m.curve.length <= 1) {
    // Fewer than two batch sizes at the target (the sweep runs are still training, or the rest
    // never reached it): no fit, no interval and no fit-free B* to show, only what B* waits for.
    const only = m.curve[0]?.batchSize;
    return (
      <aside className="chart-side" data-testid="cbs-summary" aria-label={`numbers for ${m.label}`}>
        <dl>
          <dt>
            <Term id="b-star">B*</Term> ({pct}% rule)
          </dt>
          <dd data-testid="bstar">{only === undefined ? 'appears once two batch sizes reach the target' : `needs two batch sizes at the target; only B = ${only} has reached it`}</dd>
          {only !== undefined && (
            <>
              <dt>
                <Term id="baseline">Baseline</Term> of <Term id="linear-scaling">perfect scaling</Term>
              </dt>
              <dd>B = {m.baselineBatch ?? only}</dd>
            </>
          )}
          <dt>
            <Term id="batch-size">Batch sizes</Term> that reached the target
          </dt>
          <dd>{only !== undefined ? reachedText : m.unreached.length > 0 ? `none of the ${m.points.length} tried so far` : 'none yet'}</dd>
        </dl>
        {unreached}
      </aside>
    );
  }
  return (
    <aside className="chart-side" data-testid="cbs-summary" aria-label={`numbers for ${m.label}`}>
      <dl>
        <dt>
          <Term id="b-star">B*</Term> ({pct}% rule, fitted)
        </dt>
        <dd data-testid="bstar">
          {bStar !== null ? (
            <>
              <span data-testid="bstar-value">{fmtNum(bStar)}</span> sequences ({formatCount(bStar * m.model.context)} tokens)
            </>
          ) : (
            (m.cbs?.note ?? 'not available')
          )}
        </dd>
        <dt>
          <Term id="interval">Interval</Term> ({Math.round((m.interval?.level ?? 0.9) * 100)}% bootstrap)
        </dt>
        <dd data-testid="bstar-interval">{interval ? `${fmtNum(interval.lower)} – ${interval.upperUnbounded ? '∞' : fmtNum(interval.upper)}` : (m.interval?.note ?? '—')}</dd>
        <dt>
          <Term id="fit-free">Fit-free B*</Term>
        </dt>
        <dd>{m.raw?.bStar != null ? `${m.raw.lowerBound ? '≥ ' : ''}${m.raw.bStar}` : (m.raw?.note ?? '—')}</dd>
        <dt>
          <Term id="fit">Fit</Term>
        </dt>
        <dd>
          a = {fmtNum(m.fit?.a ?? null)}, b = {fmtNum(m.fit?.b ?? null)}, <Term id="b-crit">B_crit = b/a</Term> = {fmtNum(m.fit?.bCrit ?? null)}
        </dd>
        <dt>
          <Term id="baseline">Baseline</Term> of <Term id="linear-scaling">perfect scaling</Term>
        </dt>
        <dd>B = {m.baselineBatch ?? '—'}</dd>
        <dt>
          <Term id="batch-size">Batch sizes</Term> that reached the target
        </dt>
        <dd>{reachedText}</dd>
        <dt>
          <Term id="noise-scale">Gradient noise scale</Term>
        </dt>
        <dd data-testid="noise-scale">
          {noise !== null ? `B_simple ≈ ${fmtNum(noise)} sequences` : (m.noiseScale.perBatch.find((r) => r.note)?.note ?? 'not measured')}
          <span className="hint-small"> (McCandlish et al.; often below the measured CBS, shown beside it, not instead)</span>
        </dd>
      </dl>
      {unreached}
      {notes.length > 0 && (
        <ul className="notes">
          {notes.map((n, i) => (
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
              const d = bestOf(p.batchSize);
              return (
                <tr key={p.batchSize}>
                  <td>
                    {d ? (
                      <button type="button" className="link-button" onClick={() => onPick(d)} onFocus={() => onPick(d)}>
                        {p.batchSize}
                      </button>
                    ) : (
                      p.batchSize
                    )}
                  </td>
                  <td>{stepsCell(p)}</td>
                  <td>{fmtNum(p.bestLr)}</td>
                  <td>{p.runs.length}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </aside>
  );
}
