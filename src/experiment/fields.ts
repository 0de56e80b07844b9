// The one table of the config's scalar fields: each row is a field's path, its label, its bounds,
// its unit and a sentence of help. Validation (./validate.ts) takes each field's scalar check from
// here, the builder (src/ui/builder/) draws its inputs from here, and docs/config.md's field list
// is generated from here (src/experiment/fields.test.ts fails when they differ). Adding a field is
// one row plus its use: the schema type, a default, and a place in validate.ts's structure.
//
// The structure (which objects exist, their `kind`s, unknown keys, cross-field rules such as
// "batch sizes are distinct" or "dModel divisible by heads") stays in validate.ts.

/** The scalar check of a field, each mapped to one of validate.ts's checker methods. */
export type FieldCheck =
  /** An integer in [min, max]. */
  | { kind: 'int'; min: number; max: number }
  /** An integer in [1, max]. */
  | { kind: 'positive-int'; max: number }
  /** A finite number in [min, max], or [min, max) when `maxExclusive`. */
  | { kind: 'number'; min: number; max: number; maxExclusive?: boolean }
  /** A finite number in (0, max]. */
  | { kind: 'positive'; max: number }
  | { kind: 'bool' }
  | { kind: 'text'; maxLength: number };

/** Where the builder shows a field: the basic form, or folded under "Advanced". */
export type FieldSection = 'experiment' | 'models' | 'data' | 'sweep' | 'target' | 'optimizer' | 'run-length' | 'evaluation' | 'analysis' | 'seeds';

export interface FieldRow {
  /**
   * The field's path in ExperimentConfig. `[]` stands for every element of a list
   * (`models[].layers`); a row whose path ends in `[]` describes the list's elements.
   */
  path: string;
  label: string;
  check: FieldCheck;
  /** The unit, in words ("tokens", "sequences"), or null. */
  unit: string | null;
  help: string;
  /** The value is a list of `check`ed items, with this many items. */
  list?: { min: number; max: number };
  /** null is allowed (and means what `help` says). */
  nullable?: boolean;
  section: FieldSection;
  /** Folded under "Advanced" in the builder. */
  advanced: boolean;
  /** Shown only when another field (a `kind`) has this value; validation follows the structure. */
  when?: { path: string; equals: string };
}

export const LIMITS = {
  models: 16,
  dataSizes: 32,
  batchSizes: 32,
  learningRates: 16,
  urls: 64,
  maxDataSize: 1e12,
  maxBatch: 1 << 20,
  maxWorkers: 16,
  ewaDecays: 8,
  replicates: 16,
} as const;

const UINT32_MAX = 0xffffffff;

