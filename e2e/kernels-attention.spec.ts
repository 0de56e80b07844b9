import { test } from '@playwright/test';
import { expectAllClose, sharedHarnessPage, runCheck } from './harness';

const harness = sharedHarnessPage();

for (const name of [
  'small and edge shapes',
  'several sequences, ragged T across tiles',
  'large scores and hd = 128',
  'row kernels: limits, hd not a multiple of 4, bitwise reruns',
]) {
  test(`attention forward and backward: ${name}`, async () => {
    const outcomes = await runCheck(harness.page, 'attention', name);
    for (const { label, comparison: c } of outcomes) console.log(`${label}: max |err| ${c.maxAbsError.toExponential(2)}`);
    expectAllClose(outcomes);
  });
}
