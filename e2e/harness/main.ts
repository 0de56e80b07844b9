// The test harness page. Playwright opens it and calls window.harness.*; every check module
// in e2e/checks/ is found by glob, so adding a kernel needs no edit here.
import { acquireGpu, describeAdapter, describeError, type GpuContext } from '../../src/gpu';
import { startLabWorker } from '../../src/worker/client';
import type { CheckModule, CheckOutcome } from '../checks/types';

const modules = import.meta.glob<CheckModule>('../checks/*.check.ts');

let gpuPromise: Promise<GpuContext> | null = null;
function gpu(): Promise<GpuContext> {
  gpuPromise ??= acquireGpu();
  return gpuPromise;
}

async function loadChecks(family: string): Promise<CheckModule> {
  const loader = modules[`../checks/${family}.check.ts`];
  if (!loader) throw new Error(`no check module e2e/checks/${family}.check.ts`);
  return loader();
}

const harness = {
  async adapter(): Promise<{ ok: boolean; description: string }> {
    try {
      return { ok: true, description: describeAdapter((await gpu()).adapter) };
    } catch (error) {
      return { ok: false, description: describeError(error) };
    }
  },
  async list(family: string): Promise<string[]> {
    return Object.keys((await loadChecks(family)).checks ?? {});
  },
  async run(family: string, name: string): Promise<CheckOutcome[]> {
    const check = (await loadChecks(family)).checks?.[name];
    if (!check) throw new Error(`no check ${family}/${name}`);
    return check(await gpu());
  },
  async probe(family: string, name: string, args: unknown = null): Promise<unknown> {
    const probe = (await loadChecks(family)).probes?.[name];
    if (!probe) throw new Error(`no probe ${family}/${name}`);
    return probe(await gpu(), args);
  },
  startLabWorker,
};

declare global {
  interface Window {
    harness: typeof harness;
  }
}
window.harness = harness;
document.getElementById('status')!.textContent = 'harness ready';
