// A lab API called in the caller's own process: the LabWorker the experiment runner drives, with
// no Web Worker between them (Node's headless engine). Calls answer with promises, as through
// comlink, so the runner cannot tell the two transports apart.
import type { LabApi, LabCalls } from './lab-api';
import type { LabWorker } from './client';

export function inProcessLabWorker(api: LabApi): LabWorker {
  const calls: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(api) as [string, (...args: unknown[]) => unknown][]) {
    calls[name] = async (...args) => method(...args);
  }
  // Nothing to tear down but the run in flight; the device belongs to whoever acquired it.
  return { api: calls as LabCalls, terminate: () => api.cancel() };
}