export const FIELDS = [
  { path: 'name', label: 'Experiment name', check: { kind: 'text', maxLength: 200 }, unit: null, help: 'Free text, shown as text (never as HTML).', section: 'experiment', advanced: false },

  { path: 'models[].name', label: 'name', check: { kind: 'text', maxLength: 40 }, unit: null, help: 'A preset name (nano, micro, …) or any label.', section: 'models', advanced: false },
  { path: 'models[].layers', label: 'layers', check: { kind: 'positive-int', max: 128 }, unit: null, help: 'Transformer blocks.', section: 'models', advanced: false },
  { path: 'models[].dModel', label: 'd_model', check: { kind: 'positive-int', max: 16384 }, unit: null, help: 'Width of the residual stream; divisible by heads, with an even head dimension (RoPE rotates pairs).', section: 'models', advanced: false },
  { path: 'models[].heads', label: 'heads', check: { kind: 'positive-int', max: 256 }, unit: null, help: 'Attention heads.', section: 'models', advanced: false },
  { path: 'models[].context', label: 'context', check: { kind: 'positive-int', max: 65536 }, unit: 'tokens', help: 'Tokens per sequence.', section: 'models', advanced: false },
  { path: 'models[].vocabSize', label: 'vocab (0 = tokenizer)', check: { kind: 'int', min: 0, max: 1 << 24 }, unit: null, help: '0 takes the vocabulary of the tokenizer.', section: 'models', advanced: false },

  { path: 'tokenizer.vocabSize', label: 'BPE vocabulary size', check: { kind: 'int', min: 257, max: 65536 }, unit: 'tokens', help: 'Tokens of the BPE trained on the training text (256 bytes and end-of-text are the first 257).', section: 'data', advanced: false, when: { path: 'tokenizer.kind', equals: 'bpe' } },

  { path: 'dataSizes[]', label: 'Data sizes D', check: { kind: 'positive-int', max: LIMITS.maxDataSize }, list: { min: 1, max: LIMITS.dataSizes }, unit: 'tokens', help: 'Comma-separated, e.g. 20000, 40000. Each (model, D) pair is one CBS measurement.', section: 'sweep', advanced: false },
  { path: 'batchSizes[]', label: 'Batch sizes', check: { kind: 'positive-int', max: LIMITS.maxBatch }, list: { min: 1, max: LIMITS.batchSizes }, unit: 'sequences', help: 'Distinct; powers of two, e.g. 4, 8, 16, 32.', section: 'sweep', advanced: false },
  { path: 'learningRates.values[]', label: 'Peak learning rates', check: { kind: 'positive', max: 10 }, list: { min: 1, max: LIMITS.learningRates }, unit: null, help: 'The grid tried at the base batch size; the best run at each batch size counts.', section: 'sweep', advanced: false },
  { path: 'learningRates.exponent', label: 'LR scaling exponent (0.5 = √B)', check: { kind: 'number', min: 0, max: 1 }, unit: null, help: 'The grid at batch size B is the base grid × (B / base batch)^exponent: 0.5 is Adam’s square-root rule, 0 the same grid at every B.', section: 'sweep', advanced: true },
  { path: 'learningRates.baseBatch', label: 'LR base batch', check: { kind: 'positive-int', max: LIMITS.maxBatch }, unit: 'sequences', help: 'The batch size the learning-rate grid is given for.', section: 'sweep', advanced: true },

  { path: 'target.loss', label: 'Target EWA validation loss', check: { kind: 'positive', max: 100 }, unit: 'nats', help: 'Steps to target count the steps until the EWA validation loss first reaches this.', section: 'target', advanced: false, when: { path: 'target.kind', equals: 'fixed' } },
  { path: 'target.batchSize', label: 'Reference batch size (trained for exactly D)', check: { kind: 'positive-int', max: LIMITS.maxBatch }, unit: 'sequences', help: 'The paper’s target: the mean final EWA loss of reference runs at this batch size trained for exactly D tokens (one per seed replicate).', section: 'target', advanced: false, when: { path: 'target.kind', equals: 'reference' } },
  { path: 'target.learningRates[]', label: 'Reference learning rates (empty = the sweep’s grid there)', check: { kind: 'positive', max: 10 }, list: { min: 1, max: LIMITS.learningRates }, nullable: true, unit: null, help: 'One reference run per learning rate and seed replicate; each replicate’s best final loss counts. Empty (null) takes the sweep’s grid at the reference batch size.', section: 'target', advanced: true, when: { path: 'target.kind', equals: 'reference' } },

  { path: 'optimizer.beta1', label: 'β1', check: { kind: 'number', min: 0, max: 1, maxExclusive: true }, unit: null, help: 'Adam’s first-moment decay.', section: 'optimizer', advanced: true },
  { path: 'optimizer.beta2.value', label: 'β2: value', check: { kind: 'number', min: 0, max: 1, maxExclusive: true }, unit: null, help: 'One β2 for every batch size (instead of the paper’s table).', section: 'optimizer', advanced: true, when: { path: 'optimizer.beta2.kind', equals: 'fixed' } },
  { path: 'optimizer.beta2.fraction', label: 'β2 memory (fraction of D’s steps)', check: { kind: 'positive', max: 100 }, unit: null, help: 'β2 at each batch size gives Adam a memory 1/(1 − β2) of this fraction of the steps D takes there.', section: 'optimizer', advanced: true, when: { path: 'optimizer.beta2.kind', equals: 'horizon' } },
  { path: 'optimizer.eps', label: 'ε', check: { kind: 'positive', max: 1 }, unit: null, help: 'Adam’s ε.', section: 'optimizer', advanced: true },
  { path: 'optimizer.weightDecay', label: 'Weight decay', check: { kind: 'number', min: 0, max: 1 }, unit: null, help: 'Decoupled (AdamW) weight decay; the paper uses 0.', section: 'optimizer', advanced: true },
  { path: 'optimizer.warmupRatio', label: 'Warmup ratio (of D’s steps)', check: { kind: 'number', min: 0, max: 1 }, unit: null, help: 'Warmup lasts this fraction of the steps D takes at each batch size, from 0.1× the peak LR.', section: 'optimizer', advanced: true },
  { path: 'optimizer.clipNorm', label: 'Gradient clip norm (0 = none)', check: { kind: 'number', min: 0, max: 1e6 }, unit: null, help: 'Clip the global gradient norm to this.', section: 'optimizer', advanced: true },
  { path: 'ewa.horizons[]', label: 'EWA horizons (fractions of D’s steps)', check: { kind: 'positive', max: 100 }, list: { min: 1, max: LIMITS.ewaDecays }, unit: null, help: 'Each evaluation tries one weight average per horizon 1/(1 − τ), given as a fraction of the steps D takes at each batch size, and takes the best, as the paper’s code does.', section: 'optimizer', advanced: true },

  { path: 'cap.factor', label: 'Max tokens, × D', check: { kind: 'number', min: 1, max: 1000 }, unit: '× D', help: 'Each run stops after this many times D tokens if it has not reached the target.', section: 'run-length', advanced: true, when: { path: 'cap.kind', equals: 'multiple-of-data' } },
  { path: 'cap.steps', label: 'Max steps', check: { kind: 'positive-int', max: 1e9 }, unit: 'steps', help: 'Each run stops after this many steps if it has not reached the target.', section: 'run-length', advanced: true, when: { path: 'cap.kind', equals: 'steps' } },
  { path: 'stopAtTarget', label: 'stop each run at the target (economical); off: run to the cap', check: { kind: 'bool' }, unit: null, help: 'Off keeps training to the cap, so a lower target can be chosen afterwards.', section: 'run-length', advanced: true },
  { path: 'censorFactor', label: 'Economy: stop a run past × the steps of linear scaling (empty = never)', check: { kind: 'number', min: 1.5, max: 100 }, nullable: true, unit: null, help: 'A run that has taken this many times the steps linear scaling from the smallest batch predicts is far beyond B*: it stops, censored, and counts as a lower bound.', section: 'run-length', advanced: true },

  { path: 'evaluation.spacing', label: 'Spacing far from the target (× steps)', check: { kind: 'number', min: 1, max: 16 }, unit: null, help: 'Far from the target, evaluate once the step count has grown by this factor (2: powers of two), with one EWA decay.', section: 'evaluation', advanced: true },
  { path: 'evaluation.nearSpacing', label: 'Spacing near the target (× steps)', check: { kind: 'number', min: 1, max: 16 }, unit: null, help: 'Near the target, evaluate by this smaller factor (at least every step), with every EWA decay: it sets how finely steps to target are resolved. At most the far spacing.', section: 'evaluation', advanced: true },
  { path: 'evaluation.nearMargin', label: 'Near: within (relative) of the target', check: { kind: 'number', min: 0, max: 1 }, unit: null, help: 'A run counts as near the target once its last EWA loss is within this fraction above it (0.05: 5%).', section: 'evaluation', advanced: true },
  { path: 'evaluation.validationTokens', label: 'Validation tokens', check: { kind: 'positive-int', max: 1e9 }, unit: 'tokens', help: 'Tokens of the fixed held-out set on which the crossing is decided.', section: 'evaluation', advanced: true },
  { path: 'evaluation.probeTokens', label: 'Probe tokens far from the target (0 = full set)', check: { kind: 'int', min: 0, max: 1e9 }, unit: 'tokens', help: 'Far from the target an evenly spread subset of this many validation tokens tracks progress, every EWA decay tried; the full set takes over near it.', section: 'evaluation', advanced: true },

  { path: 'analysis.overhead', label: 'Overhead over linear scaling (0.2 = 20%)', check: { kind: 'positive', max: 10 }, unit: null, help: 'B* is where steps to target exceed linear scaling by this fraction: 0.2 is the paper’s 20% rule.', section: 'analysis', advanced: false },
  { path: 'analysis.baselineBatch', label: 'Linear-scaling baseline B (empty = smallest)', check: { kind: 'positive-int', max: LIMITS.maxBatch }, nullable: true, unit: 'sequences', help: 'Linear scaling is drawn from this batch size; empty (null) takes the smallest batch size that reached the target.', section: 'analysis', advanced: true },
  { path: 'analysis.interpolate', label: 'interpolate the crossing in log-steps', check: { kind: 'bool' }, unit: null, help: 'Steps to target between the two evaluations around the crossing, linear in log(step), instead of the first evaluation at or below the target.', section: 'analysis', advanced: true },

  { path: 'seeds[].init', label: 'init seed', check: { kind: 'int', min: 0, max: UINT32_MAX }, unit: null, help: 'Seed of the weight initialisation of this replicate.', section: 'seeds', advanced: true },
  { path: 'seeds[].data', label: 'data seed', check: { kind: 'int', min: 0, max: UINT32_MAX }, unit: null, help: 'Seed of the order of the training data of this replicate.', section: 'seeds', advanced: true },
  { path: 'measureNoiseScale', label: 'measure the gradient noise scale (two micro-batches a step)', check: { kind: 'bool' }, unit: null, help: 'Each step accumulates at least two micro-batches so the noise scale B_simple is measured beside B*; on a CPU emulator that costs about 30% more time.', section: 'run-length', advanced: true },
  { path: 'workers', label: 'Parallel workers', check: { kind: 'int', min: 1, max: LIMITS.maxWorkers }, unit: null, help: 'Runs trained at once, each in its own Web Worker.', section: 'seeds', advanced: true },
] as const satisfies readonly FieldRow[];

