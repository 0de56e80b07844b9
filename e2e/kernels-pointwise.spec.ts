import { test } from '@playwright/test';
import { expectAllClose, sharedHarnessPage, runCheck } from './harness';

// LayerNorm, RoPE, GELU and elementwise kernels against their float64 references
// (e2e/checks/{layernorm,rope,gelu,elementwise}.check.ts), on one harness page.
const harness = sharedHarnessPage();

const families: Record<string, string[]> = {
  layernorm: [
    'forward on ragged shapes',
    'QK-LayerNorm width: C = 2048 and 2047',
    'backward: dx overwrite and accumulate, dw accumulates across micro-batches',
    'rows per workgroup: every threadsPerRow, and the default plan',
  ],
  rope: [
    'forward and inverse, in and out of place',
    'edge shapes: T = 1, hd = 2, one row, long sequence, other base',
    'inverse(forward(x)) = x on the GPU',
  ],
  gelu: ['special values, one element, ragged counts', 'large values: |x| up to 10'],
  elementwise: [
    'add and add in place on ragged counts, and slices',
    'scale with update, copy, fill',
    'count past 65535·256: the grid folds into y',
  ],
};

for (const [family, names] of Object.entries(families)) {
  for (const name of names) {
    test(`${family}: ${name}`, async () => {
      const outcomes = await runCheck(harness.page, family, name);
      for (const o of outcomes) console.log(`  ${family} | ${o.label}: max |err| ${o.comparison.maxAbsError.toExponential(2)}`);
      expectAllClose(outcomes);
    });
  }
}
