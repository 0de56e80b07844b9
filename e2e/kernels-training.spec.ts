import { test } from '@playwright/test';
import { expectAllClose, sharedHarnessPage, runCheck } from './harness';

// The training kernels: embedding, cross-entropy, global gradient norm, AdamW and EWA, each
// against its float64 CPU reference (e2e/checks/<family>.check.ts states the tolerances).
const harness = sharedHarnessPage();

const families: Record<string, string[]> = {
  embedding: [
    'forward: repeated ids, odd vocabulary, N = 1, folded grid',
    'backward: repeated ids, accumulation over micro-batches, N = 1',
  ],
  'cross-entropy': [
    'vocabularies not a multiple of 4, padding rows',
    'all rows masked but one, N = 1, V = 50304',
    'scale update and loss-sum accumulation over micro-batches',
    'rows per workgroup: every threadsPerRow, folded grids, reruns',
  ],
  'grad-norm': ['ragged counts, slices, slots, folded grid'],
  adamw: [
    'step 1 matches hand-computed numbers',
    'six steps with the GPU norm, clipping active and inactive, folded grid',
    'no-decay ranges and zeroGrad, without clipping',
  ],
  ewa: [
    'several steps, then debias without disturbing wbar or θ',
    'constant θ: debiased average equals θ; paper τ = 0.9995',
  ],
};

for (const [family, names] of Object.entries(families)) {
  for (const name of names) {
    test(`${family}: ${name}`, async () => {
      const outcomes = await runCheck(harness.page, family, name);
      for (const { label, comparison: c } of outcomes) {
        console.log(`  ${family} | ${label}: max |err| ${c.maxAbsError.toExponential(2)} over ${c.count}`);
      }
      expectAllClose(outcomes);
    });
  }
}
