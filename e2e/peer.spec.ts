// Lab vs TF.js (WebGPU backend) on the page's adapter: same model, init and batches. Asserts
// that both compute the same loss and both learn; prints tokens/s and the ratio (no timed
// assertion: on the CPU emulator the figures are only reported). See docs/peer.md.
import { test, expect } from '@playwright/test';
import { runProbe, sharedHarnessPage } from './harness';
import { formatPeerTable, type PeerResult } from '../src/bench/peer-format';

const harness = sharedHarnessPage();

const TINY = { name: 'peer-tiny', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 257 };
const STEPS = 8;

test('TF.js peer: same first loss as the lab, both learn; tokens/s of each', async () => {
  test.setTimeout(300_000);
  const r = await runProbe<PeerResult>(harness.page, 'peer', 'peer-throughput', { model: TINY, microBatch: 4, steps: STEPS, data: 'text' });
  console.log(`data: ${r.data}`);
  console.log(`lab   losses ${r.lab.losses.map((l) => l.toFixed(5)).join(' ')}`);
  console.log(`TF.js losses ${r.tfjs.losses.map((l) => l.toFixed(5)).join(' ')}`);
  console.log(`lab   step seconds ${r.lab.stepSeconds.map((s) => s.toFixed(3)).join(' ')}`);
  console.log(`TF.js step seconds ${r.tfjs.stepSeconds.map((s) => s.toFixed(3)).join(' ')}`);
  console.log(`${STEPS} steps, tokens/s over steps 2…${STEPS}\n${formatPeerTable([r])}`);

  expect(r.lab.losses).toHaveLength(STEPS);
  expect(r.tfjs.losses).toHaveLength(STEPS);
  for (const l of [...r.lab.losses, ...r.tfjs.losses]) expect(Number.isFinite(l)).toBe(true);
  // A fresh model predicts about uniformly over 257 byte ids: ln 257 = 5.549 nats.
  expect(Math.abs(r.lab.losses[0] - Math.log(257))).toBeLessThan(0.1);
  // Same f32 weights and batch, two f32 implementations: the first losses differ by summation
  // order only (measured ~1e-7); 1e-4 absolute is the stated bar.
  expect(r.firstLossDiff).toBeLessThan(1e-4);
  // Same global gradient norm at step 1 (clipping then acts alike).
  expect(Math.abs(r.lab.gradNorms[0] - r.tfjs.gradNorms[0])).toBeLessThan(1e-3 * r.lab.gradNorms[0]);
  // The curves track each other: AdamW's early updates are ~lr·sign(g), so tiny gradient
  // differences stay tiny over a few steps.
  expect(r.maxLossDiff).toBeLessThan(1e-3);
  // Both learn: the mean of the last 3 steps' losses is below the first 3 (each step sees a new batch).
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const losses of [r.lab.losses, r.tfjs.losses]) expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)) - 0.05);
  expect(r.lab.tokensPerSecond).toBeGreaterThan(0);
  expect(r.tfjs.tokensPerSecond).toBeGreaterThan(0);
  console.log(`ratio lab/TF.js ${r.ratio.toFixed(2)}× on ${harness.adapter}`);
});
