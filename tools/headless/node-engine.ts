// The headless runner's Node engine: the whole experiment in this process on Dawn (the `webgpu`
// package), with no browser. Everything that decides what is trained and how is the page's own
// code: the experiment runner and its sweep scheduler, the lab API each page worker runs (here
// called in process), the engine, kernels, data pipeline and the page's run store, which gives
// the progress and assembles the results exactly as in the page. Only the edges are Node's: the
// device (src/gpu/node.ts), a static server for the bundled shards, local files read by path,
// and the sweep's progress kept in files (file-sweep-store.ts) so that a killed run resumes.
import { existsSync, mkdirSync, openAsBlob, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_DIR } from '../../src/data';
import { exportConfigJson } from '../../src/experiment/codec';
import { describeAdapter, GpuError, type GpuContext } from '../../src/gpu';
import { acquireNodeGpu } from '../../src/gpu/node';
import type { ExperimentConfig, ExperimentResults } from '../../src/experiment/schema';
import { keptModelConfig, progressRows, timeFigures, useRunStore, type KeptWeights } from '../../src/state/run-store';
import { planContext, planRuns } from '../../src/experiment/plan';
import { calibrationPairs, type CostModel } from '../../src/train/cost-model';
import type { LocalFiles } from '../../src/worker/data-setup';
import { ExperimentRunner, type ExperimentHooks, type SweepPersistence } from '../../src/worker/experiment-runner';
import { groupKey } from '../../src/train/sweep';
import { isBranchPointKey } from '../../src/train/local-cbs';
import { inProcessLabWorker } from '../../src/worker/in-process';
import { createLabApi } from '../../src/worker/lab-api';
import type { HeadlessArgs } from './args';
import { EXIT, RunFailure, log, progressPrinter, reportAdapter, slug, warn, writeOutputs } from './common';
import { fileSweepStore, SweepFolderError, writeFileAtomic } from './file-sweep-store';
import type { HostCheck, ResolvedInput } from './input';
import type { AdapterInfo } from './page';
import type { LabState } from './progress';
import { serveStatic, type StaticServer } from '../static-files';

export class NodeEngineError extends Error {
  constructor(
    message: string,
    readonly kind: 'startup' | 'adapter' | 'input',
  ) {
    super(message);
  }
}

/** Where the page's static files live: ./public in a checkout, public/ beside the script in a device bundle. */
function publicDir(): string {
  const candidates = [resolve('public'), resolve(dirname(fileURLToPath(import.meta.url)), 'public')];
  const found = candidates.find((dir) => existsSync(join(dir, BUNDLED_DIR)));
  if (!found) throw new NodeEngineError(`the bundled data (${BUNDLED_DIR}) is in none of ${candidates.join(', ')}`, 'startup');
  return found;
}

/** A 'local' data source's files, named as the config names them and read from `dataDir`. */
export async function localFiles(config: ExperimentConfig, dataDir: string): Promise<LocalFiles | null> {
  if (config.data.kind !== 'local') return null;
  const open = async (name: string): Promise<File> => {
    const path = resolve(dataDir, name);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new NodeEngineError(`the config trains on the local file "${name}", but ${path} is not a file (--data-dir names the folder it is in)`, 'input');
    }
    // A file-backed Blob: the shard is streamed from disk, never read whole.
    return new File([await openAsBlob(path)], name, { lastModified: statSync(path).mtimeMs });
  };
  return {
    train: await Promise.all(config.data.train.map(open)),
    validation: await Promise.all(config.data.validation.map(open)),
  };
}

