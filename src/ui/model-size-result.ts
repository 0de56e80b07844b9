// The worked example's second half: the cbs-vs-model preset as measured by the lab (seed 1: one,
// two, four and eight layers on 40k tokens, headless Chromium on the CPU emulator, 2026-11-30;
// docs/science.md), compacted as a results link compacts it. The page imports this module only
// when the example is switched to model size, so its data loads only then.
import type { ExperimentResults } from '../experiment/schema';
import { shippedResult } from './demo-result';
import measured from './model-size-result.json' with { type: 'json' };

/** Where the example comes from, in words the page shows under it. */
export const MODEL_SIZE_RESULT_SOURCE =
"Measured by this lab on the CBS vs model size preset (seed 1), in headless Chromium on the CPU emulator, 2026-11-30 (23.5 min there). At seeds 2 and 3 the eight-layer model's B* was 1.23× and 1.39× the one-layer model's (docs/science.md).";

/** The shipped cbs-vs-model results. */
export function modelSizeResult(): ExperimentResults {
  return shippedResult(measured, 'model-size');
}
