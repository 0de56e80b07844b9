import { describe, expect, it } from 'vitest';
import { cbsClosedForm, cbsFromFit, cbsNumericRoot, rawCbs } from './cbs';
import { fitPaperCurve, paperCurve } from './fit';

describe('B* by the overhead rule', () => {
  it('the closed form equals a bisection root of the definition (relative 1e-9) over a grid', () => {
    let worst = 0;
    for (const a of [10, 200, 5000]) {
      for (const b of [1e3, 6400, 4e6]) {
        for (const baseline of [4, 64, 256]) {
          for (const x of [0.05, 0.2, 0.5, 1]) {
            const closed = cbsClosedForm(a, b, baseline, x);
            const numeric = cbsNumericRoot(a, b, baseline, x);
            worst = Math.max(worst, Math.abs(closed / numeric - 1));
            // And the definition itself: R(B*) = (1 + x)·R(B_opt)·B_opt/B*.
            const lin = (paperCurve(a, b, baseline) * baseline) / closed;
            expect(paperCurve(a, b, closed) / ((1 + x) * lin)).toBeCloseTo(1, 12);
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-9);
  });

  it('is the paper\'s B* = 1.2·B_opt + b/(5a) at 20%', () => {
    expect(cbsClosedForm(2000, 4.378e6, 256, 0.2)).toBeCloseTo(1.2 * 256 + 4.378e6 / (5 * 2000), 9);
    expect(cbsClosedForm(0, 100, 256, 0.2)).toBe(Infinity);
  });

  it('from a fit: finite and flagged when extrapolated; unbounded (null, not Infinity) at a = 0; no-fit for one point', () => {
    const fit = fitPaperCurve([8, 16, 32, 64].map((B) => ({ batchSize: B, steps: 200 + 6400 / B })));
    const est = cbsFromFit(fit, 8, 0.2, 64);
    expect(est.status).toBe('ok');
    expect(est.bStar as number).toBeCloseTo(1.2 * 8 + 0.2 * 32, 6);
    expect(est.extrapolated).toBe(false);
    expect(cbsFromFit(fit, 8, 0.2, 8).extrapolated).toBe(true);

    const linear = fitPaperCurve([8, 16, 32, 64].map((B) => ({ batchSize: B, steps: 6400 / B })));
    const unbounded = cbsFromFit(linear, 8, 0.2, 64);
    expect(unbounded.status).toBe('unbounded');
    expect(unbounded.bStar).toBeNull();
    expect(unbounded.note).toMatch(/exceeds every batch size/);
    expect(JSON.stringify(unbounded)).not.toMatch(/NaN|Infinity/);

    const none = cbsFromFit(fitPaperCurve([{ batchSize: 8, steps: 100 }]), 8, 0.2, 8);
    expect(none.status).toBe('no-fit');
    expect(none.bStar).toBeNull();
  });
});

describe('raw B* (no fit)', () => {
  it('walks up from the baseline to the last batch size within the rule: hand numbers', () => {
    // Baseline R(8) = 1000 → linear 500, 250, 125 at 16, 32, 64; 1.2× limits 600, 300, 150.
    const raw = rawCbs(
      [
        { batchSize: 8, steps: 1000 },
        { batchSize: 16, steps: 550 },
        { batchSize: 32, steps: 299 },
        { batchSize: 64, steps: 200 },
      ],
      8,
      0.2,
    );
    expect(raw.status).toBe('ok');
    expect(raw.bStar).toBe(32);
    expect(raw.firstOutside).toBe(64);
    expect(raw.checks.map((c) => c.ratio)).toEqual([1.1, 299 / 250, 1.6]);
    // The 1.2 line between 32 (1.196) and 64 (1.6), in log B against log ratio.
    expect(raw.crossing).toBeCloseTo(32 * 2 ** (Math.log(1.2 / 1.196) / Math.log(1.6 / 1.196)), 12);
  });

  it('the crossing is exact where R/linear is a power of B: from the baseline, and between two measured sizes', () => {
    // R/linear = (B/8)^0.5 crosses 1.2 at B = 8·1.2² = 11.52, inside the first doubling.
    const fromBaseline = rawCbs([8, 16, 32].map((B) => ({ batchSize: B, steps: (8000 / B) * Math.sqrt(B / 8) })), 8, 0.2);
    expect(fromBaseline.bStar).toBe(8);
    expect(fromBaseline.crossing).toBeCloseTo(11.52, 10);
    // Linear scaling to 16, then R/linear = (B/16)^0.25 (1.19 at 32, 1.41 at 64): 1.2 at 16·1.2⁴ = 33.1776.
    const later = rawCbs([8, 16, 32, 64].map((B) => ({ batchSize: B, steps: (8000 / B) * Math.max(1, B / 16) ** 0.25 })), 8, 0.2);
    expect(later.bStar).toBe(32);
    expect(later.crossing).toBeCloseTo(33.1776, 10);
    // A censored first-outside point gives only a bound on its ratio: no crossing.
    expect(rawCbs([{ batchSize: 8, steps: 1000 }, { batchSize: 16, steps: 560 }, { batchSize: 32, steps: 600, censored: true }], 8, 0.2).crossing).toBeNull();
    expect(rawCbs([8, 16].map((B) => ({ batchSize: B, steps: 800 / B })), 8, 0.2).crossing).toBeNull();
  });

  it('all points within (at or below linear scaling): a lower bound at the largest measured B', () => {
    const raw = rawCbs([8, 16, 32, 64].map((B) => ({ batchSize: B, steps: 6400 / B })), 8, 0.2);
    expect(raw.status).toBe('all-within');
    expect(raw.bStar).toBe(64);
    expect(raw.lowerBound).toBe(true);
    expect(raw.note).toMatch(/lower bound/);
  });

  it('the first batch size above the baseline already breaks the rule: B* is the baseline', () => {
    const raw = rawCbs([{ batchSize: 8, steps: 100 }, { batchSize: 16, steps: 90 }], 8, 0.2);
    expect(raw.bStar).toBe(8);
    expect(raw.firstOutside).toBe(16);
  });

  it('non-monotone data: stops at the first break and names the batch sizes that come back within', () => {
    const raw = rawCbs([{ batchSize: 8, steps: 1000 }, { batchSize: 16, steps: 700 }, { batchSize: 32, steps: 280 }], 8, 0.2);
    expect(raw.bStar).toBe(8);
    expect(raw.note).toMatch(/B = 32 come back within/);
  });

  it('duplicates take the minimum; a missing baseline or nothing above it is said, not guessed', () => {
    const dup = rawCbs([{ batchSize: 8, steps: 1200 }, { batchSize: 8, steps: 1000 }, { batchSize: 16, steps: 590 }], 8, 0.2);
    expect(dup.baselineSteps).toBe(1000);
    expect(dup.bStar).toBe(16);
    expect(rawCbs([{ batchSize: 16, steps: 10 }], 8, 0.2).status).toBe('baseline-not-measured');
    expect(rawCbs([{ batchSize: 8, steps: 10 }], 8, 0.2).status).toBe('too-few-points');
    // A group with no points at all (its sweep runs not finished yet) has no baseline (null).
    const empty = rawCbs([], null, 0.2);
    expect(empty.status).toBe('baseline-not-measured');
    expect(empty.note).toBe('no batch size reached the target: the raw rule has no baseline to start from');
  });

  it('censored batch sizes: outside when their bound already breaks the rule, undetermined when it does not', () => {
    // Linear from B = 8 (1000 steps) predicts 250 at B = 32; the run there stopped unreached at 600 (2.4×): outside.
    const outside = rawCbs([{ batchSize: 8, steps: 1000 }, { batchSize: 16, steps: 560 }, { batchSize: 32, steps: 600, censored: true }], 8, 0.2);
    expect(outside.status).toBe('ok');
    expect(outside.bStar).toBe(16);
    expect(outside.firstOutside).toBe(32);
    expect(outside.checks[1]).toMatchObject({ censored: true, within: false });
    // Stopped at 280 (1.12× linear): it could still be within, so B* is only a lower bound.
    const unknown = rawCbs([{ batchSize: 8, steps: 1000 }, { batchSize: 16, steps: 560 }, { batchSize: 32, steps: 280, censored: true }], 8, 0.2);
    expect(unknown.status).toBe('undetermined');
    expect(unknown.bStar).toBe(16);
    expect(unknown.lowerBound).toBe(true);
    // A run that reached the target at the same B wins over a censored one.
    const mixed = rawCbs([{ batchSize: 8, steps: 1000 }, { batchSize: 16, steps: 560 }, { batchSize: 16, steps: 900, censored: true }], 8, 0.2);
    expect(mixed.checks[0]).toMatchObject({ steps: 560, censored: false, within: true });
  });
});
