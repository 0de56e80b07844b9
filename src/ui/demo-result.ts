// The worked example of the first view: a demo result shipped with the page. This module is the
// one place the page reads it from. demo-result.json is the demo preset as measured by the lab
// (seed 1, headless Chromium on the CPU emulator, 2026-11-30; docs/science.md), compacted as a
// results link compacts it (per-step statistics in blocks; every evaluation kept).
import type { ExperimentResults } from '../experiment/schema';
import { resultsFromValue } from '../experiment/codec';
import demo from './demo-result.json' with { type: 'json' };

/** Where the example comes from, in words the page shows under it. */
export const DEMO_RESULT_SOURCE =
  'Measured by this lab on the demo preset (seed 1), in headless Chromium on the CPU emulator, 2026-11-30. Press Start to measure it again on your machine. With seeds 1–3 as replicates (the Demo at three seeds preset, 34 min there), B* grew 1.9×, from 3.63 (3.20–4.31) to 6.95 (6.50–7.45), with intervals that include the seed-to-seed spread (docs/science.md).';

/** A shipped result, read through the codec like any imported file (migrated and validated). */
export function shippedResult(value: unknown, what: string): ExperimentResults {
  const decoded = resultsFromValue(value);
  if (!decoded.ok || decoded.kind !== 'results') throw new Error(`the shipped ${what} result is not valid: ${decoded.ok ? decoded.kind : decoded.message}`);
  return decoded.results;
}

/** The shipped demo results. */
export function demoResult(): ExperimentResults {
  return shippedResult(demo, 'demo');
}
