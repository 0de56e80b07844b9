// The words the page uses, each with a plain definition: every term a result or a chart uses is
// a button that opens its entry (src/ui/glossary-view.tsx), and the glossary lists them all.
export interface GlossaryEntry {
  term: string;
  definition: string;
}

export const GLOSSARY = {
  'batch-size': {
    term: 'Batch size B',
    definition: 'How many sequences (of context-length tokens) the model sees per optimizer step. A bigger batch gives a less noisy gradient per step, at more compute per step.',
  },
  'data-size': {
    term: 'Data size D',
    definition: 'How many tokens of training text one measurement is about. The reference run trains for exactly D tokens; each (model, D) pair gets its own B*.',
  },
  'steps-to-target': {
    term: 'Steps to target R(B)',
    definition:
      'The first evaluation step at which a run’s EWA validation loss is at or below the target loss. At each batch size the best run over the learning rates counts (with several seed replicates, their geometric mean); a run that stopped before getting there counts as a lower bound, one that failed counts for nothing.',
  },
  'target-loss': {
    term: 'Target loss',
    definition:
      'The validation loss every run must reach. The paper’s way, and the lab’s default: the final EWA validation loss of reference runs at one batch size trained for exactly D tokens (their mean, one per seed replicate). It can also be fixed by hand, and changed after the sweep.',
  },
  'reference-run': {
    term: 'Reference run',
    definition: 'A run trained for exactly D tokens at the reference batch size, one per seed replicate, each with its own seeds; the mean of their final EWA validation losses becomes the target of their model and data size. They run first, and are not points on the chart.',
  },
  ewa: {
    term: 'EWA (weight average)',
    definition:
      'An exponentially weighted average of the weights: after each step w̄ ← τ·w̄ + (1 − τ)·w, corrected for starting at zero. Evaluating the averaged weights removes most of the noise a constant learning rate leaves, so the loss can be read at any step; the paper evaluates it instead of decaying the learning rate. The lab keeps a few averages with different decays τ and takes the best, as the paper’s code does.',
  },
  'linear-scaling': {
    term: 'Perfect (linear) scaling',
    definition: 'Doubling the batch halves the steps: R(B) = R(B₀) · B₀ / B. No batch size can do better than this; small batches come close, large ones fall behind.',
  },
  baseline: {
    term: 'Baseline B₀',
    definition: 'The batch size perfect scaling is drawn from: by default the smallest batch size that reached the target (the paper uses 256 sequences).',
  },
  fit: {
    term: 'Fit a + b/B',
    definition:
      'The paper’s curve through the points, fitted in log space: R(B) = a + b/B. a is the fewest steps any batch size could need; b is the fewest sequences a tiny batch could need. It is the same shape as McCandlish et al.’s S = S_min (1 + B_noise / B).',
  },
  overhead: {
    term: 'Overhead (the 20% rule)',
    definition: 'How far above perfect scaling a batch size may be and still count as efficient. The paper uses 20%: B* is where the steps are 1.2 times what perfect scaling predicts.',
  },
  'b-star': {
    term: 'Critical batch size B*',
    definition:
      'The batch size beyond which a bigger batch stops paying for itself: where steps to target are 20% (the overhead) above perfect scaling from the baseline. On the fitted curve B* = 1.2·B₀ + 0.2·b/a. Below B*, doubling the batch nearly halves the steps; above it, it wastes compute.',
  },
  'fit-free': {
    term: 'Fit-free B*',
    definition: 'The largest measured batch size still within the overhead of perfect scaling, read straight from the points without the fit: a check on the fitted B*.',
  },
  interval: {
    term: 'Interval (bootstrap)',
    definition: 'How sure B* is: the points are resampled many times, refitted, and the middle 90% of the B* values is shown. A wide interval means more batch sizes or seeds are needed.',
  },
  'b-crit': {
    term: 'B_crit = b/a',
    definition: 'McCandlish et al.’s critical batch from the same fit: at B = b/a a run needs twice the fewest steps and twice the fewest sequences. B* with the 20% rule is 1.2·B₀ + 0.2·B_crit.',
  },
  'noise-scale': {
    term: 'Gradient noise scale B_simple',
    definition:
      'tr(Σ) / |G|²: how noisy one sequence’s gradient is compared with the true gradient, estimated during training from the micro-batch and the accumulated batch. A cheap prediction of the critical batch; later work found it underestimates the measured one, so it is shown beside B*, never instead.',
  },
  'local-cbs': {
    term: 'Local CBS',
    definition:
      'The critical batch size at one point of a run, measured by branching (Merrill et al. 2025): from a checkpoint of a run at batch B, short branches train at k·B with the learning rate scaled by √k, and the local CBS is the largest k·B whose smoothed loss stays within a tolerance ε of every smaller batch’s. Measured at several checkpoints it shows how CBS grows as the run sees more tokens.',
  },
} as const satisfies Record<string, GlossaryEntry>;

export type GlossaryId = keyof typeof GLOSSARY;

export const GLOSSARY_IDS = Object.keys(GLOSSARY) as GlossaryId[];
