// The paper's fit of steps against batch size: log R(B) = log(a + b/B), least squares in log
// space with a, b > 0 (McCandlish's S = S_min (1 + B_noise/B): a = S_min, b = E_min, b/a = B_crit).
// Censored points (runs stopped before the target: R(B) > steps) enter as one-sided constraints:
// they cost (log steps − log fit)² only while the fitted curve lies below them (a Tobit-style
// hinge), so a run that never reached the target pushes the curve up instead of being dropped.

/** One point: R(B) steps to target at batch size B (sequences), or a lower bound when censored. */
export interface CurvePoint {
  batchSize: number;
  steps: number;
  /** True when the run stopped unreached: R(B) > steps. */
  censored?: boolean;
}

/** Log residual of a point; a censored point has none while the fit is at or above its bound. */
function residual(y: number, logFit: number, censored: boolean): number {
  const r = y - logFit;
  return censored && r <= 0 ? 0 : r;
}

/**
 * - ok: both a and b are positive (interior least-squares optimum).
 * - boundary-a-zero: the best fit with a, b ≥ 0 has a = 0 (R = b/B, steps fall at least linearly);
 *   a one-parameter fit of b alone is reported and B_crit is unbounded (null).
 * - boundary-b-zero: the best fit has b = 0 (R = a, no benefit from larger batches); a alone is fitted.
 * - too-few-points: fewer than 2 distinct batch sizes.
 */
export type FitStatus = 'ok' | 'boundary-a-zero' | 'boundary-b-zero' | 'too-few-points';

export interface FitResidual {
  batchSize: number;
  steps: number;
  censored: boolean;
  /** Fitted a + b/B. */
  fitted: number;
  /** log(steps) − log(fitted); for a censored point, 0 while the fit is above its bound. */
  logResidual: number;
}

export interface PaperFit {
  status: FitStatus;
  /** A sentence for anything other than a plain fit (boundary, exact fit, too few points); null otherwise. */
  note: string | null;
  /** S_min: steps at infinite batch size. */
  a: number | null;
  /** E_min: sequences at batch size → 0 (steps × B). */
  b: number | null;
  /** McCandlish's B_crit = b/a; null when a = 0 (unbounded) or there is no fit. */
  bCrit: number | null;
  /** Parameters actually fitted: 2, or 1 at a boundary, 0 when there is no fit. */
  parameters: number;
  points: number;
  /** Points that are lower bounds (censored runs). */
  censoredPoints: number;
  /** Distinct batch sizes among the points that reached the target. */
  distinctBatchSizes: number;
  /** Residual degrees of freedom: points − parameters (0 means the fit passes through every point). */
  dof: number;
  residuals: FitResidual[];
  /** Sum of squared log residuals. */
  sseLog: number | null;
  /** sqrt(sseLog / points). */
  rmseLog: number | null;
  iterations: number;
}

export function paperCurve(a: number, b: number, batchSize: number): number {
  return a + b / batchSize;
}

function checkPoints(points: readonly CurvePoint[]): void {
  for (const p of points) {
    if (!(Number.isFinite(p.batchSize) && p.batchSize > 0)) throw new RangeError(`batch size must be a positive number (got ${p.batchSize})`);
    if (!(Number.isFinite(p.steps) && p.steps > 0)) throw new RangeError(`steps must be a positive number (got ${p.steps} at B = ${p.batchSize})`);
  }
}

function sse(logA: number, logB: number, xs: readonly number[], ys: readonly number[], cs: readonly boolean[]): number {
  const a = Math.exp(logA);
  const b = Math.exp(logB);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const r = residual(ys[i], Math.log(a + b / xs[i]), cs[i]);
    s += r * r;
  }
  return s;
}

