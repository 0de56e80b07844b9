// The local-CBS experiment kind: its config's checks, its plan (base run, branches, the warmup
// comparison) and the batch-schedule arithmetic the run loop relies on.
import { describe, expect, it } from 'vitest';
import { batchAt, phaseAt, runTokens, stepsForTokens, tokensAfterSteps } from './batch-schedule';
import { decodeLink, encodeConfigFragment } from './codec';
import { estimateExperiment } from './estimate';
import { branchEvalSteps, commonBranchTokens, learningRatesFor, planLocalCbs, planRuns, planWarmupComparison, referenceSeeds } from './plan';
import { defaultConfig, localCbsDemoConfig, withKind } from './presets';
import type { BatchPhase, ExperimentConfig, LocalCbsConfig } from './schema';
import { configWarnings, validateConfig } from './validate';

const ctx = { vocabSize: 257, microBatchFor: (_m: unknown, b: number) => Math.max(1, Math.floor(b / 2)) };
const messages = (v: unknown) => validateConfig(v).map((i) => `${i.path}: ${i.message}`);
const withLocal = (patch: Partial<LocalCbsConfig>, top: Partial<ExperimentConfig> = {}): ExperimentConfig => {
  const c = localCbsDemoConfig();
  return { ...c, ...top, localCbs: { ...c.localCbs!, ...patch } };
};

describe('the local-CBS demo preset', () => {
  it('is the demo sweep\'s model, data and learning rate at its batch, on 20k tokens (where it was measured), with checkpoints after warmup', () => {
    const c = localCbsDemoConfig();
    const sweep = defaultConfig();
    expect(messages(c)).toEqual([]);
    expect(c.models).toEqual(sweep.models);
    expect(c.dataSizes).toEqual([20_000]);
    expect(Math.min(...sweep.dataSizes)).toBeGreaterThan(20_000);
    expect(c.data).toEqual(sweep.data);
    expect(c.tokenizer).toEqual(sweep.tokenizer);
    expect(c.localCbs!.learningRate).toBe(learningRatesFor(sweep, 4)[0]);
    expect(c.localCbs!.learningRate).toBeCloseTo(0.004 * 0.5 ** 0.3, 8);
    expect(sweep.batchSizes).toContain(c.localCbs!.baseBatch);
    // No branch ends before Adam's second moment has adapted to its batch.
    expect(configWarnings(c, 10_000_000)).toEqual([]);
  });

  it('the builder\'s switch of kind: a valid local-CBS experiment from the demo sweep, and back', () => {
    const local = withKind(defaultConfig(), 'local-cbs');
    expect(messages(local)).toEqual([]);
    expect(local.models).toHaveLength(1);
    expect(local.dataSizes).toEqual([40_000]);
    // B = 1 (the smallest swept), 16 tokens per step: warmup ends at step 625, the budget at step 2500;
    // whole steps at k·B = 1, 2, 4, 8 are multiples of 128 tokens, and Δ is about D / 4 of them.
    expect(local.localCbs).toMatchObject({ baseBatch: 1, checkpoints: [626 * 16, 1563 * 16, 2500 * 16], multipliers: [1, 2, 4, 8], branchTokens: 128 * 78 });
    expect(withKind(local, 'sweep')).toEqual({ ...defaultConfig(), models: local.models, dataSizes: local.dataSizes, measureNoiseScale: true });
    expect(messages(withKind(localCbsDemoConfig(), 'local-cbs'))).toEqual([]);
  });

  it('travels in a share link like any config', () => {
    const c = localCbsDemoConfig();
    const decoded = decodeLink(encodeConfigFragment(c));
    expect(decoded.ok && decoded.kind === 'config' ? decoded.config : decoded).toEqual(c);
  });
});

