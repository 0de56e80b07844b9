// Types shared by the page and the worker. Plain data only: everything crosses postMessage.
import type { AdapterSummary } from '../gpu/device';
import type { MatmulShape } from '../kernels/matmul.ref';

export type ProbeResult =
  | { ok: true; adapter: AdapterSummary; description: string }
  | { ok: false; kind: string; message: string };

export interface MatmulRequest {
  a: Float32Array;
  b: Float32Array;
  shape: MatmulShape;
  c?: Float32Array;
  accumulate?: boolean;
}