/** The device, shared by the in-process workers (each page worker holds its own; here one process holds one). */
export async function acquireDevice(): Promise<{ gpu: GpuContext; adapter: AdapterInfo }> {
  let gpu: GpuContext;
  try {
    gpu = await acquireNodeGpu();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof GpuError && e.kind === 'no-webgpu') throw new NodeEngineError(message, 'startup');
    const why = e instanceof GpuError && e.kind === 'no-adapter' ? 'Dawn found no WebGPU adapter' : `Dawn could not open a WebGPU device (${message})`;
    throw new NodeEngineError(
      `${why}. It needs the Vulkan loader (libvulkan1) and a Vulkan driver: on a GPU server the ` +
        "vendor's ICD (VK_ICD_FILENAMES=/path/to/nvidia_icd.json); without a GPU, SwiftShader's: " +
        'LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (docs/headless.md)',
      'adapter',
    );
  }
  const description = describeAdapter(gpu.adapter);
  return { gpu, adapter: { description, fallback: gpu.adapter.isFallbackAdapter || /swiftshader/i.test(description) } };
}

export interface NodeTraining {
  /** The results as the page's run store assembles them (what the page's export writes). */
  results: ExperimentResults | null;
  state: LabState;
  /** Runs found finished in the sweep folder, and runs that continued from a checkpoint. */
  resumed: { finished: number; fromCheckpoint: string[] };
  /** The trained models the page would offer for download (runs finished before a resume have none). */
  models: KeptWeights[];
  /** The experiment's tokenizer.json (null for GPT-2: the hub's), when there are models. */
  tokenizerJson: Record<string, unknown> | null;
}

export interface NodeTrainingOptions {
  /** The sweep's files: finished runs and checkpoints (resumable). */
  sweepDir: string;
  /** The folder a 'local' data source's file names are read from. */
  dataDir: string;
  /** Called about once a second and at the end with the page's view of the sweep. */
  onState(state: LabState): void;
  /** What was resumed: finished runs kept, runs continuing from a checkpoint. */
  onNote(line: string): void;
  /** Called once the runner is going, so that a time limit or a signal can cancel it. */
  onRunner?(runner: ExperimentRunner): void;
}

/**
 * The trained model the page keeps per (model, D) group, kept on disk too, so that a resumed
 * sweep offers the model of a run that finished before the kill: written when the run store keeps
 * a run's weights (at most one file per group), given back to the store when that run's record is
 * read back from the sweep folder.
 */
function keptModels(dir: string): Pick<ExperimentHooks, 'runFinished'> & Required<Pick<ExperimentHooks, 'runWeights'>> {
  const file = (runId: string) => join(dir, `${encodeURIComponent(runId)}.safetensors`);
  const trainedHere = new Set<string>();
  return {
    runWeights(record, safetensors) {
      trainedHere.add(record.spec.id);
      const group = groupKey(record.spec);
      const before = useRunStore.getState().weights[group];
      useRunStore.getState().runWeights?.(record, safetensors);
      const after = useRunStore.getState().weights[group];
      if (after === before) return;
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(file(record.spec.id), safetensors);
      if (before) rmSync(file(before.spec.id), { force: true });
    },
    runFinished(record) {
      if (!trainedHere.has(record.spec.id) && existsSync(file(record.spec.id))) {
        useRunStore.getState().runWeights?.(record, new Uint8Array(readFileSync(file(record.spec.id))));
      }
      useRunStore.getState().runFinished(record);
    },
  };
}

/** About how long one timed calibration measurement may take (as the page's). */
const CALIBRATION_BUDGET_SECONDS = 2;

/**
 * The cost model the page would have: calibrated on this device before the first run (the page
 * keeps it in localStorage per adapter; Node measures it each time, in seconds).
 */
async function calibrate(config: ExperimentConfig, gpu: GpuContext, lab: ReturnType<typeof createLabApi>, files: LocalFiles | null): Promise<CostModel> {
  const info = await lab.describeTokenizer({ data: config.data, tokenizer: config.tokenizer, files });
  const plan = planRuns(config, planContext(config, info.vocabSize, gpu.adapter.limits));
  const result = await lab.calibrateCost({ shapes: calibrationPairs(plan), budgetSeconds: CALIBRATION_BUDGET_SECONDS, flopsPerSecond: null });
  const dataSeconds = plan.length > 0 ? await lab.measureDataPreparation(plan[0], { data: config.data, tokenizer: config.tokenizer, files }) : null;
  return { shapes: result.shapes, flopsPerSecond: result.flopsPerSecond, evalAdapter: result.evalAdapter, dataSeconds };
}

