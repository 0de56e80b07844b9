// Plain-text rendering of a CBS report for the terminal.
import type { CbsReport, GroupReport, ScalingReport } from './report';
import { describeTableSource } from './input';

export function fmt(value: number | null, digits = 4): string {
  if (value === null) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(digits - 1);
  if (Number.isInteger(value)) return String(value);
  return String(+value.toPrecision(digits));
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => '  ' + r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
}

function formatGroup(g: GroupReport, overhead: number): string[] {
  const out: string[] = [];
  const title = [g.label, g.model ? `model ${g.model}` : null, g.modelSize !== null ? `N = ${fmt(g.modelSize)} non-embedding params` : null, g.dataSize !== null ? `D = ${fmt(g.dataSize)} tokens` : null]
    .filter((s) => s !== null)
    .join(', ');
  out.push(`== ${title} ==`);
  const t = g.target;
  if (g.target.source !== 'table') {
    const refs = t.references.map((r) => `${r.finalLoss === null ? `none (${r.status})` : fmt(r.finalLoss, 5)}`).join(', ');
    out.push(`  target EWA loss: ${t.loss === null ? 'unknown' : fmt(t.loss, 5)} (${t.source}${refs ? `; reference runs: ${refs}` : ''})`);
  }
  if (g.replicates > 1) out.push(`  seed replicates: ${g.replicates} (R(B) below is their geometric mean; the fit uses every replicate's point)`);
  const ratio = new Map(g.raw.checks.map((c) => [c.batchSize, c.ratio]));
  const fitted = new Map(g.fit.residuals.map((r) => [r.batchSize, r.fitted]));
  const rows = [['B', 'R(B)', 'reached', 'best run', 'lr', 'fit a+b/B', 'R/R_lin']];
  for (const p of g.points) {
    const reached = p.runs.filter((r) => r.steps !== null).length;
    const r = p.batchSize === g.raw.baselineBatch && p.steps !== null ? 1 : ratio.get(p.batchSize) ?? null;
    const bounds = p.replicates.map((x) => x.censoredAbove).filter((b): b is number => b !== null);
    rows.push([
      fmt(p.batchSize),
      p.steps !== null ? fmt(p.steps, 6) : bounds.length > 0 ? `> ${fmt(Math.max(...bounds), 6)}` : '—',
      `${reached}/${p.runs.length}`,
      p.bestRunId ?? '—',
      fmt(p.bestLr, 3),
      fmt(fitted.get(p.batchSize) ?? null, 6),
      r === null ? '—' : `${r.toFixed(3)}${r > 1 + overhead + 1e-12 ? ' >' : ''}`,
    ]);
  }
  out.push(...table(rows));
  const f = g.fit;
  if (f.a === null) {
    out.push(`  fit: none (${f.status}: ${f.note})`);
  } else {
    out.push(
      `  fit: log R = log(a + b/B): a = ${fmt(f.a)} steps, b = ${fmt(f.b)} sequences, B_crit = b/a = ${fmt(f.bCrit)}; RMSE(log) = ${fmt(f.rmseLog, 3)} over ${f.points} points${f.censoredPoints > 0 ? ` (${f.censoredPoints} censored)` : ''} [${f.status}]`,
    );
    if (f.note) out.push(`       ${f.note}`);
  }
  const c = g.cbs;
  const pct = `${fmt(overhead * 100, 3)}%`;
  // A group with no finished sweep run has no baseline yet.
  const from = c.baselineBatch !== null ? `B = ${fmt(c.baselineBatch)}` : 'the smallest B that reaches the target';
  let line = `  B* (${pct} over linear scaling from ${from}): `;
  if (c.bStar === null) line += `none (${c.status}${c.note ? `: ${c.note}` : ''})`;
  else {
    line += `${fmt(c.bStar)} sequences`;
    if (g.bStarTokens !== null) line += ` = ${fmt(g.bStarTokens)} tokens`;
  }
  out.push(line);
  if (c.bStar !== null && c.note) out.push(`      ${c.note}`);
  const iv = g.interval;
  if (iv.status === 'ok') {
    out.push(
      `  ${fmt(iv.level * 100, 3)}% interval: [${fmt(iv.lower)}, ${iv.upperUnbounded ? 'unbounded' : fmt(iv.upper)}] (${iv.method} bootstrap, ${iv.used} resamples, seed ${iv.seed})${iv.note ? `; ${iv.note}` : ''}`,
    );
  } else {
    out.push(`  interval: none (${iv.status}: ${iv.note})`);
  }
  const raw = g.raw;
  if (raw.bStar === null) out.push(`  raw B* (no fit): none (${raw.status}: ${raw.note})`);
  else out.push(`  raw B* (no fit): ${raw.lowerBound ? '≥ ' : ''}${fmt(raw.bStar)}${raw.firstOutside !== null ? ` (first B beyond the rule: ${fmt(raw.firstOutside)}${raw.crossing !== null ? `; the measured R(B) crosses the rule's line at B ≈ ${fmt(raw.crossing)}` : ''})` : ''}${raw.note ? `; ${raw.note}` : ''}`);
  if (g.replicateBStars.length > 0) out.push(`  B* of each replicate alone: ${g.replicateBStars.map((r) => `#${r.replicate + 1} ${fmt(r.bStar)}`).join(', ')}`);
  for (const u of g.unreached) out.push(`  unreached: ${u.runId} (B = ${fmt(u.batchSize)}${u.peakLr !== null ? `, lr ${fmt(u.peakLr, 3)}` : ''}): ${u.reason}`);
  if (g.noiseScale) {
    const ns = g.noiseScale;
    const measured = ns.runs.filter((r) => r.summary !== null).length;
    if (measured === 0 && ns.runs.every((r) => r.microBatch === r.batchSize)) {
      // One line, not one per run: no run accumulated micro-batches (measureNoiseScale off).
      out.push('  noise scale B_simple: not measured (no run split its batch into micro-batches; measureNoiseScale turns that on)');
    } else {
      out.push(`  noise scale B_simple (beside B*, not a substitute): median ${fmt(ns.median)} sequences over ${measured} run(s)`);
      for (const r of ns.runs) out.push(`    B = ${fmt(r.batchSize)} (micro ${fmt(r.microBatch)}): ${r.summary !== null ? fmt(r.summary) : `undefined — ${r.note}`}`);
    }
  }
  return out;
}

function formatScaling(s: ScalingReport, label: (key: string) => string): string[] {
  const out = [`== ${s.description} ==`];
  const f = s.fit;
  const unit = s.against === 'modelSize' ? 'N (parameters)' : 'D (tokens)';
  if (f.c === null || f.e === null) out.push(`  no fit (${f.status}: ${f.note})`);
  else {
    const ei = f.exponentInterval ? ` [${fmt(f.exponentInterval[0], 3)}, ${fmt(f.exponentInterval[1], 3)}]` : '';
    const ci = f.cInterval ? ` [${fmt(f.cInterval[0])}, ${fmt(f.cInterval[1])}]` : '';
    out.push(`  B* = c·X^e with X = ${unit}: e = ${fmt(f.e, 3)}${ei}, c = ${fmt(f.c)}${ci}${f.exponentInterval ? ` (${fmt(f.level * 100, 3)}% t-intervals, ${f.dof} dof)` : ''} [${f.status}]`);
    // The sizes are in parameters (a CSV in millions was converted when read), so this is the paper's form.
    if (s.against === 'modelSize') out.push(`  with N in millions of parameters (the paper's unit): B* = ${fmt(f.c * 1e6 ** f.e)}·N^${fmt(f.e, 3)}`);
    if (f.note) out.push(`  ${f.note}`);
  }
  for (const u of s.used) out.push(`    ${label(u.key)}: X = ${fmt(u.x)}, B* = ${fmt(u.bStar)}`);
  for (const x of s.excluded) out.push(`    excluded ${label(x.key)}: ${x.reason}`);
  if (s.paper) {
    out.push(`  paper (${s.paper.law.description}), in tokens:`);
    for (const p of s.paper.points) out.push(`    ${label(p.key)}: lab ${fmt(p.labBStarTokens)} vs paper ${fmt(p.paperBStarTokens)}`);
  }
  return out;
}

export function formatReport(report: CbsReport): string {
  const s = report.settings;
  const head = [
    `CBS analysis (${report.source}): ${report.groups.length} group(s); overhead ${fmt(s.overhead * 100, 3)}%; baseline ${s.baselineBatch === null ? 'smallest measured B' : `B = ${fmt(s.baselineBatch)}`}; ` +
      `steps to target ${s.interpolate ? 'interpolated in log-steps' : 'at the first evaluation at or below the target'}` +
      (s.targetOverride === null ? '' : typeof s.targetOverride === 'number' ? `; target loss ${fmt(s.targetOverride)} (override, every measurement)` : `; target overrides for ${Object.keys(s.targetOverride).length} measurement(s)`),
  ];
  if (report.input) head.push(`read ${report.input.rows} row(s): ${describeTableSource(report.input).join('; ')}`);
  const labels = new Map(report.groups.map((g) => [g.key, g.label]));
  const label = (key: string) => labels.get(key) ?? key;
  const parts = [head, ...report.groups.map((g) => formatGroup(g, s.overhead)), ...report.scaling.map((x) => formatScaling(x, label))];
  if (report.warnings.length > 0) parts.push(['warnings:', ...report.warnings.map((w) => `  - ${w}`)]);
  return parts.map((p) => p.join('\n')).join('\n\n') + '\n';
}
