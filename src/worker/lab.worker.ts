// The lab's compute worker in the page: the lab API (lab-api.ts) on the browser's WebGPU and the
// IndexedDB token cache, exposed to the page over comlink. Several workers each hold their own run.
import * as Comlink from 'comlink';
import { acquireGpu } from '../gpu';
import { TokenCache } from '../data';
import { createLabApi } from './lab-api';

const lab = createLabApi({ acquireGpu: () => acquireGpu(), openTokenCache: () => TokenCache.open() });

/** Weights move to the page instead of being copied. */
const transferred = (bytes: Uint8Array): Uint8Array => Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);

const api = {
  ...lab,
  takeWeights(): Uint8Array | null {
    const bytes = lab.takeWeights();
    return bytes ? transferred(bytes) : null;
  },
  async exportWeights(): Promise<Uint8Array> {
    return transferred(await lab.exportWeights());
  },
};

export type LabWorkerApi = typeof api;
Comlink.expose(api);
