// The experiment builder: presets with their one-line explanation, every field of the config,
// validation messages beside the field they are about, and a live estimate of the cost.
import { createContext, useContext, useId, useMemo, useState, type ReactNode } from 'react';
import type { ExperimentConfig } from '../experiment/schema';
import type { ModelConfig } from '../model/config';
import { useExperimentStore } from '../state/experiment-store';
import { useLocalFiles } from '../state/local-files';
import { BUNDLED_TRAIN_TOKENS_ESTIMATE, C4_FIRST_SHARDS, EXPERIMENT_PRESETS, model as presetModel } from '../experiment/presets';
import { configWarnings, type ValidationIssue } from '../experiment/validate';
import { estimateExperiment } from '../experiment/estimate';
import { hostsNeedingConfirmation } from '../experiment/data-source';
import { MODEL_PRESETS } from '../model/presets';
import type { MemoryLimits } from '../model/config';
import { fmtFlops, fmtSeconds } from './format';
import { formatCount } from '../util/format';

type Path = (string | number)[];

/** Immutable set at a path of plain objects and arrays. */
function setIn<T>(root: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root] as unknown[];
    copy[head as number] = setIn(copy[head as number], rest, value);
    return copy as T;
  }
  const obj = { ...(root as Record<string, unknown>) };
  obj[head as string] = setIn(obj[head as string], rest, value);
  return obj as T;
}

function getIn(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[k];
  return v;
}

const pathText = (path: Path) => path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

function issuesAt(issues: ValidationIssue[], path: Path): ValidationIssue[] {
  const p = pathText(path);
  return issues.filter((i) => i.path === p || i.path.startsWith(`${p}.`) || i.path.startsWith(`${p}[`));
}

interface FormApi {
  config: ExperimentConfig;
  issues: ValidationIssue[];
  set(path: Path, value: unknown): void;
}
const FormContext = createContext<FormApi | null>(null);
function useForm(): FormApi {
  const f = useContext(FormContext);
  if (!f) throw new Error('form fields must be inside <ExperimentBuilder>');
  return f;
}

function Issues({ path, exact = false }: { path: Path; exact?: boolean }) {
  const { issues } = useForm();
  const p = pathText(path);
  const list = exact ? issues.filter((i) => i.path === p) : issuesAt(issues, path);
  if (list.length === 0) return null;
  return (
    <ul className="field-issues" role="alert">
      {list.map((i, k) => (
        <li key={k}>{i.message}</li>
      ))}
    </ul>
  );
}

const numText = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
const parseNum = (t: string) => (t.trim() === '' ? NaN : Number(t));
const listText = (v: unknown) => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? String(x) : '?')).join(', ') : '');
const parseList = (t: string) => t.split(/[\s,;]+/).filter((s) => s.length > 0).map((s) => Number(s));

/** A text box whose text is kept while typing, and follows the value when it changes elsewhere. */
function useSyncedText(value: unknown, format: (v: unknown) => string, parse: (t: string) => unknown) {
  const [text, setText] = useState(() => format(value));
  const [seen, setSeen] = useState<unknown>(value);
  if (seen !== value) {
    setSeen(value);
    if (JSON.stringify(parse(text)) !== JSON.stringify(value)) setText(format(value));
  }
  return [text, setText] as const;
}

function NumberField({ label, path, hint, step }: { label: string; path: Path; hint?: string; step?: string }) {
  const form = useForm();
  const id = useId();
  const value = getIn(form.config, path);
  const [text, setText] = useSyncedText(value, numText, parseNum);
  const bad = issuesAt(form.issues, path).length > 0;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        inputMode="decimal"
        step={step}
        value={text}
        aria-invalid={bad}
        title={hint}
        data-path={pathText(path)}
        onChange={(e) => {
          setText(e.target.value);
          form.set(path, parseNum(e.target.value));
        }}
      />
      <Issues path={path} />
    </div>
  );
}

function ListField({ label, path, hint }: { label: string; path: Path; hint?: string }) {
  const form = useForm();
  const id = useId();
  const value = getIn(form.config, path);
  const [text, setText] = useSyncedText(value, listText, parseList);
  return (
    <div className="field wide">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        title={hint}
        data-path={pathText(path)}
        aria-invalid={issuesAt(form.issues, path).length > 0}
        onChange={(e) => {
          setText(e.target.value);
          form.set(path, parseList(e.target.value));
        }}
      />
      {hint && <span className="field-hint">{hint}</span>}
      <Issues path={path} />
    </div>
  );
}

