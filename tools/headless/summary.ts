// The short terminal summary of a CBS report: per batch size the steps to target, then B* with
// its interval, per (model, data size) group. The full table is formatReport's (report.txt).
import type { CbsReport } from '../../src/cbs/report';
import { fmt } from '../../src/cbs/format';

export function formatSummary(report: CbsReport): string {
  const out: string[] = [];
  const s = report.settings;
  for (const g of report.groups) {
    const title = [g.model ? `model ${g.model}` : null, g.dataSize !== null ? `D = ${fmt(g.dataSize)} tokens` : null].filter(Boolean).join(', ') || g.label;
    out.push(`${title}:`);
    if (g.target.loss !== null) out.push(`  target EWA validation loss ${fmt(g.target.loss, 5)} (${g.target.source})`);
    for (const p of g.points) {
      const reached = p.runs.filter((r) => r.steps !== null).length;
      const steps = p.steps === null ? 'never reached the target' : `${fmt(p.steps, 6)} steps to target`;
      out.push(`  B = ${String(fmt(p.batchSize)).padStart(5)}: ${steps}${p.runs.length > 1 ? ` (${reached}/${p.runs.length} runs reached it)` : ''}`);
    }
    const c = g.cbs;
    const pct = `${fmt(s.overhead * 100, 3)}%`;
    if (c.bStar === null) {
      out.push(`  B* (${pct} rule): none (${c.status}${c.note ? `: ${c.note}` : ''})`);
    } else {
      const tokens = g.bStarTokens !== null ? ` = ${fmt(g.bStarTokens)} tokens` : '';
      out.push(`  B* (${pct} rule) = ${fmt(c.bStar)} sequences${tokens}${c.extrapolated ? ' (extrapolated beyond the largest measured B)' : ''}`);
    }
    const iv = g.interval;
    if (iv.status === 'ok') {
      out.push(`  ${fmt(iv.level * 100, 3)}% interval: [${fmt(iv.lower)}, ${iv.upperUnbounded ? 'unbounded' : fmt(iv.upper)}] (${iv.method} bootstrap, ${iv.used} resamples)`);
    } else {
      out.push(`  interval: none (${iv.status}${iv.note ? `: ${iv.note}` : ''})`);
    }
  }
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}
