// Every result read aloud: plain sentences, generated from the chart view-model, that say what a
// measurement means. Beside each B*: what doubling the batch did to the steps, and where the
// overhead rule puts the critical batch size. Beside each scaling chart: how B* moved with the
// model or the data, and what the paper found. Nothing here is a number the charts do not show.
import type { MeasurementAnalysis, ScalingPanel } from './chart-model';
import { fmtNum } from './format';
import { intervalsDisjoint } from '../cbs/bootstrap';
import { formatCount } from '../util/format';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const times = (x: number) => `×${+x.toPrecision(2)}`;

interface Step {
  from: { batchSize: number; steps: number };
  to: { batchSize: number; steps: number };
}

/** Consecutive measured batch sizes, smallest first. */
function steps(m: MeasurementAnalysis): Step[] {
  const curve = [...m.curve].sort((p, q) => p.batchSize - q.batchSize);
  return curve.slice(1).map((to, i) => ({ from: curve[i], to }));
}

/** "Doubling the batch from 4 to 8 sequences cut the steps to target by 46% (156 → 84); perfect scaling would cut them by 50%." */
function stepSentence(s: Step, first: boolean): string {
  const factor = s.to.batchSize / s.from.batchSize;
  const cut = 1 - s.to.steps / s.from.steps;
  const ideal = 1 - 1 / factor;
  const what = factor === 2 ? 'Doubling the batch' : `Growing the batch ${times(factor)}`;
  const counts = `(${fmtNum(s.from.steps, 4)} → ${fmtNum(s.to.steps, 4)} steps)`;
  if (cut <= 0) return `${first ? what : 'Going'} from ${s.from.batchSize} to ${s.to.batchSize} sequences did not cut the steps to target at all ${counts}.`;
  if (first) return `${what} from ${s.from.batchSize} to ${s.to.batchSize} sequences cut the steps to target by ${pct(cut)} ${counts}; perfect scaling would cut them by ${pct(ideal)}.`;
  return `From ${s.from.batchSize} to ${s.to.batchSize} it cut them by only ${pct(cut)} ${counts}.`;
}

/**
 * What the interval does and does not include, or why there is none. A student reading "90% interval" should know whether
 * another seed could land outside it: with one seed it can, since the interval resamples only that
 * seed's batch sizes.
 */
function intervalSentence(m: MeasurementAnalysis): string | null {
  // Too few batch sizes for an interval: say so, so that a bare B* is not read as a sure one.
  if (m.interval?.status === 'too-few-points') {
    return `There is no interval yet with only ${m.curve.length} batch size${m.curve.length === 1 ? '' : 's'} at the target: the two-parameter fit has too few points to spare to judge its spread.`;
  }
  if (m.interval?.status !== 'ok') return null;
  if (m.replicates > 1 && m.interval.method === 'replicates') {
    const each = m.replicateBStars.map((r) => (r.bStar === null || !Number.isFinite(r.bStar) ? 'none' : fmtNum(r.bStar)));
    const alone = each.length > 1 ? `; each seed alone gave B* = ${each.slice(0, -1).join(', ')} and ${each[each.length - 1]}` : '';
    return `The interval resamples the ${m.replicates} seeds' runs at each batch size, so it includes seed-to-seed variation${alone}.`;
  }
  if (m.replicates <= 1) return 'With one seed, the interval leaves out seed-to-seed variation.';
  return null;
}

