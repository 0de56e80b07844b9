// The PyTorch package of an experiment: the files `npm run export:torch` writes (the page could
// zip the same list). Pure: the trainer and launchers are this folder's own files, the manifest is
// the lab's plan, the README is written for this experiment. The command adds prepare_data.mjs
// (the lab's data pipeline, bundled) and, for the bundled data, the shards themselves.
import { exportConfigJson } from '../experiment/codec';
import { measurementPairs } from '../experiment/plan';
import { nonEmbeddingParams } from '../experiment/presets';
import type { ExperimentConfig, RunSpec } from '../experiment/schema';
import LAUNCH_SLURM from './launch_slurm.sh?raw';
import LAUNCH_TORCHRUN from './launch_torchrun.sh?raw';
import { manifestText, packagePlan, tokenBudget } from './manifest';
import TRAIN_PY from './train.py?raw';

export interface PackageFile {
  path: string;
  content: string;
  executable?: boolean;
}

/** The vocabulary the plan needs and the tokenizer.json the package ships, where the lab has one. */
export interface PackageTokenizer {
  vocabSize: number;
  /** The tokenizer's identity ('bytes', 'gpt2', 'bpe-…'), or null when prepare_data trains it from the shards. */
  id: string | null;
  /** tokenizer.json of a BPE the lab ships, else null. */
  json: string | null;
}

export function buildTorchPackage(config: ExperimentConfig, tokenizer: PackageTokenizer): PackageFile[] {
  const plan = packagePlan(config, tokenizer.vocabSize);
  if (plan.length === 0) throw new Error('the experiment plans no runs: nothing to export');
  const files: PackageFile[] = [
    { path: 'train.py', content: TRAIN_PY, executable: true },
    { path: 'manifest.jsonl', content: manifestText(plan) },
    { path: 'experiment.json', content: exportConfigJson(config) + '\n' },
    { path: 'launch_torchrun.sh', content: LAUNCH_TORCHRUN, executable: true },
    { path: 'launch_slurm.sh', content: LAUNCH_SLURM, executable: true },
    { path: 'README.md', content: packageReadme(config, plan, tokenizer) },
  ];
  if (tokenizer.json) files.push({ path: 'tokenizer.json', content: tokenizer.json.endsWith('\n') ? tokenizer.json : tokenizer.json + '\n' });
  return files;
}

const count = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toPrecision(3)}B` : n >= 1e6 ? `${(n / 1e6).toPrecision(3)}M` : n >= 1e3 ? `${(n / 1e3).toPrecision(3)}k` : String(n));

function dataSection(config: ExperimentConfig): string {
  switch (config.data.kind) {
    case 'bundled':
      return 'The experiment trains on the lab\'s bundled shards (public-domain English text in C4\'s format), which this package ships in `shards/`:\n\n```sh\nnode prepare_data.mjs\n```';
    case 'urls':
      return (
        'The experiment trains on these shards, which `prepare_data.mjs` downloads (or give local copies, in the same order, with `--train` and `--validation`):\n\n' +
        config.data.train.map((u) => `- train: ${u}`).join('\n') +
        '\n' +
        config.data.validation.map((u) => `- validation: ${u}`).join('\n') +
        '\n\n```sh\nnode prepare_data.mjs\n```'
      );
    case 'local':
      return (
        'The experiment was designed on local files; give the same files, in the same order:\n\n```sh\nnode prepare_data.mjs ' +
        config.data.train.map((f) => `--train ${f}`).join(' ') +
        ' ' +
        config.data.validation.map((f) => `--validation ${f}`).join(' ') +
        '\n```'
      );
  }
}

