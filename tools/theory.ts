// Command line: npm run theory -- --a A --b B [flags]
// Runs a theory experiment (SGD on power-law least squares, src/theory) headless on WebGPU in Node
// (Dawn), or on the float64 reference with --cpu, and prints the measured exponent of B* in D, its
// interval and the predicted 1 − a/min(b, 2a+1). On a machine without a GPU, Dawn needs the CPU
// emulator's Vulkan driver: LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { acquireNodeGpu } from '../src/gpu/node';
import { describeAdapter, describeError } from '../src/gpu';
import { THEORY_SEED_ANALYSES, describeIssues, migrateTheoryConfig, validateTheoryConfig, type TheorySeedAnalysis, type TheoryConfig } from '../src/theory/config';
import { analyzeTheoryRuns, runModelSizeSweep, runTheoryExperiment, type ModelSizeSweep, type SessionFactory, type TheoryProgress, type TheoryResults, type TheoryRun } from '../src/theory/experiment';
import { PRESET_DESCRIPTIONS, THEORY_PRESETS, theoryPreset, type TheoryPresetName } from '../src/theory/presets';
import { MIN_BOOTSTRAP_SEEDS, seedBootstrap, type SeedBootstrap } from '../src/theory/seed-bootstrap';
import { createGpuTrainer } from '../src/theory/trainer';
import { ExpectedRiskTrainer } from '../src/theory/trainer.expected';
import { ReferenceTrainer } from '../src/theory/trainer.ref';

const USAGE = `usage: npm run theory -- --a A --b B [flags]

SGD on least squares with λ_i = i^(−a) and λ_i (w*_i)² = i^(−b); measures how the critical batch
size B* grows with the data budget D and compares the exponent with 1 − a/min(b, 2a+1).

flags:
  --a A               capacity exponent (> 1)
  --b B               source exponent (> 1)
  --preset NAME       ${THEORY_PRESETS.join(' | ')} (default quick)
${THEORY_PRESETS.map((p) => `                        ${p}: ${PRESET_DESCRIPTIONS[p]}`).join('\n')}
  --config FILE       a theory config (JSON) instead of a preset; --a/--b and the flags below override it
  --dim M             model dimension (default: sized from the largest budget, M ≥ 4 k(D))
  --dims LIST         sweep the model dimension instead: B* at each M (smaller M than --dim allows)
  --noise S2          label-noise variance σ² (default 1)
  --seeds LIST        comma-separated seeds
  --budgets LIST      comma-separated data budgets (samples)
  --analysis-seeds HOW
                      mean-risk (default): average each run's risk curve over the seeds, then
                      analyse (the expected risk the theory is about) | replicates: each seed on
                      its own, R(B) fit over every seed's points
  --averaging KIND    uniform (the paper's analysis, default) | ewa
  --decays LIST       EWA decays, with --averaging ewa (default 0.99,0.9968,0.999)
  --cpu               run the float64 reference on the CPU instead of WebGPU (slow)
  --expected          no sampling: the exact expected risk of every run (the limit of infinitely many
                      seeds), on the CPU; tells finite-budget bias from seed noise
  --seed-bootstrap N  also resample whole seeds N times and analyse each resample again: an
                      interval for the exponent that carries the seeds' shared noise (needs
                      ${MIN_BOOTSTRAP_SEEDS}+ seeds; 0 = off, the default)
  --from FILE         analyse the runs of a results file written by --out again, with today's
                      analysis (and --analysis-seeds, --seed-bootstrap); trains nothing
  --out FILE          write the full results (JSON) to FILE
  --json              print {"measured", "interval", "predicted", "crossing", "seedBootstrap"} as
                      JSON instead of the text
  --quiet             no progress lines on stderr
  --help              this text
`;

class UsageError extends Error {}

