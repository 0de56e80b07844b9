// A browser check runs a kernel on the page's WebGPU device and compares it with its CPU
// reference. It returns plain data; the Playwright spec makes the assertions in Node.
import type { GpuContext } from '../../src/gpu';
import type { Comparison } from '../../src/kernels/compare';

export interface CheckOutcome {
  label: string;
  comparison: Comparison;
}

export type Check = (gpu: GpuContext) => Promise<CheckOutcome[]>;
/** A probe runs something on the page's device and returns JSON-able figures the spec asserts on. */
export type Probe = (gpu: GpuContext, args: unknown) => Promise<unknown>;
export type CheckModule = { checks?: Record<string, Check>; probes?: Record<string, Probe> };
