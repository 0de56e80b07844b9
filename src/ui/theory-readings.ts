// The theory page's charts as data, and each read aloud in plain sentences: B* against the data
// budget D with the fitted and the predicted exponent, B* against the model dimension M at a fixed
// D, and the risk curves of one budget. Nothing here is a number the charts do not show.
import type { BudgetOutcome, ModelSizeSweep, TheoryResults, TheoryRun } from '../theory/experiment';
import { problemOf } from '../theory/experiment';
import { resolvedDirections } from '../theory/problem';
import { formatCount } from '../util/format';
import { fmtNum } from './format';
import { stepsLines } from './chart-model';

export interface XY {
  x: number;
  y: number;
}

const times = (x: number) => `×${+x.toPrecision(2)}`;
const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

/** Which term of min(b, 2a + 1) sets the exponent, in words. */
export function branchText(a: number, b: number): string {
  const edge = 2 * a + 1;
  if (b < edge) return `b = ${fmtNum(b)} < 2a + 1 = ${fmtNum(edge)}, so the exponent is 1 − a/b`;
  if (b > edge) return `b = ${fmtNum(b)} > 2a + 1 = ${fmtNum(edge)}, so the exponent is 1 − a/(2a + 1): the target is smoother than SGD with averaging can use`;
  return `b = 2a + 1 = ${fmtNum(edge)}, where both branches give 1 − a/b`;
}

/** The budgets with a finite B*, ascending. */
function measured(results: TheoryResults): (BudgetOutcome & { bStar: number })[] {
  return results.outcomes.filter((o): o is BudgetOutcome & { bStar: number } => o.bStar !== null && o.bStar > 0).sort((p, q) => p.budget - q.budget);
}

export interface DataScalingView {
  /** B* of each budget (all seeds together). */
  points: XY[];
  /** B* of each seed alone. */
  seedPoints: XY[];
  /** The fit-free crossing of each budget: where the measured R(B) crosses 1.2× linear scaling. */
  crossings: XY[];
  /** The fitted power law across the budgets. */
  fit: XY[];
  /** A line of the predicted slope through the points' centre (in log–log): the theory fixes the slope, not the level. */
  predicted: XY[];
}

export function dataScalingView(results: TheoryResults): DataScalingView {
  const used = measured(results);
  const points = used.map((o) => ({ x: o.budget, y: o.bStar }));
  const seedPoints = results.outcomes.flatMap((o) => o.seedBStars.filter((s) => s.bStar !== null && s.bStar > 0).map((s) => ({ x: o.budget, y: s.bStar as number })));
  const crossings = results.outcomes.flatMap((o) => (o.crossing !== null && o.crossing > 0 ? [{ x: o.budget, y: o.crossing }] : []));
  if (points.length < 2) return { points, seedPoints, crossings, fit: [], predicted: [] };
  const lo = points[0].x;
  const hi = points[points.length - 1].x;
  const xs = [lo, hi];
  const { c, e } = results.scaling;
  const fit = c !== null && e !== null ? xs.map((x) => ({ x, y: c * x ** e })) : [];
  const cx = geomean(points.map((p) => p.x));
  const cy = geomean(points.map((p) => p.y));
  const predicted = xs.map((x) => ({ x, y: cy * (x / cx) ** results.predicted }));
  return { points, seedPoints, crossings, fit, predicted };
}

/** Beside B* against D: how B* moved, the fitted exponent and its interval, the prediction, and whether they agree. */
export function dataScalingReading(results: TheoryResults): string {
  const used = measured(results);
  const { a, b } = results.config;
  const predicted = `The theory predicts ${fmtNum(results.predicted)} (${branchText(a, b)}).`;
  if (used.length < 2 || results.measured === null) return `B* against D needs a finite B* at two or more budgets; ${used.length === 0 ? 'none has one' : 'only one has one'} here (see the notes). ${predicted}`;
  const first = used[0];
  const last = used[used.length - 1];
  const level = Math.round(results.config.analysis.level * 100);
  const interval = results.interval ? ` (${level}% interval ${fmtNum(results.interval[0])} to ${fmtNum(results.interval[1])})` : '';
  const sentences = [
    `B* grew from ${fmtNum(first.bStar)} to ${fmtNum(last.bStar)} (${times(last.bStar / first.bStar)}) as the data budget grew from ${formatCount(first.budget)} to ${formatCount(last.budget)} samples (${times(last.budget / first.budget)}): a power law through the points has exponent ${fmtNum(results.measured)}${interval}.`,
    predicted,
  ];
  if (results.crossing.measured !== null) {
    const pairs = used.filter((o) => o.crossing !== null && o.crossing > 0);
    const level = pairs.length > 0 ? ` The crossings lie about ${times(geomean(pairs.map((o) => (o.crossing as number) / o.bStar)))} above the fitted B*: the measured R(B) keeps to linear scaling almost up to a sharp knee, while the paper's curve α + β/B bends gradually and is already 20% off at a fifth of its knee. The theory fixes the slope, not the level.` : '';
    sentences.push(
      `Read without the fit, where the measured R(B) crosses 1.2× linear scaling (the open diamonds), the exponent is ${fmtNum(results.crossing.measured)}.${level} The crossing rests on the baseline and the two batch sizes either side of it, so seed noise moves it more than the fit.`,
    );
  }
  if (results.interval) {
    const [lo, hi] = results.interval;
    const inside = results.predicted >= lo && results.predicted <= hi;
    const gap = Math.abs(results.measured - results.predicted);
    const outside = `The prediction lies outside the interval, ${fmtNum(gap, 2)} from the fit`;
    if (inside) sentences.push('The prediction lies inside the interval: the measurement agrees with the theory here.');
    else if (b <= 2 * a + 1) {
      sentences.push(`${outside}: the theory is a limit of large budgets and large models, and these budgets are not in it yet${localSpread(results)}.`);
    } else {
      // What the lab's own runs showed on this branch (docs/science.md, Theory lab, Results).
      sentences.push(
        `${outside}${localSpread(results)}.`,
        'On this branch the lab has measured fitted exponents 0.03–0.09 above the law, the exact expected risk among them (0.64 and 0.65 at a = 2, b = 8 and a = 1.5, b = 6), and larger budgets do not close the gap: here R(B) dips below linear scaling just before a sharp knee, a shape the paper\'s curve R = α + β/B cannot follow. The fit-free crossing of the exact expected risk gives 0.60 and 0.62, on the law.',
      );
    }
  }
  return sentences.join(' ');
}