const OPTIONS = {
  a: { type: 'string' },
  b: { type: 'string' },
  preset: { type: 'string' },
  config: { type: 'string' },
  dim: { type: 'string' },
  dims: { type: 'string' },
  noise: { type: 'string' },
  seeds: { type: 'string' },
  budgets: { type: 'string' },
  averaging: { type: 'string' },
  decays: { type: 'string' },
  cpu: { type: 'boolean' },
  expected: { type: 'boolean' },
  'analysis-seeds': { type: 'string' },
  'seed-bootstrap': { type: 'string' },
  from: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function num(name: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number (got "${text}")`);
  return v;
}

function list(name: string, text: string): number[] {
  return text.split(',').map((t) => num(name, t));
}

interface Cli {
  config: TheoryConfig;
  dims: number[] | null;
  trainer: 'gpu' | 'cpu' | 'expected';
  /** --from: the saved runs to analyse again, and where they were measured. */
  from: { runs: TheoryRun[]; device: string; wallSeconds: number | null } | null;
  seedBootstrap: number;
  out: string | null;
  json: boolean;
  quiet: boolean;
}

function configFrom(argv: string[]): Cli | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  const v = parsed.values;
  if (v.help) return null;
  let config: TheoryConfig;
  let from: Cli['from'] = null;
  if (v.from !== undefined) {
    const experimentFlags = ['a', 'b', 'preset', 'config', 'dim', 'dims', 'noise', 'seeds', 'budgets', 'averaging', 'decays', 'cpu', 'expected'] as const;
    const given = experimentFlags.filter((flag) => v[flag] !== undefined);
    if (given.length > 0) throw new UsageError(`--from analyses runs already made: ${given.map((f) => `--${f}`).join(', ')} would change the experiment`);
    ({ config, from } = savedRuns(v.from));
  } else if (v.config !== undefined) {
    if (v.preset !== undefined) throw new UsageError('--config and --preset cannot be combined');
    let text: string;
    try {
      text = readFileSync(v.config, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${v.config}: ${describeError(error)}`);
    }
    try {
      config = migrateTheoryConfig(JSON.parse(text)) as TheoryConfig;
    } catch (error) {
      throw new UsageError(`${v.config} is not JSON: ${describeError(error)}`);
    }
    if (v.a !== undefined) config.a = num('a', v.a);
    if (v.b !== undefined) config.b = num('b', v.b);
  } else {
    if (v.a === undefined || v.b === undefined) throw new UsageError('--a and --b are required (or a --config file)');
    const preset = (v.preset ?? 'quick') as TheoryPresetName;
    if (!THEORY_PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${THEORY_PRESETS.join(', ')} (got "${v.preset}")`);
    const noise = v.noise === undefined ? 1 : num('noise', v.noise);
    config = v.budgets === undefined ? theoryPreset(preset, num('a', v.a), num('b', v.b), noise) : theoryPreset(preset, num('a', v.a), num('b', v.b), noise, list('budgets', v.budgets));
  }
  if (v.noise !== undefined) config.noiseVariance = num('noise', v.noise);
  if (v.dim !== undefined) config.dim = num('dim', v.dim);
  if (v.seeds !== undefined) config.seeds = list('seeds', v.seeds);
  if (v.budgets !== undefined) config.budgets = list('budgets', v.budgets);
  if (v.averaging !== undefined) {
    if (v.averaging === 'uniform') config.averaging = { kind: 'uniform' };
    else if (v.averaging === 'ewa') config.averaging = { kind: 'ewa', decays: v.decays === undefined ? [0.99, 0.9968, 0.999] : list('decays', v.decays) };
    else throw new UsageError(`--averaging must be uniform or ewa (got "${v.averaging}")`);
  } else if (v.decays !== undefined) throw new UsageError('--decays needs --averaging ewa');
  if (v['analysis-seeds'] !== undefined) {
    if (!THEORY_SEED_ANALYSES.includes(v['analysis-seeds'] as TheorySeedAnalysis)) throw new UsageError(`--analysis-seeds must be ${THEORY_SEED_ANALYSES.join(' or ')} (got "${v['analysis-seeds']}")`);
    config.analysis = { ...config.analysis, seeds: v['analysis-seeds'] as TheorySeedAnalysis };
  }
  if (v.cpu && v.expected) throw new UsageError('--cpu and --expected cannot be combined');
  const dims = v.dims === undefined ? null : list('dims', v.dims);
  if (dims !== null) {
    if (v.dim !== undefined) throw new UsageError('--dim and --dims cannot be combined');
    if (v.json) throw new UsageError('--json prints one exponent: it does not go with --dims');
    if (dims.length < 2) throw new UsageError('--dims needs at least 2 dimensions');
    config.dim = Math.max(...dims);
  }
  const issues = validateTheoryConfig(config);
  if (issues.length > 0) throw new UsageError(`invalid theory experiment:\n${describeIssues(issues)}`);
  const trainer = v.cpu ? 'cpu' : v.expected ? 'expected' : 'gpu';
  const resamples = v['seed-bootstrap'] === undefined ? 0 : num('seed-bootstrap', v['seed-bootstrap']);
  if (!Number.isInteger(resamples) || resamples < 0 || resamples > 10000) throw new UsageError(`--seed-bootstrap must be an integer from 0 to 10000 (got "${v['seed-bootstrap']}")`);
  if (resamples > 0 && config.seeds.length < MIN_BOOTSTRAP_SEEDS) throw new UsageError(`--seed-bootstrap needs at least ${MIN_BOOTSTRAP_SEEDS} seeds (the experiment has ${config.seeds.length})`);
  if (resamples > 0 && dims !== null) throw new UsageError('--seed-bootstrap does not go with --dims');
  return { config, dims, trainer, from, seedBootstrap: resamples, out: v.out ?? null, json: Boolean(v.json), quiet: Boolean(v.quiet) };
}

/** The config and runs of a results file written by --out. */
function savedRuns(path: string): { config: TheoryConfig; from: NonNullable<Cli['from']> } {
  let saved: { kind?: unknown; config?: unknown; runs?: unknown; device?: unknown; wallSeconds?: unknown };
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as typeof saved;
  } catch (error) {
    throw new UsageError(`cannot read ${path} as JSON: ${describeError(error)}`);
  }
  if (saved?.kind !== 'theory-results' || typeof saved.config !== 'object' || !Array.isArray(saved.runs)) {
    throw new UsageError(`${path} is not a theory results file (written by npm run theory -- --out, or the page's download)`);
  }
  if (saved.runs.length === 0) throw new UsageError(`${path} holds no runs to analyse (it was written without them)`);
  return {
    config: migrateTheoryConfig(saved.config) as TheoryConfig,
    from: { runs: saved.runs as TheoryRun[], device: typeof saved.device === 'string' ? saved.device : 'unknown adapter', wallSeconds: typeof saved.wallSeconds === 'number' ? saved.wallSeconds : null },
  };
}

const fmt = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));

