// The theory page's charts: B* against the data budget D (measured, fitted, predicted slope),
// B* against the model dimension M at one D, and the risk curves of one budget. Each has its
// legend, PNG export and a reading in words (theory-readings.ts).
import { useId, useState } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { ModelSizeSweep, TheoryResults } from '../theory/experiment';
import { formatCount } from '../util/format';
import { logTicks } from './cbs-chart';
import { ChartFrame, type LegendItem } from './chart-frame';
import { fmtNum } from './format';
import { dataScalingReading, dataScalingView, modelSizeReading, modelSizeView, riskCurves, riskReading, stepsReading, stepsView, type XY } from './theory-readings';

const MEASURED = '#1a365d';
const SEED = '#90cdf4';
const FIT = '#2b6cb0';
const PREDICTED = '#c05621';
const CROSSING = '#2f855a';
const HEIGHT = 300;

/** A data budget picker inside a caption (labelled for screen readers). */
function BudgetSelect({ id, budgets, budget, onChange }: { id: string; budgets: number[]; budget: number; onChange: (budget: number) => void }) {
  return (
    <>
      <label htmlFor={id} className="sr-only">
        data budget
      </label>
      <select id={id} value={budget} onChange={(e) => onChange(Number(e.target.value))}>
        {budgets.map((d) => (
          <option key={d} value={d}>
            D = {formatCount(d)}
          </option>
        ))}
      </select>
    </>
  );
}

/** Log axis bounds with some room around the values. */
function bounds(values: number[], pad: number): [number, number] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [1, 10];
  return [Math.min(...positive) / pad, Math.max(...positive) * pad];
}