function CheckField({ label, path }: { label: string; path: Path }) {
  const form = useForm();
  return (
    <div className="field check">
      <label>
        <input type="checkbox" checked={getIn(form.config, path) === true} onChange={(e) => form.set(path, e.target.checked)} /> {label}
      </label>
      <Issues path={path} />
    </div>
  );
}

function TextField({ label, path }: { label: string; path: Path }) {
  const form = useForm();
  const id = useId();
  const value = getIn(form.config, path);
  return (
    <div className="field wide">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={typeof value === 'string' ? value : ''} onChange={(e) => form.set(path, e.target.value)} />
      <Issues path={path} exact />
    </div>
  );
}

function SelectField({ label, path, options, onSelect }: { label: string; path: Path; options: [string, string][]; onSelect?: (v: string) => void }) {
  const form = useForm();
  const id = useId();
  const value = getIn(form.config, path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={typeof value === 'string' ? value : ''} onChange={(e) => (onSelect ? onSelect(e.target.value) : form.set(path, e.target.value))}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      <Issues path={path} exact />
    </div>
  );
}

function PerBatchRuleField({ label, path, tableName }: { label: string; path: Path; tableName: string }) {
  const form = useForm();
  const rule = getIn(form.config, path) as { kind: string; value?: number } | undefined;
  return (
    <>
      <SelectField
        label={label}
        path={[...path, 'kind']}
        options={[
          ['paper-table', `the paper's table per batch size (${tableName})`],
          ['fixed', 'one value for every batch size'],
        ]}
        onSelect={(v) => form.set(path, v === 'fixed' ? { kind: 'fixed', value: tableName === 'β2' ? 0.99 : 0.99 } : { kind: 'paper-table' })}
      />
      {rule?.kind === 'fixed' && <NumberField label={`${label}: value`} path={[...path, 'value']} />}
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="form-section">
      <legend>{title}</legend>
      <div className="form-grid">{children}</div>
    </fieldset>
  );
}