/** ", (the slope between neighbouring budgets goes from x to y)" when there are local slopes. */
function localSpread(results: TheoryResults): string {
  const local = results.localExponents;
  if (local.length < 2) return '';
  return ` (the slope between neighbouring budgets goes from ${fmtNum(local[0].exponent, 2)} to ${fmtNum(local[local.length - 1].exponent, 2)})`;
}

// ---------- B* against M ----------

/** B* at budget `budget` for each M of a model-size sweep (M without a finite B* left out). */
export function modelSizeView(sweep: ModelSizeSweep, budget: number): XY[] {
  return sweep.dims.flatMap((dim, i) => {
    const bStar = sweep.results[i].outcomes.find((o) => o.budget === budget)?.bStar ?? null;
    return bStar !== null && bStar > 0 ? [{ x: dim, y: bStar }] : [];
  });
}

/** B* counts as saturated in M from the smallest M whose B*, and every larger M's, lies within this fraction of the largest M's. */
export const SATURATION_TOLERANCE = 0.2;

export function modelSizeReading(sweep: ModelSizeSweep, budget: number): string {
  const points = modelSizeView(sweep, budget);
  const k = resolvedDirections(problemOf(sweep.config), budget);
  const scale = `with ${formatCount(budget)} samples SGD resolves about ${fmtNum(k, 2)} directions of the spectrum`;
  if (points.length < 2) return `B* against M needs a finite B* at two or more model sizes at D = ${formatCount(budget)}; ${scale}.`;
  const first = points[0];
  const last = points[points.length - 1];
  const within = (p: XY) => Math.abs(p.y / last.y - 1) <= SATURATION_TOLERANCE;
  let from = points.length - 1;
  while (from > 0 && within(points[from - 1])) from--;
  const moved = `At D = ${formatCount(budget)}, B* went from ${fmtNum(first.y)} at M = ${first.x} to ${fmtNum(last.y)} at M = ${last.x}`;
  if (from === points.length - 1) return `${moved}, and still changes by more than ${Math.round(SATURATION_TOLERANCE * 100)}% between the two largest M (${scale}): add larger M to see it level off.`;
  return `${moved}, and stays within ${Math.round(SATURATION_TOLERANCE * 100)}% from M = ${points[from].x} on: ${scale}, and once the model holds them more parameters no longer change the critical batch size.`;
}

// ---------- steps to target against batch size ----------

export interface StepsView {
  /** R(B) the fit used (the seeds' mean, or each seed with replicates); censored: never reached, R(B) > y. */
  reached: XY[];
  censored: XY[];
  /** Linear scaling from the baseline, and the rule's line 1.2× above it. */
  linear: XY[];
  rule: XY[];
  /** The paper's fitted curve α + β/B. */
  fit: XY[];
  bStar: number | null;
  crossing: number | null;
}

/** One budget's steps to target against B: what the fitted B* and the fit-free crossing are read from. */
export function stepsView(results: TheoryResults, budget: number): StepsView | null {
  const group = results.report.groups.find((g) => g.dataSize === budget);
  if (!group) return null;
  const reached = group.curve.filter((p) => !p.censored).map((p) => ({ x: p.batchSize, y: p.steps }));
  const censored = group.curve.filter((p) => p.censored).map((p) => ({ x: p.batchSize, y: p.steps }));
  const sizes = group.curve.map((p) => p.batchSize);
  const lo = Math.min(...sizes);
  const hi = Math.max(...sizes);
  const { baselineBatch, baselineSteps, overhead } = group.cbs;
  const lines = stepsLines(lo, hi, group.fit, { batchSize: baselineBatch, steps: baselineSteps }, overhead);
  const series = (key: 'fit' | 'linear' | 'overhead'): XY[] =>
    lines.flatMap((l) => {
      const y = l[key];
      return y === undefined ? [] : [{ x: l.B, y }];
    });
  const [fit, linear, rule] = [series('fit'), series('linear'), series('overhead')];
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  return { reached, censored, linear, rule, fit, bStar: finite(group.cbs.bStar), crossing: group.raw.crossing };
}

