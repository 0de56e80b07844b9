import { describe, expect, it } from 'vitest';
import { learningRate, warmupSteps } from './schedule';
import { paperRow } from './paper-tables';

describe('learning-rate schedule', () => {
  it('warms up linearly from 0.1× peak and then stays at peak', () => {
    expect(learningRate(1, 1e-3, 10)).toBeCloseTo(1e-4, 12);
    expect(learningRate(6, 1e-3, 10)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5), 12);
    expect(learningRate(10, 1e-3, 10)).toBe(1e-3);
    expect(learningRate(500, 1e-3, 10)).toBe(1e-3);
    expect(learningRate(1, 2e-3, 0)).toBe(2e-3);
  });
  it('sets warmup from the data size, not the run length, as the paper does', () => {
    // D = 1M tokens, B = 32 sequences of 128 tokens: 244 steps per D; 0.25 of that is 61.
    expect(warmupSteps(0.25, 1_000_000, 32, 128)).toBe(61);
    expect(warmupSteps(0.25, 1_000_000, 64, 128)).toBe(31);
  });
});

describe('paper tables', () => {
  it('reads the per-batch-size beta2 and EWA decay, clamped at the ends', () => {
    expect(paperRow(256)).toMatchObject({ beta2: 0.995, ewaDecay: 0.9995 });
    expect(paperRow(2048)).toMatchObject({ beta2: 0.95, ewaDecay: 0.998 });
    expect(paperRow(4)).toMatchObject({ batch: 64, beta2: 0.999 });
    expect(paperRow(1 << 20)).toMatchObject({ batch: 16384, ewaDecay: 0.99 });
    expect(paperRow(700).batch).toBe(512);
  });
});