/** Trains the experiment with the page's runner, workers in process, on `gpu`. */
export async function trainInNode(config: ExperimentConfig, gpu: GpuContext, adapter: AdapterInfo, options: NodeTrainingOptions): Promise<NodeTraining> {
  const files = await localFiles(config, options.dataDir);
  // The bundled shards (and the bundled BPE) are fetched by URL, as in the page.
  const server: StaticServer | null = config.data.kind === 'bundled' ? await serveStatic(publicDir()) : null;
  const env = { acquireGpu: () => Promise.resolve(gpu), openTokenCache: () => Promise.resolve(null), dataBaseUrl: server?.url };

  const warnings: string[] = [];
  const warn = (message: string) => {
    if (!warnings.includes(message)) warnings.push(message);
  };
  const resumed = { finished: 0, fromCheckpoint: [] as string[] };
  const onDisk = fileSweepStore(options.sweepDir, warn);
  const store: SweepPersistence = {
    ...onDisk,
    async finishedRuns(id) {
      const runs = await onDisk.finishedRuns(id);
      resumed.finished = runs.length;
      if (runs.length > 0) options.onNote(`resuming from ${options.sweepDir}: ${runs.length} finished run(s) kept, not trained again`);
      return runs;
    },
    async checkpoint(id, runId) {
      const checkpoint = await onDisk.checkpoint(id, runId);
      // A local-CBS branch starting from its base run's checkpoint is not a resume.
      if (checkpoint && !isBranchPointKey(runId)) {
        resumed.fromCheckpoint.push(`${runId} at step ${checkpoint.step}`);
        options.onNote(`run ${runId} continues from its checkpoint at step ${checkpoint.step}`);
      }
      return checkpoint;
    },
  };
  const startedHere: string[] = [];
  options.onNote('calibrating the cost model on this device (a few training steps and evaluation passes per model shape)…');
  const cost = await calibrate(config, gpu, createLabApi(env), files);
  const runStore = useRunStore.getState();
  runStore.clear();
  const models = keptModels(join(options.sweepDir, 'models'));
  const runner = new ExperimentRunner(config, {
    store,
    hooks: {
      ...runStore,
      experimentStarted: (...started) => {
        useRunStore.getState().experimentStarted(...started);
        // After experimentStarted, which loads the (browser-only) cached model: Node's own measurement.
        useRunStore.setState({ cost });
      },
      runStarted: (id) => {
        startedHere.push(id);
        useRunStore.getState().runStarted(id);
      },
      runWeights: models.runWeights,
      runFinished: models.runFinished,
    },
    limits: gpu.adapter.limits,
    adapter: adapter.description,
    onWarning: warn,
    startWorker: () => inProcessLabWorker(createLabApi(env)),
    files,
  });
  options.onRunner?.(runner);
  const state = (error: string | null = null): LabState => {
    const s = useRunStore.getState();
    return {
      status: s.status,
      error,
      warnings: [...warnings],
      runs: progressRows(s),
      startedHere: [...startedHere],
      ...timeFigures(s, Date.now()),
    };
  };
  const ticker = setInterval(() => options.onState(state()), 1000);
  try {
    await runner.run();
    options.onState(state());
    const models = Object.values(useRunStore.getState().weights);
    const tokenizerJson = models.length > 0 ? await createLabApi(env).tokenizerJson({ data: config.data, tokenizer: config.tokenizer, files }) : null;
    return { results: useRunStore.getState().results, state: state(), resumed, models, tokenizerJson };
  } catch (e) {
    options.onState(state(e instanceof Error ? e.message : String(e)));
    throw e;
  } finally {
    clearInterval(ticker);
    await server?.close();
  }
}

