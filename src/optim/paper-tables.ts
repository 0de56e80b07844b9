// The paper's "close to optimal" beta2 and EWA decay per batch size (from the authors' code,
// see ../shared/reference/cbs-method.md), and the lab's cap on the EWA horizon.

export const PAPER_TABLE: ReadonlyArray<{ batch: number; beta2: number; ewaDecay: number }> = [
  { batch: 64, beta2: 0.999, ewaDecay: 0.9995 },
  { batch: 128, beta2: 0.999, ewaDecay: 0.9995 },
  { batch: 256, beta2: 0.995, ewaDecay: 0.9995 },
  { batch: 512, beta2: 0.99, ewaDecay: 0.9995 },
  { batch: 1024, beta2: 0.99, ewaDecay: 0.999 },
  { batch: 2048, beta2: 0.95, ewaDecay: 0.998 },
  { batch: 4096, beta2: 0.95, ewaDecay: 0.995 },
  { batch: 8192, beta2: 0.95, ewaDecay: 0.99 },
  { batch: 16384, beta2: 0.95, ewaDecay: 0.99 },
];

/**
 * The table row for batch size B: the nearest power of two in log space, clamped to the
 * table's ends (so B = 4 uses the B = 64 row and B = 65536 the B = 16384 row).
 */
export function paperRow(batchSize: number): { batch: number; beta2: number; ewaDecay: number } {
  if (!(batchSize > 0)) throw new Error(`batch size must be positive, got ${batchSize}`);
  const first = PAPER_TABLE[0];
  const last = PAPER_TABLE[PAPER_TABLE.length - 1];
  const index = Math.round(Math.log2(batchSize) - Math.log2(first.batch));
  return PAPER_TABLE[Math.min(Math.max(index, 0), PAPER_TABLE.length - 1)] ?? last;
}

/**
 * Caps the EWA decay so that its horizon 1/(1 − τ) is at most `horizonFraction` of the run's
 * step budget. The paper's runs are tens of thousands of steps and its table's horizons
 * (1000–2000 steps) are roughly a tenth of them; the lab's runs are hundreds of steps, where
 * τ = 0.9995 would average over far more steps than the run has and lag the raw weights badly.
 * A fraction of 0 disables the cap.
 */
export function capEwaDecay(tau: number, maxSteps: number, horizonFraction: number): number {
  if (horizonFraction <= 0) return tau;
  const horizon = Math.max(1, horizonFraction * maxSteps);
  return Math.min(tau, 1 - 1 / horizon);
}
