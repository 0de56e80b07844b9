import { test, type Page } from '@playwright/test';
import { expectAllClose, openHarness, runCheck } from './harness';

test.describe.configure({ mode: 'serial' });
let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  console.log(`adapter: ${await openHarness(page)}`);
});
test.afterAll(() => page.close());

for (const name of [
  'small and edge shapes',
  'several sequences, ragged T across tiles',
  'large scores and hd = 128',
  'row kernels: limits, hd not a multiple of 4, bitwise reruns',
]) {
  test(`attention forward and backward: ${name}`, async () => {
    const outcomes = await runCheck(page, 'attention', name);
    for (const { label, comparison: c } of outcomes) console.log(`${label}: max |err| ${c.maxAbsError.toExponential(2)}`);
    expectAllClose(outcomes);
  });
}