/** The runner in flight, so that a time limit or a signal can stop it. */
let running: ExperimentRunner | null = null;

/** Stops the run in flight (its last checkpoint is on disk: the same command resumes it). */
export function stopNodeRun(): void {
  running?.cancel();
  running = null;
}

/** The Node engine as the headless command runs it: device, dry run, training, outputs. */
export async function runInNode(args: HeadlessArgs, input: ResolvedInput, hosts: HostCheck, outDir: string, t0: number): Promise<number> {
  let device: Awaited<ReturnType<typeof acquireDevice>> | null = null;
  try {
    device = await acquireDevice();
    log(`engine: Node on Dawn (the webgpu package), no browser`);
    reportAdapter(device.adapter, args);
  } catch (e) {
    if (!(e instanceof NodeEngineError) || !args.dryRun) throw e;
    warn(`note: ${e.message}`);
  }
  if (args.dryRun) {
    writeFileSync(resolve(outDir, 'config.json'), exportConfigJson(input.config) + '\n');
    process.stdout.write(JSON.stringify(input.config, null, 2) + '\n');
    log(`dry run: the Node engine would train this config; written to ${resolve(outDir, 'config.json')}`);
    return EXIT.ok;
  }
  if (!device) throw new RunFailure('no WebGPU device', EXIT.adapter);
  if (hosts.ok && hosts.hosts.length > 0) log(`data hosts approved (--allow-host): ${hosts.hosts.join(', ')}`);

  const sweepDir = resolve(outDir, 'sweep');
  log(`finished runs and checkpoints go to ${sweepDir}: if this is stopped, the same command with --out ${outDir} resumes it`);
  const trainStart = Date.now();
  const printer = progressPrinter(args.quiet, trainStart, 'node');
  let trained: Awaited<ReturnType<typeof trainInNode>>;
  try {
    trained = await trainInNode(input.config, device.gpu, device.adapter, {
      sweepDir,
      dataDir: resolve(args.dataDir ?? '.'),
      onState: (state) => printer.update(state),
      onNote: (line) => printer.note(line),
      onRunner: (runner) => (running = runner),
    });
  } catch (e) {
    if (e instanceof SweepFolderError) throw new RunFailure(e.message, EXIT.usage);
    if (e instanceof NodeEngineError) throw e;
    throw new RunFailure(`the experiment failed: ${e instanceof Error ? e.message : String(e)}`, EXIT.failed);
  } finally {
    printer.end();
    running = null;
  }
  return writeOutputs(outDir, trained.results, {
    args,
    source: input.source,
    adapter: device.adapter,
    engine: { engine: 'node', browser: null },
    runs: trained.state.runs,
    trainStart,
    t0,
    extras: async () => writeModels(outDir, trained.models, trained.tokenizerJson),
  });
}

/**
 * The trained models as the page's downloads give them: per (model, D) group, model/<run>/ holds
 * model.safetensors (the final EWA weights), config.json and tokenizer.json. Returns the paths.
 */
function writeModels(outDir: string, models: KeptWeights[], tokenizerJson: Record<string, unknown> | null): string[] {
  const written: string[] = [];
  for (const w of models) {
    const folder = `model/${slug(w.spec.id)}`;
    mkdirSync(resolve(outDir, folder), { recursive: true });
    writeFileSync(resolve(outDir, folder, 'model.safetensors'), w.safetensors);
    writeFileSync(resolve(outDir, folder, 'config.json'), JSON.stringify(keptModelConfig(w), null, 2));
    written.push(`${folder}/model.safetensors`, `${folder}/config.json`);
    if (tokenizerJson) {
      writeFileSync(resolve(outDir, folder, 'tokenizer.json'), JSON.stringify(tokenizerJson));
      written.push(`${folder}/tokenizer.json`);
    }
  }
  return written;
}