/** The reading of one measurement: two to five sentences. */
export function measurementReading(m: MeasurementAnalysis): string {
  const measured = m.curve.length;
  if (measured === 0) {
    const stopped = m.unreached.length;
    return stopped === 0
      ? 'No batch size has reached the target yet, so there is nothing to read: each point appears when its runs reach the target.'
      : `No batch size has reached the target: ${stopped === 1 ? 'one run has' : `${stopped} runs have`} stopped short of it (the list of runs that never reached it says why), so there is nothing to read. A point appears for each batch size whose run reaches the target.`;
  }
  if (measured === 1) {
    const only = m.curve[0];
    return `Only batch size ${only.batchSize} has reached the target so far (${fmtNum(only.steps, 4)} steps). B* needs at least two batch sizes, and three or more make it trustworthy.`;
  }
  const all = steps(m);
  const sentences = [stepSentence(all[0], true)];
  if (all.length > 1) sentences.push(stepSentence(all[all.length - 1], false));
  const overhead = pct(m.overhead);
  const largest = m.curve[measured - 1].batchSize;
  const cbs = m.cbs;
  const bStar = cbs?.bStar ?? null;
  if (cbs?.status === 'ok' && bStar !== null) {
    const tokens = m.model.context > 0 ? ` (${formatCount(bStar * m.model.context)} tokens)` : '';
    const interval = m.interval?.status === 'ok' && m.interval.lower !== null ? `; ${Math.round(m.interval.level * 100)}% interval ${fmtNum(m.interval.lower)} to ${m.interval.upperUnbounded || m.interval.upper === null ? '∞' : fmtNum(m.interval.upper)}` : '';
    sentences.push(
      `So the critical batch size is about B* = ${fmtNum(bStar)} sequences${tokens}${interval}: past it, a bigger batch needs more than ${overhead} more steps than perfect scaling from B = ${m.baselineBatch} predicts, so extra sequences per step buy less and less.`,
    );
    if (cbs.extrapolated) sentences.push(`B* lies beyond the largest batch measured (${largest}), so it extrapolates the fit: measure larger batches to pin it down.`);
    const aboutInterval = intervalSentence(m);
    if (aboutInterval) sentences.push(aboutInterval);
  } else if (cbs?.status === 'unbounded') {
    sentences.push(`The fit follows perfect scaling at every batch size measured, so B* is above ${largest}, the largest batch here: measure larger batches to find it.`);
  } else {
    sentences.push(`There is no B* yet: ${cbs?.note ?? m.fit?.note ?? 'the fit failed'}.`);
  }
  return sentences.join(' ');
}

/** The reading of a scaling chart: how B* moved with model size (N) or data size (D). */
export function scalingReading(panel: ScalingPanel, against: 'model' | 'data'): string {
  const what = against === 'model' ? 'model size N' : 'data size D';
  const paper =
    against === 'model'
      ? 'The paper finds B* barely changes with model size at fixed data (∝ N^0.087), and grows with it only because data grows alongside (Chinchilla setting, ∝ N^0.47).'
      : 'The paper finds B* grows with the data size: more data, larger useful batches.';
  const points = [...panel.points].sort((p, q) => p.x - q.x);
  if (points.length < 2 || new Set(points.map((p) => p.x)).size < 2) {
    return `${panel.note ?? `B* against ${what} needs B* at two or more sizes.`} ${paper}`;
  }
  const first = points[0];
  const last = points[points.length - 1];
  const moved = last.y >= first.y ? 'grew' : 'shrank';
  const unit = against === 'model' ? 'parameters' : 'tokens';
  const sentences = [
    `B* ${moved} from ${formatCount(first.y)} to ${formatCount(last.y)} tokens (${times(last.y / first.y)}) as ${what} went from ${formatCount(first.x)} to ${formatCount(last.x)} ${unit} (${times(last.x / first.x)}).`,
  ];
  if (points.length > 2) {
    // With three or more sizes the ends alone can mislead (a dip or a peak between them), so say
    // how far the points spread about their mean too.
    const ys = points.map((p) => p.y);
    const mean = ys.reduce((sum, y) => sum + y, 0) / ys.length;
    const spread = Math.max(...ys.map((y) => Math.abs(y / mean - 1)));
    sentences.push(
      `Over the ${points.length} sizes B* lay between ${formatCount(Math.min(...ys))} and ${formatCount(Math.max(...ys))} tokens, each within ${Math.ceil(spread * 100)}% of their mean.`,
    );
  }
  const fit = panel.fit;
  if (fit && fit.e !== null) {
    const interval = fit.exponentInterval ? ` (${Math.round(fit.level * 100)}% interval ${fmtNum(fit.exponentInterval[0])} to ${fmtNum(fit.exponentInterval[1])})` : '';
    sentences.push(`A power law through them has exponent ${fmtNum(fit.e)}${interval}: B* ∝ ${against === 'model' ? 'N' : 'D'}^${fmtNum(fit.e)}.`);
  }
  sentences.push(paper);
  return sentences.join(' ');
}

/** A measurement's bounded 90% interval, or null where it has none (or it is unbounded above). */
function boundedInterval(m: MeasurementAnalysis): [number, number] | null {
  const iv = m.interval;
  return iv?.status === 'ok' && iv.lower !== null && iv.upper !== null && !iv.upperUnbounded ? [iv.lower, iv.upper] : null;
}