function ModelsEditor() {
  const form = useForm();
  const models = form.config.models;
  const [toAdd, setToAdd] = useState('nano');
  return (
    <Section title="Models">
      <table className="models-table">
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">layers</th>
            <th scope="col">d_model</th>
            <th scope="col">heads</th>
            <th scope="col">context</th>
            <th scope="col">vocab (0 = tokenizer)</th>
            <th scope="col">
              <span className="sr-only">remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((m: ModelConfig, i) => (
            <tr key={i}>
              <td>
                <input aria-label={`model ${i + 1} name`} value={m.name} onChange={(e) => form.set(['models', i, 'name'], e.target.value)} />
              </td>
              {(['layers', 'dModel', 'heads', 'context', 'vocabSize'] as const).map((k) => (
                <td key={k}>
                  <ModelNumber index={i} field={k} />
                </td>
              ))}
              <td>
                <button type="button" disabled={models.length <= 1} onClick={() => form.set(['models'], models.filter((_, j) => j !== i))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field-row">
        {models.map((_, i) => (
          <Issues key={i} path={['models', i]} />
        ))}
        <Issues path={['models']} exact />
      </div>
      <div className="field-row">
        <label>
          Add model{' '}
          <select value={toAdd} onChange={(e) => setToAdd(e.target.value)}>
            {MODEL_PRESETS.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.layers} layers, d {p.dModel}, {p.heads} heads, context {p.context})
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" onClick={() => form.set(['models'], [...models, presetModel(toAdd)])}>
          Add
        </button>
      </div>
    </Section>
  );
}

function ModelNumber({ index, field }: { index: number; field: keyof ModelConfig }) {
  const form = useForm();
  const path = ['models', index, field];
  const value = getIn(form.config, path);
  const [text, setText] = useSyncedText(value, numText, parseNum);
  return (
    <input
      aria-label={`model ${index + 1} ${field}`}
      inputMode="numeric"
      value={text}
      size={6}
      aria-invalid={issuesAt(form.issues, path).length > 0}
      onChange={(e) => {
        setText(e.target.value);
        form.set(path, parseNum(e.target.value));
      }}
    />
  );
}

function DataEditor() {
  const form = useForm();
  const data = form.config.data;
  const lines = (v: string[]) => v.join('\n');
  const parseLines = (t: string) => t.split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
  return (
    <Section title="Data and tokenizer">
      <SelectField
        label="Data source"
        path={['data', 'kind']}
        options={[
          ['bundled', 'bundled text (offline)'],
          ['urls', 'shard URLs (C4 or another host)'],
          ['local', 'files on this computer'],
        ]}
        onSelect={(v) =>
          form.set(['data'], v === 'bundled' ? { kind: 'bundled' } : v === 'urls' ? { kind: 'urls', ...structuredClone(C4_FIRST_SHARDS) } : { kind: 'local', train: [], validation: [] })
        }
      />
      {data.kind === 'local' && <LocalFilePickers onNames={(split, names) => form.set(['data', split], names)} />}
      {data.kind === 'urls' && (
        <>
          <div className="field wide">
            <label>
              Training shards (one per line)
              <textarea rows={2} value={lines(data.train)} onChange={(e) => form.set(['data', 'train'], parseLines(e.target.value))} />
            </label>
            <Issues path={['data', 'train']} />
          </div>
          <div className="field wide">
            <label>
              Validation shards (one per line)
              <textarea rows={2} value={lines(data.validation)} onChange={(e) => form.set(['data', 'validation'], parseLines(e.target.value))} />
            </label>
            <Issues path={['data', 'validation']} />
          </div>
        </>
      )}
      <SelectField
        label="Tokenizer"
        path={['tokenizer', 'kind']}
        options={[
          ['byte', 'bytes (vocabulary 256)'],
          ['bpe', 'BPE trained on the training text'],
          ['gpt2', 'GPT-2 (vocabulary 50257)'],
        ]}
        onSelect={(v) => form.set(['tokenizer'], v === 'bpe' ? { kind: 'bpe', vocabSize: 4096 } : { kind: v })}
      />
      {form.config.tokenizer.kind === 'bpe' && <NumberField label="BPE vocabulary size" path={['tokenizer', 'vocabSize']} />}
    </Section>
  );
}

/** File pickers for a local data source: the files stay in the page, their names go in the config. */
function LocalFilePickers({ onNames }: { onNames: (split: 'train' | 'validation', names: string[]) => void }) {
  const pick = useLocalFiles((s) => s.pick);
  const picked = { train: useLocalFiles((s) => s.train.length), validation: useLocalFiles((s) => s.validation.length) };
  const choose = (split: 'train' | 'validation', list: FileList | null) => {
    const files = [...(list ?? [])];
    pick(split, files);
    onNames(split, files.map((f) => f.name));
  };
  return (
    <>
      {(['train', 'validation'] as const).map((split) => (
        <div className="field wide" key={split}>
          <label>
            {split === 'train' ? 'Training shards' : 'Validation shards'} (C4-format JSON lines or a JSON array, gzipped or not)
            <input type="file" multiple accept=".gz,.json,.jsonl" data-testid={`local-${split}`} onChange={(e) => choose(split, e.target.files)} />
          </label>
          <span className="hint">{picked[split]} picked</span>
          <Issues path={['data', split]} />
        </div>
      ))}
    </>
  );
}

export interface BuilderProps {
  /** The adapter's limits, when one was found: models that do not fit are refused with a reason. */
  limits: MemoryLimits | null;
  /** Calibrated training throughput on this adapter (FLOP/s), for the wall-time estimate. */
  flopsPerSecond: number | null;
}

export function ExperimentBuilder({ limits, flopsPerSecond }: BuilderProps) {
  const { config, issues, update, loadPreset, origin } = useExperimentStore();
  const form: FormApi = useMemo(() => ({ config, issues, set: (path, value) => update((c) => setIn(c, path, value)) }), [config, issues, update]);
  const preset = EXPERIMENT_PRESETS.find((p) => p.id === config.preset);
  const estimate = useMemo(() => (issues.length === 0 ? estimateExperiment(config, limits, flopsPerSecond) : null), [config, issues, limits, flopsPerSecond]);
  const warnings = issues.length === 0 ? configWarnings(config, BUNDLED_TRAIN_TOKENS_ESTIMATE) : [];
  const presetId = useId();
  const target = config.target;
  const cap = config.cap;
  return (
    <FormContext.Provider value={form}>
      <section className="builder" aria-labelledby="builder-title" data-testid="builder">
        <h2 id="builder-title">Experiment</h2>
        <div className="preset-row">
          <label htmlFor={presetId}>Preset</label>{' '}
          <select id={presetId} data-testid="preset" value={preset && origin !== 'edited' ? preset.id : ''} onChange={(e) => e.target.value && loadPreset(e.target.value)}>
            <option value="">{preset ? `${preset.label} (edited)` : 'custom'}</option>
            {EXPERIMENT_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
          {preset && <p className="preset-explanation" data-testid="preset-explanation">{preset.explanation}</p>}
        </div>
        <Section title="Name">
          <TextField label="Experiment name" path={['name']} />
        </Section>
        <ModelsEditor />
        <DataEditor />
        {config.kind === 'local-cbs' && <LocalCbsSection />}
        <Section title="Sweep">
          <ListField label="Data sizes D (tokens)" path={['dataSizes']} hint="comma-separated, e.g. 20000, 40000" />
          <SelectField
            label="Models × data sizes"
            path={['pairing']}
            options={[
              ['grid', 'every model at every data size'],
              ['paired', 'model i with data size i (Chinchilla)'],
            ]}
          />
          <ListField label="Batch sizes (sequences)" path={['batchSizes']} hint="powers of two, e.g. 4, 8, 16, 32" />
          <ListField label="Peak learning rates" path={['learningRates', 'values']} />
          <CheckField label="scale the LR grid by √(B / base batch)" path={['learningRates', 'sqrtScaling']} />
          <NumberField label="LR base batch" path={['learningRates', 'baseBatch']} />
        </Section>
        <Section title="Optimizer (AdamW, constant LR after warmup)">
          <NumberField label="β1" path={['optimizer', 'beta1']} />
          <PerBatchRuleField label="β2" path={['optimizer', 'beta2']} tableName="β2" />
          <NumberField label="ε" path={['optimizer', 'eps']} />
          <NumberField label="Weight decay" path={['optimizer', 'weightDecay']} />
          <NumberField label="Warmup ratio (of D's steps)" path={['optimizer', 'warmupRatio']} />
          <NumberField label="Gradient clip norm (0 = none)" path={['optimizer', 'clipNorm']} />
          <PerBatchRuleField label="EWA decay τ" path={['ewa', 'decay']} tableName="τ" />
          <NumberField label="EWA horizon cap (fraction of run)" path={['ewa', 'horizonFraction']} />
        </Section>
        <Section title="Target and run length">
          <SelectField
            label="Target loss"
            path={['target', 'kind']}
            options={[
              ['reference', 'from a reference run (the paper)'],
              ['fixed', 'a fixed value'],
            ]}
            onSelect={(v) => form.set(['target'], v === 'fixed' ? { kind: 'fixed', loss: 3 } : { kind: 'reference', batchSize: config.batchSizes[0] ?? 4 })}
          />
          {target.kind === 'fixed' ? (
            <NumberField label="Target EWA validation loss" path={['target', 'loss']} />
          ) : (
            <NumberField label="Reference batch size (trained for exactly D)" path={['target', 'batchSize']} />
          )}
          <SelectField
            label="Cap on each run"
            path={['cap', 'kind']}
            options={[
              ['multiple-of-data', 'a multiple of D'],
              ['steps', 'a number of steps'],
            ]}
            onSelect={(v) => form.set(['cap'], v === 'steps' ? { kind: 'steps', steps: 1000 } : { kind: 'multiple-of-data', factor: 4 })}
          />
          {cap.kind === 'steps' ? <NumberField label="Max steps" path={['cap', 'steps']} /> : <NumberField label="Max tokens, × D" path={['cap', 'factor']} />}
          <CheckField label="stop each run at the target (economical); off: run to the cap" path={['stopAtTarget']} />
        </Section>
        <Section title="Evaluation">
          <NumberField label="Every n steps" path={['evaluation', 'interval']} />
          <NumberField label="Dense: every n steps" path={['evaluation', 'denseEvery']} />
          <NumberField label="Dense within (relative) of target" path={['evaluation', 'denseMargin']} />
          <NumberField label="Dense over the last fraction" path={['evaluation', 'denseTailFraction']} />
          <NumberField label="Validation tokens" path={['evaluation', 'validationTokens']} />
        </Section>
        <Section title="Analysis, seeds and workers">
          <NumberField label="Overhead over linear scaling (0.2 = 20%)" path={['analysis', 'overhead']} />
          <BaselineField />
          <CheckField label="interpolate the crossing in log-steps" path={['analysis', 'interpolate']} />
          <NumberField label="Init seed" path={['seeds', 'init']} />
          <NumberField label="Data seed" path={['seeds', 'data']} />
          <NumberField label="Parallel workers" path={['workers']} />
        </Section>
        <Issues path={[]} exact />
        <EstimateView estimate={estimate} issues={issues} warnings={warnings} config={config} />
      </section>
    </FormContext.Provider>
  );
}

/** A local-CBS experiment's own settings (docs/science.md, "Local CBS"); it trains the first model on the first data size. */
function LocalCbsSection() {
  return (
    <Section title="Local CBS by branching (the sweep's batch sizes, learning rates and target are not used)">
      <NumberField label="Base batch B (sequences)" path={['localCbs', 'baseBatch']} />
      <NumberField label="Base peak learning rate η" path={['localCbs', 'learningRate']} />
      <ListField label="Checkpoints (tokens seen by the base run)" path={['localCbs', 'checkpoints']} hint="after warmup, multiples of B × context, at most D" />
      <ListField label="Branch multipliers k (batch k·B, LR √k·η)" path={['localCbs', 'multipliers']} hint="e.g. 1, 2, 4, 8" />
      <NumberField label="Branch budget Δ (tokens)" path={['localCbs', 'branchTokens']} />
      <NumberField label="Tolerance ε (nats)" path={['localCbs', 'tolerance']} />
      <NumberField label="Smoothing α (weight of the newest loss)" path={['localCbs', 'smoothing']} />
      <SelectField
        label="Branch loss"
        path={['localCbs', 'loss']}
        options={[
          ['validation', 'validation loss after the same token counts'],
          ['train', 'every step’s training loss (the paper)'],
        ]}
      />
      <NumberField label="Final evaluations per branch" path={['localCbs', 'finalEvaluations']} />
      <CheckField label="then compare batch-size warmup with the constant batch" path={['localCbs', 'compareSchedule']} />
    </Section>
  );
}

function BaselineField() {
  const form = useForm();
  const id = useId();
  const value = form.config.analysis.baselineBatch;
  const [text, setText] = useSyncedText(value, (v) => (v === null ? '' : numText(v)), (t) => (t.trim() === '' ? null : parseNum(t)));
  return (
    <div className="field">
      <label htmlFor={id}>Linear-scaling baseline B (empty = smallest)</label>
      <input
        id={id}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          form.set(['analysis', 'baselineBatch'], e.target.value.trim() === '' ? null : parseNum(e.target.value));
        }}
      />
      <Issues path={['analysis', 'baselineBatch']} />
    </div>
  );
}

function EstimateView({ estimate, issues, warnings, config }: { estimate: ReturnType<typeof estimateExperiment> | null; issues: ValidationIssue[]; warnings: string[]; config: ExperimentConfig }) {
  const hosts = hostsNeedingConfirmation(config.data);
  return (
    <div className="estimate" data-testid="estimate" aria-live="polite">
      {issues.length > 0 ? (
        <p className="estimate-invalid" data-testid="config-invalid">
          Fix {issues.length} problem{issues.length === 1 ? '' : 's'} above to see the estimate.
        </p>
      ) : estimate ? (
        <>
          <table className="estimate-table">
            <thead>
              <tr>
                <th scope="col">model</th>
                <th scope="col">D (tokens)</th>
                <th scope="col">non-embedding params</th>
                <th scope="col">all params</th>
                <th scope="col">runs</th>
                <th scope="col">tokens (at most)</th>
                <th scope="col">compute (at most)</th>
              </tr>
            </thead>
            <tbody>
              {estimate.measurements.map((m, i) => (
                <tr key={i}>
                  <td>{m.model}</td>
                  <td>{formatCount(m.dataSize)}</td>
                  <td>{formatCount(m.nonEmbeddingParams)}</td>
                  <td>{formatCount(m.totalParams)}</td>
                  <td>{m.runs}</td>
                  <td>{formatCount(m.maxTokens)}</td>
                  <td>{fmtFlops(m.maxFlops)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            {estimate.runs} runs, at most {formatCount(estimate.maxTokens)} tokens and {fmtFlops(estimate.maxFlops)}; wall time at most{' '}
            {estimate.maxWallSeconds === null ? '(calibrating this adapter…)' : fmtSeconds(estimate.maxWallSeconds)}. Runs that stop at the target cost less.
          </p>
          {estimate.adapterErrors.map((e, i) => (
            <p key={i} className="estimate-refused" role="alert">
              {e}
            </p>
          ))}
        </>
      ) : null}
      {warnings.map((w, i) => (
        <p key={i} className="warn">
          {w}
        </p>
      ))}
      {hosts.length > 0 && (
        <p className="warn" data-testid="remote-hosts">
          This experiment reads data from {hosts.join(', ')}: you will be asked before anything is fetched.
        </p>
      )}
    </div>
  );
}
