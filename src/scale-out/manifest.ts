// The manifest of a PyTorch package: the lab's own plan (src/experiment/plan.ts planRuns), one RunSpec
// per line, so that the cluster trains exactly the runs the lab would: same ids, seeds and
// hyper-parameters. Pure.
import { chooseMicroBatch } from '../model/config';
import type { ExperimentConfig, RunSpec } from '../experiment/schema';
import { planRuns, microBatchLimit } from '../experiment/plan';
import { VALIDATION_SPREAD } from '../data/corpus';

/** No memory limit: the lab's rule (at least two micro-batches where B allows) without an adapter. */
const UNBOUNDED = { maxStorageBufferBindingSize: Infinity, maxBufferSize: Infinity, activationBudgetBytes: Infinity };

/**
 * The lab's plan for a config and a vocabulary. Each spec's microBatch is the lab's choice without
 * a memory bound (B/2 where B allows); train.py picks the micro-batch of each GPU from its share of B.
 */
export function packagePlan(config: ExperimentConfig, vocabSize: number): RunSpec[] {
  return planRuns(config, {
    vocabSize,
    microBatchFor: (model, batchSize) => chooseMicroBatch(model, batchSize, UNBOUNDED, microBatchLimit(config, batchSize)),
  });
}

export function manifestText(plan: RunSpec[]): string {
  return plan.map((spec) => JSON.stringify(spec) + '\n').join('');
}

/** The manifest's runs, or an error that names the line. */
export function parseManifest(text: string): RunSpec[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((l) => l.text !== '')
    .map(({ line, text }) => {
      try {
        return JSON.parse(text) as RunSpec;
      } catch {
        throw new Error(`manifest.jsonl line ${line} is not JSON`);
      }
    });
}


/**
 * Tokens the data must hold, as the lab loads them (src/data/corpus.ts prepareData): the shared
 * pool every run reads a prefix of, plus one token for the last target (Infinity: the whole
 * shards, as for the bundled text), and the validation text the evaluation sequences are spread over.
 */
export function tokenBudget(plan: RunSpec[]): { trainTokens: number; validationTokens: number } {
  let trainTokens = 0;
  let validationTokens = 0;
  for (const spec of plan) {
    const C = spec.model.context;
    trainTokens = Math.max(trainTokens, spec.poolTokens === null ? Infinity : spec.poolTokens + 1);
    validationTokens = Math.max(validationTokens, VALIDATION_SPREAD * Math.max(1, Math.ceil(spec.evaluation.validationTokens / C)) * (C + 1));
  }
  return { trainTokens, validationTokens };
}
