// Results: one CBS chart per (model, data size) and the scaling chart, from any ExperimentResults
// (live, shared, imported or reopened). The target, overhead and baseline can be changed here:
// steps to target are recomputed from the stored evaluation curves.
import { useId, useMemo, useState } from 'react';
import type { ExperimentResults } from '../experiment/schema';
import { chartModel } from './chart-model';
import { CbsChart } from './CbsChart';
import { ScalingChart } from './ScalingChart';
import { fmtNum } from './format';

export function ResultsView({ results }: { results: ExperimentResults }) {
  const [targetText, setTargetText] = useState('');
  const [overheadText, setOverheadText] = useState('');
  const ids = { target: useId(), overhead: useId() };
  const target = targetText.trim() === '' ? undefined : Number(targetText);
  const overhead = overheadText.trim() === '' ? undefined : Number(overheadText) / 100;
  const badTarget = target !== undefined && !(target > 0 && Number.isFinite(target));
  const badOverhead = overhead !== undefined && !(overhead > 0 && overhead <= 10);
  const analysis = useMemo(
    () => chartModel(results, { target: badTarget ? undefined : target, overhead: badOverhead ? undefined : overhead }),
    [results, target, overhead, badTarget, badOverhead],
  );
  const finished = results.runs.filter((r) => r.spec.role !== 'reference').length;
  return (
    <section className="results" aria-labelledby="results-title" data-testid="results">
      <h2 id="results-title">Critical batch size</h2>
      <p className="results-meta" data-testid="results-meta">
        {results.config.name}: {finished} run{finished === 1 ? '' : 's'}, target EWA validation loss{' '}
        <strong data-testid="target-loss">
          {analysis.target !== null ? fmtNum(analysis.target, 4) : 'set per model and data size by its reference run'}
        </strong>
        {results.finishedAt ? '' : ' (in progress)'} · adapter: {results.adapter || 'unknown'}
      </p>
      <div className="results-controls">
        <label htmlFor={ids.target}>Target loss</label>
        <input id={ids.target} inputMode="decimal" placeholder={fmtNum(analysis.target, 4)} value={targetText} onChange={(e) => setTargetText(e.target.value)} aria-invalid={badTarget} size={8} />
        <label htmlFor={ids.overhead}>Overhead %</label>
        <input id={ids.overhead} inputMode="decimal" placeholder={String(Math.round(results.config.analysis.overhead * 100))} value={overheadText} onChange={(e) => setOverheadText(e.target.value)} aria-invalid={badOverhead} size={5} />
        {(badTarget || badOverhead) && <span className="error-text">{badTarget ? 'The target must be a positive number.' : 'The overhead must be between 0 and 1000%.'}</span>}
      </div>
      {analysis.notes.map((n, i) => (
        <p key={i} className="warn">
          {n}
        </p>
      ))}
      {analysis.measurements.map((m) => (
        <CbsChart key={m.key} m={m} />
      ))}
      <ScalingChart scaling={analysis.scaling} />
    </section>
  );
}
