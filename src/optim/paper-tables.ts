// The paper's "close to optimal" beta2 and EWA decay per batch size, from the authors' code
// (docs/method.md). Tuned for runs of tens of thousands of steps: the lab's short runs choose
// theirs from the budget's step count instead (src/experiment/plan.ts), and offer this table as
// an option for β2.

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
