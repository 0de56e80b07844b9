// The page's handle on a theory worker (theory.worker.ts): one per experiment, terminated to stop it.
import * as Comlink from 'comlink';
import type { TheoryConfig } from '../theory/config';
import type { ModelSizeSweep, TheoryProgress, TheoryResults } from '../theory/experiment';
import type { TheoryWorkerApi } from './theory.worker';

export interface TheoryWorker {
  adapter(): Promise<string>;
  run(config: TheoryConfig, onProgress: (p: TheoryProgress) => void): Promise<TheoryResults>;
  runModelSizes(config: TheoryConfig, dims: number[], onProgress: (p: TheoryProgress) => void): Promise<ModelSizeSweep>;
  terminate(): void;
}

export function startTheoryWorker(): TheoryWorker {
  const worker = new Worker(new URL('./theory.worker.ts', import.meta.url), { type: 'module', name: 'cbs-theory' });
  const api = Comlink.wrap<TheoryWorkerApi>(worker);
  return {
    adapter: () => api.adapter(),
    run: (config, onProgress) => api.run(config, Comlink.proxy(onProgress)),
    runModelSizes: (config, dims, onProgress) => api.runModelSizes(config, dims, Comlink.proxy(onProgress)),
    terminate: () => worker.terminate(),
  };
}
