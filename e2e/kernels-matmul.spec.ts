import { test, expect, type Page } from '@playwright/test';
import { expectAllClose, openHarness, runCheck } from './harness';
import { matmulRef } from '../src/kernels/matmul.ref';
import { compareArrays } from '../src/kernels/compare';
import { randomUniform } from '../src/util/random';

test.describe.configure({ mode: 'serial' });
let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  console.log(`adapter: ${await openHarness(page)}`);
});
test.afterAll(() => page.close());

for (const name of ['A·B on ragged shapes', 'A·Bᵀ and Aᵀ·B', 'batched, broadcast, accumulate and alpha']) {
  test(`matmul: ${name}`, async () => expectAllClose(await runCheck(page, 'matmul', name)));
}

test('matmul through the worker API: page → comlink → worker → WebGPU → page', async () => {
  const shape = { M: 65, N: 33, K: 130 };
  const a = Array.from(randomUniform(shape.M * shape.K, 7));
  const b = Array.from(randomUniform(shape.K * shape.N, 8));
  const c = await page.evaluate(
    async ([a, b, shape]) => {
      const worker = window.harness.startLabWorker();
      try {
        const probe = await worker.api.probe();
        if (!probe.ok) throw new Error(probe.message);
        const out = await worker.api.matmul({ a: new Float32Array(a), b: new Float32Array(b), shape });
        return Array.from(out);
      } finally {
        worker.terminate();
      }
    },
    [a, b, shape] as const,
  );
  const comparison = compareArrays(c, matmulRef(a, b, shape), { atol: 1e-4, rtol: 1e-4 });
  expect(comparison.count).toBe(65 * 33);
  expect(comparison.ok, `max |err| ${comparison.maxAbsError}`).toBe(true);
});
