// The throughput comparison with TF.js in the page (docs/peer.md): the lab's engine and the
// TF.js peer model train the same model from the same init on the same batches, on this page's
// adapter. The spec (e2e/peer.spec.ts) asserts agreement and learning, and prints tokens/s.
import { bundledDataset } from '../../src/data';
import { presetConfig } from '../../src/model/presets';
import type { ModelConfig } from '../../src/model/config';
import { comparePeer, syntheticBatches, textBatches } from '../../src/bench/peer-compare';
import type { Probe } from './types';

export interface PeerProbeArgs {
  /** A preset name (vocabulary 257, the byte tokenizer's) or a full config. */
  preset?: string;
  model?: ModelConfig;
  microBatch: number;
  steps: number;
  initSeed?: number;
  /** 'text': the bundled shards through the lab's data pipeline (vocab 257); 'synthetic': a Markov stream. */
  data?: 'text' | 'synthetic';
}

export const probes: Record<string, Probe> = {
  /** Returns src/bench/peer-compare.ts's PeerResult. */
  async 'peer-throughput'(gpu, raw) {
    const args = raw as PeerProbeArgs;
    const model = args.model ?? presetConfig(args.preset ?? 'tiny-test', 257);
    const kind = args.data ?? 'text';
    const batches =
      kind === 'text'
        ? await textBatches(model, args.microBatch, args.steps, bundledDataset())
        : syntheticBatches(model, args.microBatch, args.steps);
    const data = kind === 'text' ? 'bundled text, byte tokenizer, data seed 2' : 'synthetic order-1 Markov stream, 4 successors per token';
    return comparePeer(gpu, { model, microBatch: args.microBatch, steps: args.steps, initSeed: args.initSeed }, batches, data);
  },
};