export type FieldPath = (typeof FIELDS)[number]['path'];

/** The table as rows (FIELDS keeps each row's literal types, for FieldPath). */
export const FIELD_ROWS: readonly FieldRow[] = FIELDS;

const BY_PATH: ReadonlyMap<string, FieldRow> = new Map(FIELD_ROWS.map((f) => [f.path, f]));

/** The row of a field; throws for a path not in the table (a programming error, never user input). */
export function field(path: FieldPath): FieldRow {
  const row = BY_PATH.get(path);
  if (!row) throw new Error(`no field ${path} in FIELDS`);
  return row;
}

/** A concrete path ("models[2].layers", "batchSizes[0]") → its row's path ("models[].layers", "batchSizes[]"). */
export function rowPathOf(path: string): string {
  return path.replace(/\[\d+\]/g, '[]');
}

/** The rows the builder shows in a section, in table order. */
export function fieldsIn(section: FieldSection, advanced: boolean): FieldRow[] {
  // Rows of list elements (models[], seeds[]) are a table's columns, drawn by their editor.
  return FIELD_ROWS.filter((f) => f.section === section && f.advanced === advanced && !/\[\]\./.test(f.path));
}

const num = (n: number): string => {
  if (n === 1 << 20) return '2²⁰';
  if (n === 1 << 24) return '2²⁴';
  if (n === UINT32_MAX) return '2³²−1';
  if (n >= 1e6 && Number.isInteger(Math.log10(n))) return `10${superscript(Math.log10(n))}`;
  return String(n);
};