function packageReadme(config: ExperimentConfig, plan: RunSpec[], tokenizer: PackageTokenizer): string {
  const references = plan.filter((s) => s.role === 'reference').length;
  const replicates = config.seeds.length;
  const budget = tokenBudget(plan);
  const trainTokens = plan.reduce((s, r) => s + r.maxSteps * r.batchSize * r.model.context, 0);
  const models = measurementPairs(config)
    .map((p) => `${p.model.name} (${p.model.layers} layer${p.model.layers === 1 ? '' : 's'}, d ${p.model.dModel}, ${p.model.heads} heads, context ${p.model.context}; ${count(nonEmbeddingParams(p.model))} non-embedding parameters) on D = ${count(p.dataSize)} tokens`)
    .filter((line, i, all) => all.indexOf(line) === i);
  const tokenizerLine =
    tokenizer.json !== null
      ? `the lab's BPE (\`tokenizer.json\`, ${tokenizer.vocabSize} ids)`
      : tokenizer.id === null
        ? `a byte-level BPE of ${tokenizer.vocabSize} ids that \`prepare_data.mjs\` trains on the training shards exactly as the lab does (it writes \`data/tokenizer.json\`)`
        : `${tokenizer.id === 'bytes' ? 'bytes (257 ids)' : tokenizer.id === 'gpt2' ? "GPT-2's BPE (50257 ids)" : tokenizer.id}, built into the lab's code`;
  return `# ${config.name}: the CBS sweep as a PyTorch package

Exported by CBS Lab (\`npm run export:torch\`). The lab designed this experiment; this package trains
it on PyTorch, on a laptop CPU, one GPU node or a SLURM cluster, and writes results the lab imports
and analyses like any sweep of its own.

- ${models.join('\n- ')}
- ${plan.length} runs (${references} reference run${references === 1 ? '' : 's'} that set${references === 1 ? 's' : ''} the target, then batch sizes ${config.batchSizes.join(', ')} × ${config.learningRates.values.length} learning rate${config.learningRates.values.length === 1 ? '' : 's'}${replicates > 1 ? `, for each of ${replicates} seed replicates` : ''}), at most ${count(trainTokens)} training tokens in all (runs that stop at the target read fewer).
- Tokenizer: ${tokenizerLine}.

## What is here

| File | What it is |
|---|---|
| \`train.py\` | the trainer: the lab's model and protocol in PyTorch; one run of the manifest, under DDP |
| \`manifest.jsonl\` | one line per run: the lab's plan (same ids, seeds, hyper-parameters) |
| \`experiment.json\` | the lab's experiment config (open it in the lab to see or change the design) |
| \`prepare_data.mjs\` | the lab's data pipeline (Node ≥ 20): C4-format shards → tokens → \`data/\` |
| \`launch_torchrun.sh\` | every run on one machine, one after another |
| \`launch_slurm.sh\` | a SLURM job array, one task per run |

\`train.py\` needs Python 3 with PyTorch (1.13 or 2.x) and numpy, nothing else.

## 1. Prepare the data

${dataSection(config)}

This writes \`data/train.bin\` and \`data/validation.bin\` (the tokens as flat unsigned integers, each
document followed by end-of-text) and \`data/meta.json\`. ${
    Number.isFinite(budget.trainTokens)
      ? `Every run reads a prefix of one shuffled pool of the first ${count(budget.trainTokens)} training tokens`
      : 'Every run reads a prefix of one shuffled pool of all the training text'
  }, and its evaluations use sequences spread over the first ${count(budget.validationTokens)} validation tokens;
\`prepare_data.mjs\` reads that much. The trainer samples sequences with the lab's own seeded
order, so a run here reads the same tokens in the same order as the same run in the lab.

## 2. Train

On a laptop (CPU; each run is one process):

\`\`\`sh
PYTHON=python3 ./launch_torchrun.sh
\`\`\`

On one GPU node (each run data-parallel over all its GPUs; flags after the script go to \`train.py\`):

\`\`\`sh
./launch_torchrun.sh --precision bf16
\`\`\`

On a SLURM cluster (edit the \`#SBATCH\` lines first: partition, GPUs, time):

\`\`\`sh
./launch_slurm.sh
\`\`\`

One run by hand: \`torchrun --standalone --nproc_per_node=8 train.py --run 3\` (the manifest's line 3,
counted from 0); \`python3 train.py --help\` lists every flag. Useful ones:

- \`--precision\`: \`fp32\` (default: the lab's arithmetic), \`tf32\`, \`bf16\` (autocast, fp32 weights), \`fp64\`.
- \`--micro-batch N\`: sequences per forward pass on each GPU, when the default does not fit. Gradients
  are accumulated, so B (and the results) do not change.

The batch size B of a run is split over the processes; it must be divisible by their number.

## 3. Bring the results back

Each run appends its record (the lab's RunRecord: every step's loss, learning rate and gradient
norms, every evaluation, the status and why a run failed) as a JSON line to
\`results/run-NNNNN.jsonl\`; \`results/experiment.jsonl\` holds the config. In the lab:

\`\`\`sh
npm run cbs -- path/to/results            # the analysis: steps to target, B*, its interval
cat results/*.jsonl > results.jsonl       # one file, for the page's Import button
\`\`\`

A run that diverges, runs out of memory or dies is recorded as failed with its reason, and the
sweep goes on; the analysis reports it as the lab does. Running a launcher again skips the runs
that finished and trains the others again.

## How it follows the lab

Same model (pre-LN, scale-only LayerNorm, QK-LayerNorm over the full width, NeoX RoPE, GELU MLP,
untied embeddings, no biases), same initial weights, same data order, AdamW with the run's betas,
eps and weight decay (none on LayerNorm scales), global-norm clipping, linear warmup from 0.1× to a
constant learning rate, EWA weights with debias (with several decays, the best one counts), the
lab's evaluation schedule, the target from the reference runs (the mean of their final losses),
stop-at-target and the lab's divergence rules. Two differences: runs are independent jobs here,
so the lab's economy does not apply (a run stops neither because another run at its B reached
the target sooner, nor when it is censored far beyond linear scaling: it runs to the target or
its cap), and a run interrupted mid-way starts again from step 0.
`;
}