function report(results: TheoryResults, seconds: number, device: string, bootstrap: SeedBootstrap | null): string {
  const { config } = results;
  const lines: string[] = [];
  lines.push(`theory lab: a = ${config.a}, b = ${config.b}, M = ${config.dim}, σ² = ${config.noiseVariance}, ${config.averaging.kind} averaging, seeds ${config.seeds.join(', ')}`);
  lines.push(`device: ${device}`);
  lines.push('');
  const num4 = (x: number | null) => (x === null ? '—' : x.toPrecision(4));
  lines.push('budget D    target excess risk   B*        bootstrap interval   crossing   B* of each seed alone');
  for (const o of results.outcomes) {
    const interval = o.interval ? `[${o.interval[0]?.toPrecision(3) ?? '—'}, ${o.interval[1]?.toPrecision(3) ?? '∞'}]` : '—';
    lines.push(`${String(o.budget).padEnd(11)} ${o.target.toExponential(3).padEnd(20)} ${num4(o.bStar).padEnd(9)} ${interval.padEnd(20)} ${num4(o.crossing).padEnd(10)} ${o.seedBStars.map((s) => num4(s.bStar)).join(' ')}`);
  }
  lines.push('(B*: the paper\'s fit R = α + β/B; crossing: where the measured R(B) crosses 1.2× linear scaling, no fit)');
  lines.push('');
  const locals = (l: TheoryResults['localExponents']) => l.map((x) => `${x.from}→${x.to}: ${x.exponent.toFixed(3)}`).join(', ') || '—';
  lines.push(`local exponents: ${locals(results.localExponents)}`);
  lines.push(`local exponents of the crossing: ${locals(results.crossing.localExponents)}`);
  const level = Math.round(config.analysis.level * 100);
  const range = (iv: [number, number] | null) => (iv ? `[${fmt(iv[0])}, ${fmt(iv[1])}]` : '(no interval)');
  lines.push(`measured exponent of B* in D: ${fmt(results.measured)}, ${level}% interval ${range(results.interval)} (the power-law fit's t-interval)`);
  lines.push(`exponent of the fit-free crossing in D: ${fmt(results.crossing.measured)}, ${level}% interval ${range(results.crossing.interval)}`);
  if (bootstrap !== null) {
    lines.push(`seed bootstrap (${bootstrap.resamples} resamples of the ${config.seeds.length} seeds, every budget analysed again): B* exponent ${level}% interval ${range(bootstrap.fit)}, crossing ${range(bootstrap.crossing)}`);
  }
  lines.push(`predicted 1 − a/min(b, 2a+1): ${fmt(results.predicted)}`);
  for (const note of results.notes) lines.push(`note: ${note}`);
  lines.push(`wall time: ${seconds.toFixed(1)} s`);
  return lines.join('\n');
}

