// The page's handle on a lab worker. The UI reaches the core only through this.
import * as Comlink from 'comlink';
import type { LabWorkerApi } from './lab.worker';

export interface LabWorker {
  api: Comlink.Remote<LabWorkerApi>;
  terminate(): void;
}

export function startLabWorker(): LabWorker {
  const worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'cbs-lab' });
  return { api: Comlink.wrap<LabWorkerApi>(worker), terminate: () => worker.terminate() };
}

/** One piece of work on a worker of its own, terminated after (the data cache panel, clearing the cache). */
export async function withLabWorker<T>(work: (api: LabWorker['api']) => Promise<T>): Promise<T> {
  const worker = startLabWorker();
  try {
    return await work(worker.api);
  } finally {
    worker.terminate();
  }
}
