// The page's handle on a lab worker. The UI reaches the core only through this.
import * as Comlink from 'comlink';
import type { LabCalls } from './lab-api';
import type { LabWorkerApi } from './lab.worker';

/** A lab API behind some transport: a Web Worker in the page, the same process in Node. */
export interface LabWorker {
  api: LabCalls;
  terminate(): void;
}

export function startLabWorker(): LabWorker {
  const worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'cbs-lab' });
  const api: LabCalls = Comlink.wrap<LabWorkerApi>(worker);
  return { api, terminate: () => worker.terminate() };
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