function superscript(n: number): string {
  return String(n)
    .split('')
    .map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)])
    .join('');
}

/** The rule of a row in words, e.g. "integer 1 … 16", "number in [0, 1)". */
export function ruleText(row: FieldRow): string {
  const c = row.check;
  let rule: string;
  switch (c.kind) {
    case 'int':
      rule = `integer ${num(c.min)} … ${num(c.max)}`;
      break;
    case 'positive-int':
      rule = `integer 1 … ${num(c.max)}`;
      break;
    case 'number':
      rule = `number in [${num(c.min)}, ${num(c.max)}${c.maxExclusive ? ')' : ']'}`;
      break;
    case 'positive':
      rule = `number in (0, ${num(c.max)}]`;
      break;
    case 'bool':
      rule = 'true or false';
      break;
    case 'text':
      rule = `text ≤ ${c.maxLength} characters`;
      break;
  }
  if (row.list) rule = `list of ${row.list.min}–${row.list.max}, each ${rule}`;
  if (row.nullable) rule += ', or null';
  return rule;
}

/** docs/config.md's field list: one Markdown table row per field. */
export function fieldsMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = FIELD_ROWS.map((f) => {
    const shown = f.when ? `${f.advanced ? 'Advanced' : 'basic'}, when \`${f.when.path}\` is \`${f.when.equals}\`` : f.advanced ? 'Advanced' : 'basic';
    return `| \`${f.path}\` | ${cell(f.label)} | ${cell(ruleText(f))} | ${f.unit ?? ''} | ${cell(f.help)} | ${shown} |`;
  });
  return ['| Field | Label | Rule | Unit | Meaning | In the builder |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
