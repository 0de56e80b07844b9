// In-page entry of the browser peer comparison (tools/bench-peer.ts bundles it): the lab's engine
// and the TF.js model train the same model from the same initial weights on the same batches,
// on the page's WebGPU device.
import { acquireGpu, describeAdapter } from '../../src/gpu';
import { comparePeer, syntheticBatches } from '../../src/bench/peer-compare';
import type { PeerResult } from '../../src/bench/peer-format';
import { presetConfig } from '../../src/model/presets';

export interface PeerPageOptions {
  presets: string[];
  steps: number;
  microBatch: number;
  vocab: number;
}

async function benchPeer(options: PeerPageOptions): Promise<{ adapter: string; rows: PeerResult[] }> {
  // acquireGpu's errors already say what is missing and how to enable it.
  const gpu = await acquireGpu();
  const adapter = describeAdapter(gpu.adapter);
  console.log(`adapter: ${adapter}`);
  const rows: PeerResult[] = [];
  for (const preset of options.presets) {
    const model = presetConfig(preset, options.vocab);
    const batches = syntheticBatches(model, options.microBatch, options.steps);
    const row = await comparePeer(gpu, { model, microBatch: options.microBatch, steps: options.steps }, batches, 'synthetic');
    console.log(`${preset}: lab ${row.lab.tokensPerSecond.toFixed(0)} tokens/s, TF.js ${row.tfjs.tokensPerSecond.toFixed(0)} tokens/s`);
    rows.push(row);
  }
  return { adapter, rows };
}

declare global {
  interface Window {
    benchPeer: typeof benchPeer;
  }
}
window.benchPeer = benchPeer;