/** "4.64 (3.05–5.5)": B* in sequences (× `unit`: the context gives tokens) with its interval where it has one. */
function bStarValue(m: MeasurementAnalysis, unit = 1): string | null {
  const b = m.cbs?.bStar ?? null;
  if (b === null || !Number.isFinite(b)) return null;
  const iv = boundedInterval(m);
  return `${fmtNum(b * unit)}${iv ? ` (${fmtNum(iv[0] * unit)}–${fmtNum(iv[1] * unit)})` : ''}`;
}

function bStarText(m: MeasurementAnalysis): string {
  return `${bStarValue(m) ?? 'no B*'} at ${formatCount(m.dataSize)} tokens`;
}

/** The worked example's headline: how B* moved between the smallest and the largest budget, or null with one budget. */
export function dataGrowthSentence(measurements: readonly MeasurementAnalysis[]): string | null {
  const sorted = [...measurements].sort((p, q) => p.dataSize - q.dataSize);
  // One model at several data sizes: with several models, the ends could be two different models.
  if (sorted.length < 2 || new Set(sorted.map((m) => `${m.model.name}|${m.nonEmbeddingParams}|${m.model.context}`)).size !== 1) return null;
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first.dataSize === last.dataSize) return null;
  const b0 = first.cbs?.bStar ?? null;
  const b1 = last.cbs?.bStar ?? null;
  if (b0 === null || b1 === null || !Number.isFinite(b0) || !Number.isFinite(b1)) return null;
  const change = b1 >= b0 ? 'growth' : 'drop';
  const disjoint = intervalsDisjoint(first.interval, last.interval);
  const intervals =
    disjoint === null ? 'One of them has no interval, so the uncertainty cannot be judged.' : disjoint ? `The intervals do not overlap: the ${change} is larger than the uncertainty.` : `The intervals overlap: this ${change} is within the uncertainty.`;
  return `${fmtNum(last.dataSize / first.dataSize)}× the data, ${fmtNum(b1 / b0)}× the critical batch size: B* ≈ ${bStarText(first)} and ${bStarText(last)}, in sequences with 90% intervals. ${intervals}`;
}

/**
 * The model-size worked example's headline: how B* moved from the smallest model to the largest at
 * one data size, and whether every model's interval overlaps every other's (the range over all of
 * them is the scaling chart's reading, in tokens); null with fewer than two models, mixed data sizes or contexts, or a missing B*.
 */
export function modelSizeSentence(measurements: readonly MeasurementAnalysis[]): string | null {
  const sorted = [...measurements].sort((p, q) => p.nonEmbeddingParams - q.nonEmbeddingParams);
  // B* is compared in sequences, so the models must share a data size and a context.
  if (sorted.length < 2 || new Set(sorted.map((m) => m.dataSize)).size !== 1 || new Set(sorted.map((m) => m.model.context)).size !== 1) return null;
  const b = sorted.map((m) => m.cbs?.bStar ?? NaN);
  if (!b.every(Number.isFinite)) return null;
  // In tokens, as the B*-against-model-size chart it heads (the models share one context).
  // bStarValue is null only where B* is missing, which the line above excludes.
  const values = sorted.map((m) => bStarValue(m, m.model.context)) as string[];
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const intervals = sorted.map(boundedInterval);
  const sentences = [
    `${+(last.nonEmbeddingParams / first.nonEmbeddingParams).toPrecision(2)}× the parameters, ${fmtNum(b[b.length - 1] / b[0])}× the critical batch size: B* ≈ ${values[0]} tokens with ${formatCount(first.nonEmbeddingParams)} parameters and ${values[values.length - 1]} with ${formatCount(last.nonEmbeddingParams)} (90% intervals in brackets), all trained on ${formatCount(first.dataSize)} tokens.`,
  ];
  if (intervals.every((iv) => iv !== null)) {
    const bounds = intervals as [number, number][];
    // Every pair overlaps exactly when the largest lower end lies below the smallest upper end.
    const allOverlap = Math.max(...bounds.map((iv) => iv[0])) <= Math.min(...bounds.map((iv) => iv[1]));
    sentences.push(
      allOverlap
        ? `${sorted.length > 2 ? `The ${sorted.length} models' intervals` : 'The intervals'} all overlap: model size moved B* less than the uncertainty.`
        : `Not every pair of intervals overlaps: model size moved B* by more than the uncertainty somewhere.`,
    );
  }
  return sentences.join(' ');
}