/** Levenberg–Marquardt on (α, β) = (log a, log b). Returns the best parameters, their SSE and iterations. */
function levenbergMarquardt(start: [number, number], xs: readonly number[], ys: readonly number[], cs: readonly boolean[]): { p: [number, number]; sse: number; iterations: number } {
  let [al, be] = start;
  let current = sse(al, be, xs, ys, cs);
  let lambda = 1e-3;
  let iterations = 0;
  for (; iterations < 500; iterations++) {
    const a = Math.exp(al);
    const b = Math.exp(be);
    let j11 = 0;
    let j12 = 0;
    let j22 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < xs.length; i++) {
      const u = a;
      const v = b / xs[i];
      const f = Math.log(u + v);
      const r = residual(ys[i], f, cs[i]);
      // An inactive censored point (fit above its bound) has no residual and no gradient.
      if (cs[i] && r === 0) continue;
      const da = u / (u + v);
      const db = v / (u + v);
      j11 += da * da;
      j12 += da * db;
      j22 += db * db;
      g1 += da * r;
      g2 += db * r;
    }
    let improved = false;
    for (let tries = 0; tries < 30; tries++) {
      const m11 = j11 * (1 + lambda) + 1e-300;
      const m22 = j22 * (1 + lambda) + 1e-300;
      const det = m11 * m22 - j12 * j12;
      if (!(det > 0)) {
        lambda *= 10;
        continue;
      }
      const d1 = (m22 * g1 - j12 * g2) / det;
      const d2 = (m11 * g2 - j12 * g1) / det;
      const na = al + d1;
      const nb = be + d2;
      const trial = sse(na, nb, xs, ys, cs);
      if (Number.isFinite(trial) && trial <= current) {
        const gain = current - trial;
        al = na;
        be = nb;
        current = trial;
        lambda = Math.max(lambda / 3, 1e-12);
        improved = true;
        if (gain <= 1e-16 * (1 + current) && Math.abs(d1) + Math.abs(d2) < 1e-12) return { p: [al, be], sse: current, iterations: iterations + 1 };
        break;
      }
      lambda *= 4;
    }
    if (!improved) break;
  }
  return { p: [al, be], sse: current, iterations };
}

/** Weighted least squares of R on 1/B with weights 1/R² (close to least squares in log space). */
function linearGuess(xs: readonly number[], rs: readonly number[]): [number, number] {
  let s00 = 0;
  let s01 = 0;
  let s11 = 0;
  let t0 = 0;
  let t1 = 0;
  for (let i = 0; i < xs.length; i++) {
    const w = 1 / (rs[i] * rs[i]);
    const z = 1 / xs[i];
    s00 += w;
    s01 += w * z;
    s11 += w * z * z;
    t0 += w * rs[i];
    t1 += w * z * rs[i];
  }
  const det = s00 * s11 - s01 * s01;
  if (!(Math.abs(det) > 0)) return [NaN, NaN];
  return [(s11 * t0 - s01 * t1) / det, (s00 * t1 - s01 * t0) / det];
}