function sweepReport(sweep: ModelSizeSweep, seconds: number, device: string): string {
  const { config } = sweep;
  const budgets = [...config.budgets].sort((p, q) => p - q);
  const lines = [`theory lab, B* against the model dimension M: a = ${config.a}, b = ${config.b}, σ² = ${config.noiseVariance}, seeds ${config.seeds.join(', ')}`, `device: ${device}`, ''];
  lines.push(`M      ${budgets.map((d) => `B* at D = ${d}`.padEnd(18)).join('')}exponent`);
  sweep.results.forEach((r, i) => {
    const cells = budgets.map((d) => {
      const o = r.outcomes.find((x) => x.budget === d);
      return (o?.bStar === null || o === undefined ? '—' : o.bStar.toPrecision(4)).padEnd(18);
    });
    lines.push(`${String(sweep.dims[i]).padEnd(7)}${cells.join('')}${fmt(r.measured)}`);
  });
  lines.push(`wall time: ${seconds.toFixed(1)} s`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  let cli: Cli | null;
  try {
    cli = configFrom(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (cli === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = performance.now();
  if (cli.from !== null) {
    const results = { ...analyzeTheoryRuns(cli.config, cli.from.runs), runs: cli.from.runs, timing: { referenceMs: 0, sweepMs: 0, analysisMs: performance.now() - started } };
    const note = `analysed again from ${cli.from.runs.length} saved runs (trained on ${cli.from.device}${cli.from.wallSeconds === null ? '' : ` in ${cli.from.wallSeconds.toFixed(1)} s`})`;
    finish(cli, results, (performance.now() - started) / 1000, note, { device: cli.from.device, wallSeconds: cli.from.wallSeconds });
    return 0;
  }
  let factory: SessionFactory;
  let device: string;
  if (cli.trainer === 'cpu') {
    factory = async (options, groups) => new ReferenceTrainer(options, groups);
    device = 'float64 reference on the CPU';
  } else if (cli.trainer === 'expected') {
    factory = async (options, groups) => new ExpectedRiskTrainer(options, groups);
    device = 'exact expected risk on the CPU (no sampling)';
  } else {
    let gpu;
    try {
      gpu = await acquireNodeGpu();
    } catch (error) {
      process.stderr.write(
        `no WebGPU adapter in Node: ${describeError(error)}\nOn a machine without a GPU, point Dawn at the CPU emulator: ` +
          'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npm run theory -- …, or use --cpu.\n',
      );
      return 1;
    }
    factory = (options, groups) => createGpuTrainer(gpu, options, groups);
    device = describeAdapter(gpu.adapter);
  }
  const quiet = cli.quiet || cli.json;
  const runOptions = {
    onProgress: quiet ? undefined : (p: TheoryProgress) => process.stderr.write(`${p.phase}: ${p.samples} samples, ${p.groupsRunning}/${p.groups} groups running\n`),
  };
  if (cli.dims !== null) {
    const sweep = await runModelSizeSweep(cli.config, cli.dims, factory, runOptions);
    const seconds = (performance.now() - started) / 1000;
    if (cli.out) writeFileSync(cli.out, `${JSON.stringify({ ...sweep, wallSeconds: seconds, device })}\n`);
    process.stdout.write(`${sweepReport(sweep, seconds, device)}\n`);
    return 0;
  }
  const results = await runTheoryExperiment(cli.config, factory, runOptions);
  const seconds = (performance.now() - started) / 1000;
  finish(cli, results, seconds, device, { device, wallSeconds: seconds });
  return 0;
}

/**
 * Print (and with --out write) the results, with the seed bootstrap when asked for. `trained` is
 * where and how long the runs trained: with --from, the saved file's, so that a file analysed
 * again keeps them.
 */
function finish(cli: Cli, results: TheoryResults, seconds: number, device: string, trained: { device: string; wallSeconds: number | null }): void {
  const bootstrap = cli.seedBootstrap > 0 ? seedBootstrap(results.config, results.runs, { resamples: cli.seedBootstrap, level: results.config.analysis.level, seed: 1 }) : null;
  if (cli.out) writeFileSync(cli.out, `${JSON.stringify({ ...results, seedBootstrap: bootstrap, ...trained })}\n`);
  const crossing = { measured: results.crossing.measured, interval: results.crossing.interval };
  const seedIntervals = bootstrap === null ? null : { resamples: bootstrap.resamples, fit: bootstrap.fit, crossing: bootstrap.crossing };
  if (cli.json) process.stdout.write(`${JSON.stringify({ measured: results.measured, interval: results.interval, predicted: results.predicted, crossing, seedBootstrap: seedIntervals })}\n`);
  else process.stdout.write(`${report(results, seconds, device, bootstrap)}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`theory: ${describeError(error)}\n`);
    process.exit(1);
  },
);