/** Beside steps against B: where R(B) leaves linear scaling, measured and fitted, and any dip below it. */
export function stepsReading(results: TheoryResults, budget: number): string {
  const group = results.report.groups.find((g) => g.dataSize === budget);
  if (!group) return '';
  const { raw, cbs } = group;
  const at = `At D = ${formatCount(budget)}`;
  const rule = `${Math.round(cbs.overhead * 100)}%`;
  const within = raw.bStar !== null && raw.baselineBatch !== null && raw.bStar > raw.baselineBatch ? `stay within ${rule} of linear scaling from B = ${raw.baselineBatch} up to B = ${raw.bStar} and ` : '';
  const measuredPart =
    raw.crossing !== null
      ? `the measured steps to target ${within}cross the ${rule} line at B ≈ ${fmtNum(raw.crossing)}`
      : `the measured steps to target give no crossing of the ${rule} line (${raw.note ?? raw.status})`;
  const fitted = cbs.bStar !== null && Number.isFinite(cbs.bStar) ? `; the paper's curve α + β/B fitted to them (α and β are the fit's, not the spectrum's a and b) puts B* at ${fmtNum(cbs.bStar)}` : '';
  const sentences = [`${at}, ${measuredPart}${fitted}.`];
  const dip = raw.checks.filter((c) => !c.censored && c.ratio < 0.95 && (raw.firstOutside === null || c.batchSize < raw.firstOutside));
  if (dip.length > 0) {
    const deepest = dip.reduce((p, q) => (q.ratio < p.ratio ? q : p));
    sentences.push(
      `Before its knee R(B) dips below linear scaling (${fmtNum(deepest.ratio, 2)}× at B = ${deepest.batchSize}): larger batches did better than linear scaling there, which α + β/B cannot follow.`,
    );
  }
  return sentences.join(' ');
}

// ---------- risk curves ----------

export interface RiskSeries {
  batchSize: number;
  lr: number;
  /** Samples seen (steps × B) and the lowest excess risk among the run's averages. */
  points: { samples: number; risk: number }[];
}

/**
 * For one budget and one seed, the run that set R(B) at each batch size (its best learning rate):
 * excess risk against samples seen.
 */
export function riskCurves(results: TheoryResults, budget: number, seed: number): RiskSeries[] {
  const outcome = results.outcomes.find((o) => o.budget === budget);
  if (!outcome) return [];
  return outcome.points.flatMap((p) => {
    const lr = p.seeds.find((s) => s.seed === seed)?.lr ?? null;
    const run = lr === null ? undefined : results.runs.find((r: TheoryRun) => r.seed === seed && r.batchSize === p.batchSize && r.lr === lr);
    if (!run || lr === null) return [];
    const points = run.evalSteps.flatMap((step, j) => {
      const risks = run.averageRisk.map((series) => series[j]).filter((v): v is number => v !== null && v > 0);
      return risks.length > 0 ? [{ samples: step * run.batchSize, risk: Math.min(...risks) }] : [];
    });
    return [{ batchSize: p.batchSize, lr, points }];
  });
}

/** Beside the risk curves of one budget: how many samples the smallest and the largest batch needed to reach its target. */
export function riskReading(results: TheoryResults, budget: number): string {
  const outcome = results.outcomes.find((o) => o.budget === budget);
  if (!outcome) return '';
  const reached = outcome.points.filter((p) => p.steps !== null).map((p) => ({ batchSize: p.batchSize, samples: (p.steps as number) * p.batchSize }));
  const meanRisk = results.config.analysis.seeds === 'mean-risk';
  const target = meanRisk
    ? `the target excess risk ${fmtNum(outcome.target, 3)} (the best risk batch size ${results.config.referenceBatch} reaches with ${formatCount(budget)} samples, its risk averaged over the seeds)`
    : `the target excess risk ${fmtNum(outcome.target, 3)} (the best risk batch size ${results.config.referenceBatch} reaches with ${formatCount(budget)} samples, averaged over the seeds)`;
  if (reached.length < 2) return `Fewer than two batch sizes reached ${target} ${meanRisk ? 'on their seed-averaged risk' : 'with every seed'}, so there is no comparison to read.`;
  const first = reached[0];
  const last = reached[reached.length - 1];
  const bStar = outcome.bStar === null ? '' : ` Up to about B* = ${fmtNum(outcome.bStar)} a larger batch costs little extra data; beyond it every step's extra samples buy less and less.`;
  const steps = (p: { batchSize: number; samples: number }) => formatCount(p.samples / p.batchSize);
  return `Batch size ${first.batchSize} reached ${target} after ${formatCount(first.samples)} samples; batch size ${last.batchSize} needed ${formatCount(last.samples)} (${times(last.samples / first.samples)} the data, in ${steps(last)} steps instead of ${steps(first)}).${bStar}`;
}
