// The worked example of the first view: a demo result shipped with the page. This module is the
// one place the page reads it from. demo-result.json is the demo preset as measured by the lab
// (seed 1, headless Chromium on the CPU emulator, 2026-11-30; docs/science.md), compacted as a
// results link compacts it (per-step statistics in blocks; every evaluation kept).
import type { ExperimentResults } from '../experiment/schema';
import { resultsFromValue } from '../experiment/codec';
import demo from './demo-result.json' with { type: 'json' };

/** Where the example comes from, in words the page shows under it. */
export const DEMO_RESULT_SOURCE =
  'Measured by this lab on the demo preset (seed 1), in headless Chromium on the CPU emulator, 2026-11-30; seeds 2–5 grew 1.5–2.2× too (docs/science.md). Press Start to measure it again on your machine.';

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
