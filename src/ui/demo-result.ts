// The worked example of the first view: a demo result shipped with the page. This module is the
// one place the page reads it from; to ship a measured result, replace the JSON file (a results
// export of the demo preset) and set SYNTHETIC to false.
import type { ExperimentResults } from '../experiment/schema';
import { resultsFromValue } from '../experiment/codec';
import demo from '../experiment/fixtures/demo-results.json' with { type: 'json' };

/**
 * True while the shipped example is the synthetic fixture (runs generated from R(B) = 12 + 576/B,
 * src/experiment/fixtures/synthetic.ts), not a sweep the lab measured. The page says so.
 */
export const DEMO_RESULT_SYNTHETIC = true;

/** Where the example comes from, in words the page shows under it. */
export const DEMO_RESULT_SOURCE = DEMO_RESULT_SYNTHETIC
  ? 'Synthetic example: generated from the curve R(B) = 12 + 576/B with the demo’s shapes, until a measured demo result ships with the page. Press Start to measure your own.'
  : 'Measured by the lab on the demo preset.';

/** The shipped results, read through the codec like any imported file (migrated and validated). */
export function demoResult(): ExperimentResults {
  const decoded = resultsFromValue(demo);
  if (!decoded.ok || decoded.kind !== 'results') throw new Error(`the shipped demo result is not valid: ${decoded.ok ? decoded.kind : decoded.message}`);
  return decoded.results;
}
