import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseMicroBatch } from '../model/config';
import { importJson } from '../experiment/codec';
import { planRuns, microBatchLimit } from '../experiment/plan';
import { defaultConfig, findExperimentPreset } from '../experiment/presets';
import type { ExperimentConfig } from '../experiment/schema';
import { manifestText, packagePlan, parseManifest, tokenBudget } from './manifest';
import { buildTorchPackage } from './package';

const tiny = (): ExperimentConfig => {
  const decoded = importJson(readFileSync('e2e/fixtures/tiny.json', 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.config;
};

describe('the manifest', () => {
  it("is the lab's plan: same ids, seeds and hyper-parameters, the reference run first", () => {
    const config = findExperimentPreset('cbs-vs-data')!.config();
    const plan = packagePlan(config, 4096);
    // The page's plan with an adapter that fits everything (src/worker/experiment-runner.ts).
    const unbounded = { maxStorageBufferBindingSize: Infinity, maxBufferSize: Infinity, activationBudgetBytes: Infinity };
    const lab = planRuns(config, { vocabSize: 4096, microBatchFor: (m, b) => chooseMicroBatch(m, b, unbounded, microBatchLimit(config, b)) });
    expect(plan).toEqual(lab);
    // Per data size: a reference run per learning rate of the grid at B = 16, and 7 batch sizes × 3 learning rates.
    expect(plan).toHaveLength(4 * (3 + 7 * 3));
    expect(plan[0].role).toBe('reference');
    expect(new Set(plan.map((s) => s.id)).size).toBe(plan.length);
    expect(plan.every((s) => s.model.vocabSize === 4096 && s.batchSize % s.microBatch === 0 && s.microBatch <= Math.max(1, s.batchSize / 2))).toBe(true);
    expect(parseManifest(manifestText(plan))).toEqual(plan);
  });

  it('says how many tokens the data must hold: the shared pool and the validation text', () => {
    // The bundled text is read whole; 16 validation sequences of 33 tokens are spread over 64 times that.
    expect(tokenBudget(packagePlan(tiny(), 257))).toEqual({ trainTokens: Infinity, validationTokens: 64 * 16 * 33 });
    // From URLs, the pool is what the longest run reads (B = 4 to 4·D = 8192 tokens), plus the last target.
    const urls: ExperimentConfig = { ...tiny(), data: { kind: 'urls', train: ['https://x/a.json.gz'], validation: ['https://x/b.json.gz'] } };
    expect(tokenBudget(packagePlan(urls, 257)).trainTokens).toBe(64 * 4 * 32 + 1);
  });

  it('names the line of a manifest that is not JSON', () => {
    expect(() => parseManifest('{"id":"a"}\n{oops\n')).toThrow('manifest.jsonl line 2 is not JSON');
  });
});

describe('the package', () => {
  it('holds the trainer, the launchers, the manifest, the config and a README for this experiment', () => {
    const config = tiny();
    const files = buildTorchPackage(config, { vocabSize: 257, id: 'bytes', json: null });
    const byPath = new Map(files.map((f) => [f.path, f]));
    expect([...byPath.keys()].sort()).toEqual(['README.md', 'experiment.json', 'launch_slurm.sh', 'launch_torchrun.sh', 'manifest.jsonl', 'train.py']);
    expect(byPath.get('train.py')!.content).toBe(readFileSync('src/scale-out/train.py', 'utf8'));
    expect(files.filter((f) => f.executable).map((f) => f.path).sort()).toEqual(['launch_slurm.sh', 'launch_torchrun.sh', 'train.py']);
    const decoded = importJson(byPath.get('experiment.json')!.content);
    expect(decoded.ok && decoded.config).toEqual(config);
    expect(parseManifest(byPath.get('manifest.jsonl')!.content)).toEqual(packagePlan(config, 257));
    const readme = byPath.get('README.md')!.content;
    expect(readme).toContain('# Headless test: tiny CBS sweep');
    expect(readme).toContain('4 runs (1 reference run that sets the target, then batch sizes 4, 8, 16 × 1 learning rate)');
    expect(readme).toContain('node prepare_data.mjs');
    expect(readme).toContain('bytes (257 ids)');
  });

  it("ships the lab's tokenizer.json when it has one, and says when prepare_data trains it", () => {
    const config: ExperimentConfig = { ...defaultConfig(), tokenizer: { kind: 'bpe', vocabSize: 4096 } };
    const shipped = buildTorchPackage(config, { vocabSize: 4096, id: 'bpe-4096-abc', json: '{"model":{}}' });
    expect(shipped.find((f) => f.path === 'tokenizer.json')?.content).toBe('{"model":{}}\n');
    const trained = buildTorchPackage({ ...config, tokenizer: { kind: 'bpe', vocabSize: 1024 } }, { vocabSize: 1024, id: null, json: null });
    expect(trained.some((f) => f.path === 'tokenizer.json')).toBe(false);
    expect(trained.find((f) => f.path === 'README.md')!.content).toContain('that `prepare_data.mjs` trains on the training shards');
  });

  it('refuses an experiment that plans no run', () => {
    expect(() => buildTorchPackage({ ...tiny(), batchSizes: [], target: { kind: 'fixed', loss: 3 } }, { vocabSize: 257, id: 'bytes', json: null })).toThrow(
      'the experiment plans no runs',
    );
  });
});

describe('the 151M example of docs/scale-out.md', () => {
  it("is a valid experiment: the paper's 151M shape, three data sizes, 22 runs each", () => {
    const decoded = importJson(readFileSync('src/scale-out/fixtures/cbs-vs-data-151m.json', 'utf8'));
    if (!decoded.ok) throw new Error(decoded.message);
    const plan = packagePlan(decoded.config, 50257);
    expect(plan[0].model).toEqual({ name: '151M', layers: 12, dModel: 1024, heads: 16, context: 512, vocabSize: 50257 });
    expect(plan).toHaveLength(3 * (1 + 7 * 3));
    expect(plan.filter((s) => s.role === 'reference').map((s) => s.maxSteps)).toEqual([5722, 11444, 22888]);
  });
});