function LogLogPlot({
  xLabel,
  yLabel,
  xName,
  points,
  seedPoints = [],
  crossings = [],
  fit = [],
  predicted = [],
}: {
  xLabel: string;
  yLabel: string;
  xName: string;
  points: XY[];
  seedPoints?: XY[];
  crossings?: XY[];
  fit?: XY[];
  predicted?: XY[];
}) {
  const [lo, hi] = bounds(points.map((p) => p.x), 1.5);
  const [yLo, yHi] = bounds([...points, ...seedPoints, ...crossings, ...fit, ...predicted].map((p) => p.y), 1.4);
  return (
    <ResponsiveContainer width="100%" height={HEIGHT} initialDimension={{ width: 480, height: HEIGHT }}>
      <ComposedChart margin={{ top: 12, right: 16, bottom: 30, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="x" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={formatCount} allowDataOverflow label={{ value: xLabel, position: 'insideBottom', offset: -18 }} />
        <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} tickFormatter={formatCount} allowDataOverflow width={56} label={{ value: yLabel, angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
        <Tooltip
          content={({ active, payload, label }) =>
            active && payload && payload.length > 0 ? (
              <div className="recharts-default-tooltip" style={{ background: '#fff', border: '1px solid #ccc', padding: '6px 10px' }}>
                <p style={{ margin: 0 }}>{`${xName} = ${formatCount(Number(label ?? payload[0].payload?.x))}`}</p>
                {/* A scatter's entries carry its x as well: the label says it already. */}
                {payload
                  .filter((item) => item.dataKey !== 'x' && item.name !== 'x')
                  .map((item, i) => (
                    <p key={i} style={{ margin: 0, color: item.color }}>{`${item.name}: ${fmtNum(Number(item.value))}`}</p>
                  ))}
              </div>
            ) : null
          }
        />
        {predicted.length > 0 && <Line data={predicted} dataKey="y" name="predicted slope" stroke={PREDICTED} strokeDasharray="6 4" strokeWidth={2} dot={false} activeDot={false} isAnimationActive={false} />}
        {fit.length > 0 && <Line data={fit} dataKey="y" name="fitted power law" stroke={FIT} dot={false} activeDot={false} isAnimationActive={false} />}
        {seedPoints.length > 0 && <Scatter data={seedPoints} dataKey="y" name="one seed" fill={SEED} isAnimationActive={false} />}
        {crossings.length > 0 && <Scatter data={crossings} dataKey="y" name="crossing (no fit)" shape="diamond" fill="#fff" stroke={CROSSING} strokeWidth={2} isAnimationActive={false} />}
        <Scatter data={points} dataKey="y" name="B*" fill={MEASURED} isAnimationActive={false} />
      </ComposedChart>
    </ResponsiveContainer>
  );
}

export function DataScalingChart({ results }: { results: TheoryResults }) {
  const view = dataScalingView(results);
  const reading = dataScalingReading(results);
  const level = Math.round(results.config.analysis.level * 100);
  const law =
    results.measured === null
      ? 'no exponent (fewer than two budgets with a B*)'
      : `measured exponent ${fmtNum(results.measured)}${results.interval ? ` (${level}% interval ${fmtNum(results.interval[0])} to ${fmtNum(results.interval[1])})` : ''}; predicted ${fmtNum(results.predicted)}${results.crossing.measured === null ? '' : `; without the fit ${fmtNum(results.crossing.measured)}`}`;
  const legend: LegendItem[] = [
    { label: results.config.analysis.seeds === 'mean-risk' ? 'B* (the seeds\' mean risk)' : 'B* (all seeds)', color: MEASURED, kind: 'dot' },
    { label: 'B* of one seed', color: SEED, kind: 'dot' },
    ...(view.crossings.length > 0 ? [{ label: 'crossing of 1.2× linear scaling (no fit)', color: CROSSING, kind: 'diamond' as const }] : []),
    { label: 'fitted power law', color: FIT, kind: 'line' },
    { label: 'predicted slope 1 − a/min(b, 2a+1), through the points', color: PREDICTED, kind: 'dash' },
  ];
  const title = 'B* against the data budget D';
  return (
    <figure className="scaling-panel" data-testid="theory-data-chart">
      <figcaption>{title} (log–log: a power law is a straight line, its exponent the slope)</figcaption>
      {view.points.length > 0 && (
        <ChartFrame title={title} legend={legend} lines={[law, reading]} pngName="theory-bstar-vs-d" height={HEIGHT}>
          <LogLogPlot xLabel="data budget D (samples)" yLabel="B* (samples per step)" xName="D" points={view.points} seedPoints={view.seedPoints} crossings={view.crossings} fit={view.fit} predicted={view.predicted} />
        </ChartFrame>
      )}
      <p className="law" data-testid="theory-law">
        {law}
      </p>
      <p className="reading" data-testid="theory-data-reading">
        {reading}
      </p>
    </figure>
  );
}

export function ModelSizeChart({ sweep }: { sweep: ModelSizeSweep }) {
  const budgets = [...sweep.config.budgets].sort((p, q) => p - q);
  const [budget, setBudget] = useState(budgets[budgets.length - 1]);
  const id = useId();
  const points = modelSizeView(sweep, budget);
  const reading = modelSizeReading(sweep, budget);
  const title = `B* against the model dimension M at D = ${formatCount(budget)}`;
  return (
    <figure className="scaling-panel" data-testid="theory-model-chart">
      <figcaption>
        B* against the model dimension M at{' '}
        <BudgetSelect id={id} budgets={budgets} budget={budget} onChange={setBudget} />
      </figcaption>
      {points.length > 0 && (
        <ChartFrame title={title} legend={[{ label: 'B*', color: MEASURED, kind: 'dot' }]} lines={[reading]} pngName="theory-bstar-vs-m" height={HEIGHT}>
          <LogLogPlot xLabel="model dimension M" yLabel="B* (samples per step)" xName="M" points={points} />
        </ChartFrame>
      )}
      <p className="reading" data-testid="theory-model-reading">
        {reading}
      </p>
    </figure>
  );
}

/** Steps to target against B for one budget: the measured R(B), linear scaling, the 20% line, the fitted curve, B* and the crossing. */
export function StepsChart({ results }: { results: TheoryResults }) {
  const budgets = results.outcomes.map((o) => o.budget);
  const [budget, setBudget] = useState(budgets[budgets.length - 1]);
  const id = useId();
  const view = stepsView(results, budget);
  const reading = stepsReading(results, budget);
  const title = `Steps to target against batch size, D = ${formatCount(budget)}`;
  const legend: LegendItem[] = [
    { label: 'steps to target R(B)', color: MEASURED, kind: 'dot' },
    { label: 'linear scaling from the smallest batch', color: PREDICTED, kind: 'dash' },
    { label: '+20% over linear scaling', color: PREDICTED, kind: 'dots' },
    { label: "the paper's fit α + β/B", color: FIT, kind: 'line' },
    ...(view?.crossing != null ? [{ label: 'crossing of the 20% line (no fit)', color: CROSSING, kind: 'diamond' as const }] : []),
  ];
  const all = view ? [...view.reached, ...view.censored] : [];
  const [lo, hi] = bounds(all.map((p) => p.x), 1.5);
  const [yLo, yHi] = bounds([...all, ...(view?.fit ?? [])].map((p) => p.y), 1.4);
  return (
    <figure className="scaling-panel" data-testid="theory-steps-chart">
      <figcaption>
        Steps to target against batch size, where B* is read, for{' '}
        <BudgetSelect id={id} budgets={budgets} budget={budget} onChange={setBudget} />
      </figcaption>
      {view && all.length > 0 && (
        <ChartFrame title={title} legend={legend} lines={[reading]} pngName={`theory-steps-${budget}`} height={HEIGHT}>
          <ResponsiveContainer width="100%" height={HEIGHT} initialDimension={{ width: 480, height: HEIGHT }}>
            <ComposedChart margin={{ top: 16, right: 16, bottom: 30, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="x" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={formatCount} allowDataOverflow label={{ value: 'batch size B (samples per step)', position: 'insideBottom', offset: -18 }} />
              <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} tickFormatter={formatCount} allowDataOverflow width={56} label={{ value: 'steps to target', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
              <Line data={view.linear} dataKey="y" name="linear scaling" stroke={PREDICTED} strokeDasharray="6 4" dot={false} activeDot={false} isAnimationActive={false} />
              <Line data={view.rule} dataKey="y" name="+20%" stroke={PREDICTED} strokeDasharray="2 3" dot={false} activeDot={false} isAnimationActive={false} />
              {view.fit.length > 0 && <Line data={view.fit} dataKey="y" name="fit α + β/B" stroke={FIT} strokeWidth={2} dot={false} activeDot={false} isAnimationActive={false} />}
              {view.censored.length > 0 && <Scatter data={view.censored} dataKey="y" name="never reached (R above)" fill="#fff" stroke={MEASURED} isAnimationActive={false} />}
              <Scatter data={view.reached} dataKey="y" name="R(B)" fill={MEASURED} isAnimationActive={false} />
              {view.bStar !== null && (
                <ReferenceLine x={view.bStar} stroke={FIT} strokeWidth={2} label={{ value: `B* ≈ ${fmtNum(view.bStar)}`, position: 'insideBottomLeft', fill: FIT, fontSize: 13 }} ifOverflow="hidden" />
              )}
              {view.crossing !== null && (
                <ReferenceLine x={view.crossing} stroke={CROSSING} strokeWidth={2} strokeDasharray="4 2" label={{ value: `crossing ≈ ${fmtNum(view.crossing)}`, position: 'insideTopLeft', fill: CROSSING, fontSize: 13 }} ifOverflow="hidden" />
              )}
            </ComposedChart>
          </ResponsiveContainer>
        </ChartFrame>
      )}
      <p className="reading" data-testid="theory-steps-reading">
        {reading}
      </p>
    </figure>
  );
}

/** Blue (small batches) to red (large), by position in log B. */
function batchColor(batchSize: number, smallest: number, largest: number): string {
  const t = largest > smallest ? Math.log(batchSize / smallest) / Math.log(largest / smallest) : 0;
  return `hsl(${Math.round(220 - 220 * t)}, 65%, ${Math.round(42 + 6 * t)}%)`;
}

export function RiskCurvesChart({ results }: { results: TheoryResults }) {
  const budgets = results.outcomes.map((o) => o.budget);
  const [budget, setBudget] = useState(budgets[budgets.length - 1]);
  const [seed, setSeed] = useState(results.config.seeds[0]);
  const id = useId();
  const curves = riskCurves(results, budget, seed);
  const target = results.outcomes.find((o) => o.budget === budget)?.target ?? null;
  const reading = riskReading(results, budget);
  const sizes = curves.map((c) => c.batchSize);
  const [lo, hi] = bounds(curves.flatMap((c) => c.points.map((p) => p.samples)), 1.1);
  const [yLo, yHi] = bounds([...curves.flatMap((c) => c.points.map((p) => p.risk)), ...(target === null ? [] : [target])], 1.2);
  const legend: LegendItem[] = curves.map((c) => ({ label: `B = ${c.batchSize} (γ = ${fmtNum(c.lr)})`, color: batchColor(c.batchSize, Math.min(...sizes), Math.max(...sizes)), kind: 'line' }));
  if (target !== null) legend.push({ label: 'target', color: PREDICTED, kind: 'dash' });
  const title = `Averaged excess risk against samples seen, D = ${formatCount(budget)}, seed ${seed}`;
  return (
    <figure className="loss-curves" data-testid="theory-risk-chart">
      <figcaption>
        Risk curves: the averaged excess risk of each batch size&apos;s best run against samples seen, for{' '}
        <BudgetSelect id={`${id}-d`} budgets={budgets} budget={budget} onChange={setBudget} />{' '}
        <label htmlFor={`${id}-s`} className="sr-only">
          seed
        </label>
        <select id={`${id}-s`} value={seed} onChange={(e) => setSeed(Number(e.target.value))}>
          {results.config.seeds.map((s) => (
            <option key={s} value={s}>
              seed {s}
            </option>
          ))}
        </select>
      </figcaption>
      {curves.length === 0 ? (
        <p className="chart-empty">No run of this seed reached this budget&apos;s target.</p>
      ) : (
        <ChartFrame title={title} legend={legend} lines={[reading]} pngName={`theory-risk-${budget}`} height={HEIGHT}>
          <ResponsiveContainer width="100%" height={HEIGHT} initialDimension={{ width: 560, height: HEIGHT }}>
            <ComposedChart margin={{ top: 16, right: 16, bottom: 30, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="samples" type="number" scale="log" domain={[lo, hi]} ticks={logTicks(lo, hi)} tickFormatter={formatCount} allowDataOverflow label={{ value: 'samples seen', position: 'insideBottom', offset: -18 }} />
              <YAxis type="number" scale="log" domain={[yLo, yHi]} ticks={logTicks(yLo, yHi)} tickFormatter={(v: number) => fmtNum(v, 2)} allowDataOverflow width={60} label={{ value: 'excess risk', angle: -90, position: 'insideLeft', offset: 8, style: { textAnchor: 'middle' } }} />
              {curves.map((c) => (
                <Line key={c.batchSize} data={c.points} dataKey="risk" name={`B = ${c.batchSize}`} stroke={batchColor(c.batchSize, Math.min(...sizes), Math.max(...sizes))} strokeWidth={2} dot={false} activeDot={false} isAnimationActive={false} />
              ))}
              {target !== null && <ReferenceLine y={target} stroke={PREDICTED} strokeWidth={2} strokeDasharray="6 3" />}
            </ComposedChart>
          </ResponsiveContainer>
        </ChartFrame>
      )}
      <p className="reading" data-testid="theory-risk-reading">
        {reading}
      </p>
    </figure>
  );
}
