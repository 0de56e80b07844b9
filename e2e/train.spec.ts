import { test, expect } from '@playwright/test';
import { expectAllClose, sharedHarnessPage, runCheck, runProbe } from './harness';
import type { EvalPoint } from '../src/experiment/schema';

const harness = sharedHarnessPage();

test('gradient accumulation over micro-batches gives the same update as one batch', async () => {
  expectAllClose(await runCheck(harness.page, 'train', 'accumulation over micro-batches equals one big batch'));
});

test('the same config and seeds give the same loss curve bit for bit', async () => {
  const [a, b] = await runProbe<number[][]>(harness.page, 'train', 'reproducible');
  expect(a.length).toBeGreaterThan(6);
  expect(a.every(Number.isFinite)).toBe(true);
  expect(b).toEqual(a);
});

test('a tiny model learns the bundled text: validation loss well below the unigram entropy', async () => {
  test.setTimeout(900_000);
  const r = await runProbe<{ unigramEntropy: number; status: string; firstTrainLoss: number; evals: EvalPoint[]; seconds: number }>(
    harness.page,
    'train',
    'learns',
    { steps: 300 },
  );
  const last = r.evals.at(-1)!;
  console.log(
    `unigram entropy ${r.unigramEntropy.toFixed(3)} nats; first train loss ${r.firstTrainLoss.toFixed(3)}; ` +
      `after ${last.step} steps EWA ${last.ewaLoss.toFixed(3)}, raw ${last.rawLoss?.toFixed(3) ?? '—'} (${r.seconds.toFixed(0)} s)`,
  );
  expect(r.status).toBe('finished');
  expect(last.step).toBe(300);
  // A fresh model predicts about uniformly over 257 byte ids: ln 257 = 5.55 nats.
  expect(r.firstTrainLoss).toBeGreaterThan(5.2);
  expect(r.unigramEntropy).toBeGreaterThan(2.5);
  expect(last.ewaLoss).toBeLessThan(r.unigramEntropy - 0.4);
  expect(last.rawLoss).toBeLessThan(r.unigramEntropy - 0.4);
});