describe('local-CBS validation', () => {
  it('refuses a checkpoint before warmup ends, and says why', () => {
    // The demo's warmup at B = 4: 0.25 × 20000 / (4 · 16) ≈ 78 steps = 4992 tokens.
    expect(messages(withLocal({ checkpoints: [3840, 12_800] }))).toEqual([
      'localCbs.checkpoints[0]: localCbs.checkpoints[0] (3840 tokens) is not after the base run\'s warmup, which ends at 4992 tokens: ' +
        'its learning rate is still rising there, so branches at √k times it would compare warmups, not batch sizes. Take checkpoints after 4992 tokens',
    ]);
  });

  it('says what is wrong with checkpoints, multipliers and Δ', () => {
    const m = messages(withLocal({ checkpoints: [6400, 6000, 25_600], multipliers: [1, 1, 0.3], branchTokens: 5000 }));
    expect(m).toContain('localCbs.checkpoints[1]: localCbs.checkpoints must increase (localCbs.checkpoints[1] = 6000 follows 6400)');
    expect(m).toContain('localCbs.checkpoints[1]: localCbs.checkpoints[1] (6000 tokens) must be a multiple of the base run\'s tokens per step B·T = 64');
    expect(m).toContain('localCbs.checkpoints[2]: localCbs.checkpoints[2] (25600 tokens) is past the base run\'s end: it trains D = 20000 tokens');
    expect(m).toContain('localCbs.multipliers[1]: localCbs.multipliers[1] repeats the multiplier 1');
    expect(m).toContain('localCbs.multipliers[2]: localCbs.multipliers[2]: k·B = 0.3 × 4 is not a whole number of sequences');
    expect(m).toContain('localCbs.branchTokens: localCbs.branchTokens (Δ = 5000) must be a multiple of 64 tokens, so that every branch trains exactly Δ tokens in whole steps of k·B·T');
  });

  it('Δ is a whole number of steps at every k, and the final evaluations fit in it', () => {
    // k·B = 4, 8, 12, 16, 24, 32 sequences of 16 tokens: whole steps at every k are multiples of 96 · 16 = 1536 tokens.
    expect(messages(withLocal({ branchTokens: 6144 + 512 }))[0]).toMatch(/must be a multiple of 1536 tokens/);
    expect(messages(withLocal({ finalEvaluations: 5 }))).toEqual([
      'localCbs.finalEvaluations: localCbs.finalEvaluations (5) is more than the 4 token counts every branch reaches in whole steps (Δ / 1536): branches are evaluated after the same token counts',
    ]);
    // Read off the training loss, no evaluation is needed.
    expect(messages(withLocal({ loss: 'train', finalEvaluations: 0 }))).toEqual([]);
    expect(messages(withLocal({ loss: 'validation', finalEvaluations: 0 }))).toEqual([
      'localCbs.finalEvaluations: localCbs.finalEvaluations must be at least 1 with the validation loss: a branch is read off its evaluations',
    ]);
  });

  it('ranges, kinds, one model and one data size; localCbs only with its kind', () => {
    const m = messages(withLocal({ tolerance: -1, smoothing: 0, loss: 'median' as never }, { models: [...defaultConfig().models, ...defaultConfig().models] }));
    expect(m).toContain('models: a local-CBS experiment trains one model (got 2)');
    expect(m).toContain('localCbs.tolerance: localCbs.tolerance must be a number from 0 to 10 (got -1)');
    expect(m).toContain('localCbs.smoothing: localCbs.smoothing must be a positive number up to 1 (got 0)');
    expect(m).toContain('localCbs.loss: localCbs.loss must be "train" or "validation" (got "median")');
    expect(messages({ ...defaultConfig(), localCbs: localCbsDemoConfig().localCbs })).toEqual(['localCbs: localCbs is for kind "local-cbs" only (kind is "sweep")']);
    expect(messages({ ...defaultConfig(), kind: 'grid' })).toEqual(['kind: kind must be "sweep" or "local-cbs" (got "grid")']);
    expect(messages({ ...localCbsDemoConfig(), localCbs: undefined })).toEqual(['localCbs: localCbs must be an object (got nothing)']);
    expect(messages({ ...defaultConfig(), kind: 'sweep' })).toEqual([]);
  });

  it('warns when a branch ends before Adam\'s second moment has adapted to its batch', () => {
    // The demo sweep's fixed β2 = 0.99 remembers 100 steps: longer than every branch.
    const w = configWarnings(withLocal({}, { optimizer: defaultConfig().optimizer }), 10_000_000);
    expect(w).toHaveLength(6);
    expect(w[5]).toMatch(/^The branch at k = 8 trains 12 steps, fewer than Adam's second-moment memory there \(1\/\(1 − β2\) ≈ 100 steps\)/);
  });
});

describe('planLocalCbs', () => {
  const config = localCbsDemoConfig();
  const runs = planRuns(config, ctx);

  it('one base run per replicate, trained for D at B and η, keeping a checkpoint at each requested token count', () => {
    const base = runs.filter((r) => r.role === 'base');
    expect(base).toHaveLength(1);
    expect(base[0]).toMatchObject({ batchSize: 4, microBatch: 2, peakLr: 0.00324901, maxSteps: 313, stopAtTarget: false, targetLoss: null, checkpointSteps: [100, 200, 312] });
    expect(base[0].model.vocabSize).toBe(257);
    expect(base[0].warmupSteps).toBe(78);
  });

  it('a branch per checkpoint and k: batch k·B, LR √k·η, Δ tokens from the checkpoint, the base run\'s seeds and pool', () => {
    const base = runs.find((r) => r.role === 'base')!;
    const branches = runs.filter((r) => r.role === 'branch');
    expect(branches).toHaveLength(3 * 6);
    const b = branches.find((r) => r.branch!.fromStep === 200 && r.branch!.multiplier === 4)!;
    expect(b).toMatchObject({ batchSize: 16, microBatch: 8, maxSteps: 200 + 6144 / (16 * 16), seeds: base.seeds, poolTokens: base.poolTokens, warmupSteps: 78, ewaDecays: base.ewaDecays });
    expect(b.peakLr).toBeCloseTo(2 * 0.00324901, 12);
    // Evaluated after 4608 and 6144 tokens: steps 18 and 24 of 16 sequences.
    expect(b.branch).toEqual({ baseRunId: base.id, fromStep: 200, fromTokens: 12_800, multiplier: 4, evalSteps: [218, 224] });
    const b3 = branches.find((r) => r.branch!.fromStep === 200 && r.branch!.multiplier === 3)!;
    expect(b3).toMatchObject({ batchSize: 12, microBatch: 6, maxSteps: 200 + 32 });
    expect(b3.peakLr).toBeCloseTo(0.00324901 * Math.sqrt(3), 6);
    // β2 is the horizon rule's at k·B, as a sweep run at that batch with the same rule has it.
    const sweepAt16 = planRuns({ ...defaultConfig(), optimizer: config.optimizer, dataSizes: [20_000], batchSizes: [16] }, ctx).find((r) => r.role === 'sweep')!;
    expect(b.beta2).toBe(sweepAt16.beta2);
    expect(b.beta2).toBeCloseTo(1 - 1 / (0.25 * 20_000 / (16 * 16)), 5);
    // Every id is distinct (resuming recognises each run), and the plan does not depend on when it is made.
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    expect(planRuns(config, ctx)).toEqual(runs);
  });

  it('every branch of a checkpoint is evaluated after the same token counts', () => {
    const local = config.localCbs!;
    expect(commonBranchTokens(local, 16)).toBe(1536);
    for (const k of local.multipliers) {
      const tokens = branchEvalSteps(local, k, 16, 3).map((s) => s * k * 4 * 16);
      expect(tokens).toEqual([6144 - 3072, 6144 - 1536, 6144]);
    }
  });

  it('seed replicates each get a base run and branches; the pool covers every run on a remote source', () => {
    const c = withLocal({}, { seeds: [{ init: 1, data: 1 }, { init: 2, data: 3 }], data: { kind: 'urls', train: ['https://x.example/t.json'], validation: ['https://x.example/v.json'] } });
    const plan = planLocalCbs(c, ctx);
    expect(plan.filter((r) => r.role === 'base').map((r) => r.seeds)).toEqual(c.seeds);
    expect(plan.filter((r) => r.replicate === 1 && r.role === 'branch').every((r) => r.seeds.data === 3)).toBe(true);
    // The last checkpoint's branches read furthest: 19968 + 6144 tokens.
    expect(new Set(plan.map((r) => r.poolTokens))).toEqual(new Set([19_968 + 6144]));
    expect(Math.max(...plan.map(runTokens))).toBe(19_968 + 6144);
  });

  it('estimates its cost from the base run, the branches and the comparison', () => {
    const e = estimateExperiment(config, null);
    expect(e.runs).toBe(1 + 18 + 2);
    // The base run: D = 20000 tokens rounded to 313 whole steps of 4 × 16 tokens; each branch Δ; the comparison to the cap, 4 × D.
    expect(e.maxTokens).toBe(313 * 64 + 18 * 6144 + 2 * 4 * 20_000);
    expect(e.plan).toHaveLength(1 + 18);
  });
});

describe('planWarmupComparison', () => {
  const config = localCbsDemoConfig();
  const base = planRuns(config, ctx).find((r) => r.role === 'base')!;
  const schedule: BatchPhase[] = [
    { fromTokens: 0, batchSize: 4, peakLr: 0.00324901 },
    { fromTokens: 12_800, batchSize: 16, peakLr: 0.00649802 },
  ];

  it('the constant batch and the schedule, to the same target, the same seeds (not the base run\'s), capped at the same tokens', () => {
    const [constant, scheduled] = planWarmupComparison(config, base, schedule, 2.5);
    expect(constant).toMatchObject({ role: 'constant', batchSize: 4, peakLr: 0.00324901, targetLoss: 2.5, stopAtTarget: true, seeds: referenceSeeds(base.seeds) });
    expect(scheduled).toMatchObject({ role: 'schedule', batchSchedule: schedule, targetLoss: 2.5, stopAtTarget: true, seeds: constant.seeds });
    expect(constant.branch).toBeUndefined();
    expect(constant.checkpointSteps).toBeUndefined();
    expect(constant.batchSchedule).toBeUndefined();
    // Cap: 4 × D at B = 4 → 1250 steps = 80000 tokens; the schedule reads as many in fewer steps.
    expect(constant.maxSteps).toBe(1250);
    expect(runTokens(constant)).toBe(80_000);
    // 200 steps to 12800 tokens, then ⌈67200 / 256⌉ = 263 steps of 16 sequences: the first to reach the cap.
    expect(scheduled.maxSteps).toBe(200 + 263);
    expect(runTokens(scheduled)).toBe(12_800 + 263 * 256);
    expect(constant.id).not.toBe(scheduled.id);
  });
});

describe('batch schedules', () => {
  const schedule: BatchPhase[] = [
    { fromTokens: 0, batchSize: 2, peakLr: 1 },
    { fromTokens: 40, batchSize: 4, peakLr: 2 },
    { fromTokens: 100, batchSize: 8, peakLr: 3 },
  ];

  it('the phase in force by tokens read, and the steps and tokens it takes', () => {
    expect(phaseAt(schedule, 0).batchSize).toBe(2);
    expect(phaseAt(schedule, 39).batchSize).toBe(2);
    expect(phaseAt(schedule, 40).batchSize).toBe(4);
    expect(batchAt({ batchSize: 2, peakLr: 1, batchSchedule: schedule }, 120)).toEqual({ batchSize: 8, peakLr: 3 });
    expect(batchAt({ batchSize: 2, peakLr: 1 }, 120)).toEqual({ batchSize: 2, peakLr: 1 });
    // Context 10: steps of 20, 20 (40 read), 40, 40 (120 read: past 100), 80 …
    expect([1, 2, 3, 4, 5].map((s) => tokensAfterSteps(schedule, s, 10))).toEqual([20, 40, 80, 120, 200]);
    expect(stepsForTokens(schedule, 120, 10)).toBe(4);
    expect(stepsForTokens(schedule, 121, 10)).toBe(5);
  });
});
