// The lab-vs-TF.js comparison's result and its text table, apart from ./peer-compare.ts so that
// Node-side code (the Playwright spec) can use them without importing the GPU engine.
import type { ModelConfig } from '../model/config';

export interface PeerSide {
  /** Mean training loss of each step's batch, before that step's update. */
  losses: number[];
  gradNorms: number[];
  stepSeconds: number[];
  /** Over every step but the first (warm-up); see steadyTokensPerSecond. */
  tokensPerSecond: number;
}

export interface PeerResult {
  model: ModelConfig;
  microBatch: number;
  steps: number;
  tokensPerStep: number;
  data: string;
  lab: PeerSide;
  tfjs: PeerSide;
  /** Lab tokens/s ÷ TF.js tokens/s (> 1: the lab is faster). */
  ratio: number;
  /** |lab − TF.js| of the first step's loss (same weights, same batch). */
  firstLossDiff: number;
  /** Largest |lab − TF.js| loss difference over all steps. */
  maxLossDiff: number;
}

/** The result as a small text table (the Node runner prints it; docs/peer.md quotes it). */
export function formatPeerTable(rows: PeerResult[]): string {
  const head = ['model', 'L/d/H/T/V', 'micro-batch', 'lab tok/s', 'TF.js tok/s', 'ratio', 'lab loss₁', 'TF.js loss₁', 'loss Δ max'];
  const body = rows.map((r) => [
    r.model.name,
    `${r.model.layers}/${r.model.dModel}/${r.model.heads}/${r.model.context}/${r.model.vocabSize}`,
    String(r.microBatch),
    r.lab.tokensPerSecond.toFixed(0),
    r.tfjs.tokensPerSecond.toFixed(0),
    `${r.ratio.toFixed(2)}×`,
    r.lab.losses[0].toFixed(5),
    r.tfjs.losses[0].toFixed(5),
    r.maxLossDiff.toExponential(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
