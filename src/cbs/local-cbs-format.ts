// Plain-text rendering of a local-CBS report for the terminal (the headless runner, npm run cbs).
import { fmt } from './format';
import type { LocalCbsReport } from './local-cbs';

export function formatLocalCbsReport(report: LocalCbsReport): string {
  const out: string[] = [];
  out.push(
    `local CBS by branching: base batch ${report.baseBatch} sequences of ${report.context} tokens, ε = ${fmt(report.tolerance)}, ` +
      `${report.loss} loss smoothed with α = ${fmt(report.smoothing)}`,
  );
  for (const p of report.points) {
    const cbs = p.lower === null ? 'unknown' : p.censored ? `≥ ${fmt(p.lower)} (every branch within tolerance)` : `${fmt(p.lower)}–${fmt(p.upper)} (estimate ${fmt(p.estimate)})`;
    out.push(`  after ${fmt(p.tokens)} tokens (step ${p.step}): local CBS ${cbs} sequences`);
    for (const v of p.verdicts) {
      out.push(`    k = ${String(fmt(v.multiplier)).padEnd(4)} B = ${String(fmt(v.multiplier * report.baseBatch)).padEnd(5)} loss ${v.loss === null ? '—     ' : v.loss.toFixed(4)}  ${v.within ? 'within' : 'NOT within'}: ${v.reason}`);
    }
  }
  for (const n of report.noiseScale) {
    const e = n.estimate;
    out.push(`  gradient noise scale of the base run (replicate ${n.replicate}): ${e.summary !== null ? `B_simple ≈ ${fmt(e.summary, 3)} sequences` : `undefined (${e.note})`}`);
  }
  out.push(`  batch-size warmup proposed: ${report.schedule.map((s) => `${s.batchSize} from ${fmt(s.fromTokens)} tokens`).join(', ')}`);
  for (const c of report.comparisons) {
    const side = (t: typeof c.constant) => (t.steps === null ? `not reached (${t.status}, ${t.stepsDone} steps)` : `${t.steps} steps, ${fmt(t.tokens)} tokens`);
    out.push(`  to the target (replicate ${c.replicate}): constant batch ${side(c.constant)}; warmup ${side(c.scheduled)}`);
  }
  out.push(report.reading);
  return out.join('\n') + '\n';
}
