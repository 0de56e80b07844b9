// Scaling laws: B* = c·X^e fitted by ordinary least squares in log space (log B* = log c + e·log X),
// with Student-t intervals from the regression's standard errors.

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 digits). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xm = x - 1;
  let a = c[0];
  const t = xm + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i] / (xm + i);
  return 0.5 * Math.log(2 * Math.PI) + (xm + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta function (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t CDF with `dof` degrees of freedom. */
export function studentTCdf(t: number, dof: number): number {
  const tail = 0.5 * regularizedBeta(dof / (dof + t * t), dof / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student-t quantile (p in (0, 1)) by bisection on the CDF. */
export function studentTQuantile(p: number, dof: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile level must be in (0, 1) (got ${p})`);
  if (p < 0.5) return -studentTQuantile(1 - p, dof);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, dof) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, dof) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface ScalingPoint {
  x: number;
  y: number;
  /** Optional label (the group the point came from). */
  label?: string;
}

export interface PowerLawFit {
  /** ok: a fit with intervals; exact: 2 distinct x, a line through both points and no interval; too-few-points: fewer than 2 distinct x. */
  status: 'ok' | 'exact' | 'too-few-points';
  note: string | null;
  /** B* = c·X^e, X in the units given. */
  c: number | null;
  e: number | null;
  /** Standard errors of e and of log c (natural log). */
  seExponent: number | null;
  seLogC: number | null;
  level: number;
  /** t-intervals: e ± t·se(e); c from exp(log c ± t·se(log c)) (asymmetric). */
  exponentInterval: [number, number] | null;
  cInterval: [number, number] | null;
  /** Residual standard deviation in log space, sqrt(SSR/(n−2)). */
  sigmaLog: number | null;
  points: ScalingPoint[];
  dof: number;
}

/**
 * Fits y = c·x^e by OLS of log y on log x. Intervals (at `level`, default 0.9) use the usual
 * standard errors with n − 2 degrees of freedom: se(e) = s/√Sxx, se(log c) = s·√(1/n + x̄²/Sxx),
 * where x̄ is the mean of log x. Throws RangeError on non-positive values.
 */
export function fitPowerLaw(points: readonly ScalingPoint[], level = 0.9): PowerLawFit {
  for (const p of points) {
    if (!(p.x > 0 && Number.isFinite(p.x)) || !(p.y > 0 && Number.isFinite(p.y))) throw new RangeError(`power-law points must be positive and finite (got x = ${p.x}, y = ${p.y})`);
  }
  const n = points.length;
  const lx = points.map((p) => Math.log(p.x));
  const ly = points.map((p) => Math.log(p.y));
  const distinct = new Set(points.map((p) => p.x)).size;
  const empty = { c: null, e: null, seExponent: null, seLogC: null, exponentInterval: null, cInterval: null, sigmaLog: null, level, points: [...points] };
  if (distinct < 2) {
    return { ...empty, status: 'too-few-points', note: `${distinct} distinct x value${distinct === 1 ? '' : 's'}: a power law needs at least 2`, dof: Math.max(0, n - 2) };
  }
  const mx = lx.reduce((s, v) => s + v, 0) / n;
  const my = ly.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
  }
  const e = sxy / sxx;
  const logC = my - e * mx;
  const dof = n - 2;
  if (dof === 0) {
    return {
      ...empty,
      status: 'exact',
      note: 'two points: the line passes through both, so there are no degrees of freedom for an interval',
      c: Math.exp(logC),
      e,
      dof,
    };
  }
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (ly[i] - logC - e * lx[i]) ** 2;
  const s = Math.sqrt(ssr / dof);
  const seExponent = s / Math.sqrt(sxx);
  const seLogC = s * Math.sqrt(1 / n + (mx * mx) / sxx);
  const t = studentTQuantile(0.5 + level / 2, dof);
  return {
    ...empty,
    status: 'ok',
    note: null,
    c: Math.exp(logC),
    e,
    seExponent,
    seLogC,
    exponentInterval: [e - t * seExponent, e + t * seExponent],
    cInterval: [Math.exp(logC - t * seLogC), Math.exp(logC + t * seLogC)],
    sigmaLog: s,
    dof,
  };
}
