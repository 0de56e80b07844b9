import { expect, test } from '@playwright/test';
import { expectAllClose, sharedHarnessPage, listChecks, runCheck } from './harness';

// The whole GPU model, forward and backward composed from the kernels, against the float64
// reference (e2e/checks/model.check.ts): the loss, every parameter gradient, accumulation over
// micro-batches, and the activation allocation.
const harness = sharedHarnessPage();

const names = [
  'whole model: loss and every parameter gradient vs the float64 reference',
  'gradient accumulation over 3 micro-batches equals one batch of 6',
  'sequences shorter than the context; one layer, 4 heads of 4',
];

for (const name of names) {
  test(`model: ${name}`, async () => {
    const outcomes = await runCheck(harness.page, 'model', name);
    for (const o of outcomes) console.log(`  model | ${o.label}: max |err| ${o.comparison.maxAbsError.toExponential(2)}`);
    expectAllClose(outcomes);
  });
}

// Tests are declared before the page exists, so the names are listed above; this keeps the list
// equal to the module's, so a check added there cannot go unrun.
test('model: the spec runs every check in e2e/checks/model.check.ts', async () => {
  expect([...(await listChecks(harness.page, 'model'))].sort()).toEqual([...names].sort());
});
