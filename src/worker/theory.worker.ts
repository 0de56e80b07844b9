// The theory lab's worker in the page: runs theory experiments (src/theory) on the browser's
// WebGPU with the GPU trainer, off the page's thread, and reports progress as it goes. The page
// stops an experiment by terminating the worker.
import * as Comlink from 'comlink';
import { acquireGpu, describeAdapter } from '../gpu';
import type { TheoryConfig } from '../theory/config';
import { runModelSizeSweep, runTheoryExperiment, type ModelSizeSweep, type SessionFactory, type TheoryProgress, type TheoryResults } from '../theory/experiment';
import { createGpuTrainer } from '../theory/trainer';
import { reacquiring } from './gpu-once';

const gpu = reacquiring(() => acquireGpu());
const gpuFactory: SessionFactory = async (options, groups) => createGpuTrainer(await gpu(), options, groups);

const api = {
  /** The adapter, in words (the page records it beside the results). */
  async adapter(): Promise<string> {
    return describeAdapter((await gpu()).adapter);
  },
  async run(config: TheoryConfig, onProgress: (p: TheoryProgress) => void): Promise<TheoryResults> {
    return runTheoryExperiment(config, gpuFactory, { onProgress });
  },
  /** B* against M: the experiment at each M of `dims` (risk curves left out: only B* is shown). */
  async runModelSizes(config: TheoryConfig, dims: number[], onProgress: (p: TheoryProgress) => void): Promise<ModelSizeSweep> {
    return runModelSizeSweep(config, dims, gpuFactory, { onProgress, keepRuns: false });
  },
};

export type TheoryWorkerApi = typeof api;
Comlink.expose(api);
