// The short terminal summary of a CBS report: per batch size the steps to target, then B* with
// its interval, per (model, data size) group, and how B* moved across data or model sizes (what
// the demo exists to show). The full table is formatReport's (report.txt).
import type { CbsReport } from '../../src/cbs/report';
import { fmt } from '../../src/cbs/format';
import { intervalsDisjoint } from '../../src/cbs/bootstrap';

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
  out.push(...scalingLines(report));
  for (const w of report.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}

/**
 * One line per scaling comparison with B* at two or more sizes: how B* moved from the smallest
 * size to the largest, whether their intervals are disjoint, and the power law's exponent.
 */
function scalingLines(report: CbsReport): string[] {
  const groups = new Map(report.groups.map((g) => [g.key, g]));
  const out: string[] = [];
  for (const sc of report.scaling) {
    const used = [...sc.used].sort((p, q) => p.x - q.x);
    if (used.length < 2 || used[0].x === used[used.length - 1].x) continue;
    const [first, last] = [used[0], used[used.length - 1]];
    const what = sc.against === 'dataSize' ? 'D' : 'N';
    const unit = (g: CbsReport['groups'][number] | undefined, bStar: number) => (g?.bStarTokens != null ? `${fmt(g.bStarTokens)} tokens` : `${fmt(bStar)} sequences`);
    const [gFirst, gLast] = [groups.get(first.key), groups.get(last.key)];
    const parts = [`B* against ${sc.against === 'dataSize' ? 'data size' : 'model size'}: ${unit(gFirst, first.bStar)} at ${what} = ${fmt(first.x)} to ${unit(gLast, last.bStar)} at ${what} = ${fmt(last.x)} (×${fmt(last.bStar / first.bStar, 3)} for ×${fmt(last.x / first.x, 3)})`];
    const disjoint = intervalsDisjoint(gFirst?.interval, gLast?.interval);
    parts.push(disjoint === null || !gFirst ? 'no interval at one end' : `their ${fmt(gFirst.interval.level * 100, 3)}% intervals ${disjoint ? 'are disjoint' : 'overlap'}`);
    if (sc.fit.e !== null) parts.push(`B* ∝ ${what}^${fmt(sc.fit.e, 3)}${sc.fit.exponentInterval ? ` (exponent ${fmt(sc.fit.level * 100, 3)}% interval ${fmt(sc.fit.exponentInterval[0], 3)} to ${fmt(sc.fit.exponentInterval[1], 3)})` : ''}`);
    out.push(parts.join('; '));
  }
  return out;
}