function median(values: number[]): number {
  const s = values.slice().sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function residualsOf(points: readonly CurvePoint[], a: number, b: number): FitResidual[] {
  return points.map((p) => {
    const fitted = paperCurve(a, b, p.batchSize);
    const censored = p.censored === true;
    return { batchSize: p.batchSize, steps: p.steps, censored, fitted, logResidual: residual(Math.log(p.steps), Math.log(fitted), censored) };
  });
}

/**
 * The best constant c for Σ residual(y_i, c)² (uncensored squares, censored hinges): a convex
 * piecewise quadratic in c. Without censored points it is the mean of y, as before.
 */
function bestConstant(ys: readonly number[], cs: readonly boolean[]): { c: number; sse: number } {
  const total = (c: number) => ys.reduce((s, y, i) => s + residual(y, c, cs[i]) ** 2, 0);
  // The optimum is the mean of the uncensored values and the censored values above it: iterate
  // that fixed point from the uncensored mean (it only moves up, over at most n active sets).
  const free = ys.filter((_, i) => !cs[i]);
  let c = free.reduce((s, y) => s + y, 0) / free.length;
  for (let k = 0; k <= ys.length; k++) {
    const active = ys.filter((y, i) => !cs[i] || y > c);
    const next = active.reduce((s, y) => s + y, 0) / active.length;
    if (next === c) break;
    c = next;
  }
  return { c, sse: total(c) };
}

/**
 * Fits log R(B) = log(a + b/B) over `points` by least squares in log space, with a, b ≥ 0.
 * Levenberg–Marquardt on (log a, log b) from several starts (the first from a weighted linear
 * fit of R on 1/B over the points that reached the target); the interior optimum is compared
 * with the two one-parameter boundary fits (b = 0: R = a; a = 0: R = b/B), and a boundary wins
 * when it fits as well (then that parameter is exactly 0 and the status says so). Censored
 * points (R(B) > steps) count only while the curve lies below them. Duplicate batch sizes are
 * allowed (each point counts once). Throws RangeError on non-positive input.
 */
export function fitPaperCurve(points: readonly CurvePoint[]): PaperFit {
  checkPoints(points);
  const xs = points.map((p) => p.batchSize);
  const rs = points.map((p) => p.steps);
  const cs = points.map((p) => p.censored === true);
  const ys = rs.map((r) => Math.log(r));
  const n = points.length;
  const censoredPoints = cs.filter(Boolean).length;
  const reachedXs = xs.filter((_, i) => !cs[i]);
  const reachedRs = rs.filter((_, i) => !cs[i]);
  const distinct = new Set(reachedXs).size;
  if (distinct < 2) {
    return {
      status: 'too-few-points',
      note:
        reachedXs.length === 0
          ? 'no points reached the target: nothing to fit'
          : `only one batch size reached the target (B = ${reachedXs[0]}): the two-parameter fit needs at least 2 distinct batch sizes`,
      a: null,
      b: null,
      bCrit: null,
      parameters: 0,
      points: n,
      censoredPoints,
      distinctBatchSizes: distinct,
      dof: 0,
      residuals: [],
      sseLog: null,
      rmseLog: null,
      iterations: 0,
    };
  }

  // Boundary fits: b = 0 is a constant log R; a = 0 is a constant log(R·B).
  const b0 = bestConstant(ys, cs);
  const a0 = bestConstant(ys.map((y, i) => y + Math.log(xs[i])), cs);
  const sseB0 = b0.sse;
  const sseA0 = a0.sse;

  // Interior fit from several starts.
  const starts: [number, number][] = [];
  const [la, lb] = linearGuess(reachedXs, reachedRs);
  if (la > 0 && lb > 0) starts.push([Math.log(la), Math.log(lb)]);
  const minR = Math.min(...reachedRs);
  for (const t of [0.1, 0.5, 0.9]) {
    const aStart = t * minR;
    const bStart = median(reachedRs.map((r, i) => Math.max((r - aStart) * reachedXs[i], 1e-6 * minR * reachedXs[i])));
    starts.push([Math.log(aStart), Math.log(bStart)]);
  }
  let best = { p: [0, 0] as [number, number], sse: Infinity, iterations: 0 };
  let iterations = 0;
  for (const start of starts) {
    const r = levenbergMarquardt(start, xs, ys, cs);
    iterations += r.iterations;
    if (r.sse < best.sse) best = r;
  }
  const a = Math.exp(best.p[0]);
  const b = Math.exp(best.p[1]);
  const maxB = Math.max(...xs);
  const minB = Math.min(...xs);
  const boundarySse = Math.min(sseA0, sseB0);
  const interiorWins =
    Number.isFinite(best.sse) &&
    best.sse < boundarySse - 1e-12 * (1 + boundarySse) &&
    a > 1e-9 * (b / minB) && // a is not negligible next to b/B anywhere in range…
    b / maxB > 1e-9 * a; // …nor b/B next to a.

  const common = { points: n, censoredPoints, distinctBatchSizes: distinct, iterations };
  if (interiorWins) {
    const sseLog = best.sse;
    return {
      status: 'ok',
      note: n === 2 ? 'two points: the fit passes through both, so there are no residual degrees of freedom' : null,
      a,
      b,
      bCrit: b / a,
      parameters: 2,
      dof: n - 2,
      residuals: residualsOf(points, a, b),
      sseLog,
      rmseLog: Math.sqrt(sseLog / n),
      ...common,
    };
  }
  if (sseA0 <= sseB0) {
    const bOnly = Math.exp(a0.c);
    return {
      status: 'boundary-a-zero',
      note: 'the least-squares optimum with a, b ≥ 0 has a = 0: steps fall at least linearly with B over the measured range (perfect or better-than-linear scaling), so b alone was fitted and B_crit = b/a is unbounded',
      a: 0,
      b: bOnly,
      bCrit: null,
      parameters: 1,
      dof: n - 1,
      residuals: residualsOf(points, 0, bOnly),
      sseLog: sseA0,
      rmseLog: Math.sqrt(sseA0 / n),
      ...common,
    };
  }
  const aOnly = Math.exp(b0.c);
  return {
    status: 'boundary-b-zero',
    note: 'the least-squares optimum with a, b ≥ 0 has b = 0: steps do not fall with B over the measured range, so a alone was fitted and B_crit = 0',
    a: aOnly,
    b: 0,
    bCrit: 0,
    parameters: 1,
    dof: n - 1,
    residuals: residualsOf(points, aOnly, 0),
    sseLog: sseB0,
    rmseLog: Math.sqrt(sseB0 / n),
    ...common,
  };
}
